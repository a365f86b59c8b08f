"""Arrow-backed sources: Parquet files, ``datasets`` tables (``save_to_disk`` folders, Hub datasets) turned
into the raw pair table, and picking a split of a DatasetDict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from ada_t5.data.errors import DataFormatError, MissingSplitError
from ada_t5.data.raw import PAIR_COLUMNS, _SCHEMA, _Raw, _resolve_columns
from ada_t5.data.sources import _canonical_split


def _from_arrow(table: pa.Table, label: str, columns) -> _Raw:
    fields = _resolve_columns(table.column_names, columns, label, label)
    arrays = []
    for ours in PAIR_COLUMNS:
        if ours not in fields:
            arrays.append(pa.nulls(table.num_rows, pa.string()))
            continue
        column = table.column(fields[ours])
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind) \
                or pa.types.is_null(kind) or (ours == "id" and pa.types.is_integer(kind)):
            column = column.cast(pa.string())
        else:
            raise DataFormatError(f"{label}: column {fields[ours]!r} holds {kind}, expected strings",
                                  path=label, field=fields[ours], unit="row")
        arrays.append(column)
    arrays.append(pa.array(range(table.num_rows), pa.int64()))
    return _Raw(pa.Table.from_arrays(arrays, schema=_SCHEMA), fields, [], table.num_rows, unit="row")


def _read_parquet(path: Path, label: str, *, columns) -> _Raw:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
        fields = _resolve_columns(names, columns, label, label)
        table = parquet.read(columns=list(dict.fromkeys(fields.values())))
    except DataFormatError:
        raise
    except (pa.ArrowException, OSError) as error:
        raise DataFormatError(f"{label}: not a readable Parquet file: {error}", path=label) from None
    return _from_arrow(table, label, {ours: fields.get(ours) for ours in PAIR_COLUMNS})



def _pick_split(available: Sequence[str], split: str | None, label: str) -> str:
    available = list(available)
    if split is None:
        if len(available) == 1:
            return available[0]
        raise DataFormatError(f"{label} holds the splits {available}: pass split=... (or use load_splits)",
                              path=label)
    if split in available:
        return split
    matches = [name for name in available if _canonical_split(name) == _canonical_split(split)]
    if len(matches) == 1:
        return matches[0]
    raise MissingSplitError(f"{label} has no {split!r} split; it has {available}", path=label, field=None)


def _dataset_table(dataset) -> pa.Table:
    return dataset.with_format("arrow")[:] if len(dataset) else dataset.data.table.slice(0, 0)
