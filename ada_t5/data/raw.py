"""What every reader produces: the raw pair table (rows it could read, with their positions, plus the rows it
could not), built in bounded Arrow batches; column lookup by name and alias; UTF-8 checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from ada_t5.data.errors import DataFormatError, Problem

PAIR_COLUMNS = ("smiles", "description", "id")
REQUIRED = ("smiles", "description")

#: Column names recognised (case-insensitively, first match wins) when no ``columns`` mapping is given.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "smiles": ("smiles", "canonical_smiles", "isomeric_smiles", "isosmiles", "smi", "molecule"),
    "description": ("description", "desc", "caption", "captions", "text", "descriptions"),
    "id": ("id", "cid", "pubchem_cid", "chebi_id", "mol_id", "molecule_id"),
}

_BATCH_ROWS = 65_536  # rows per Arrow record batch while reading (bounds the Python objects alive at once)

_SCHEMA = pa.schema([("smiles", pa.string()), ("description", pa.string()), ("id", pa.string()),
                     ("_pos", pa.int64())])


@dataclass
class _Raw:
    """A reader's output: the rows it could read (with their positions) and the rows it could not."""

    table: pa.Table
    fields: dict[str, str]  # our column name -> the source's field name (for messages)
    problems: list[Problem]
    rows_read: int
    unit: str = "line"
    # When ``_pos`` holds element indices instead of lines (the fast JSON path), this maps the indices of
    # bad rows to their lines, with a second, slower pass over the file, run only when there are any.
    locate: Callable[[Sequence[int]], dict[int, int]] | None = None


class _Builder:
    """Accumulates rows in small Python lists and turns them into Arrow batches every ``_BATCH_ROWS``."""

    def __init__(self):
        self.batches: list[pa.RecordBatch] = []
        self._reset()

    def _reset(self):
        self.smiles: list = []
        self.description: list = []
        self.ids: list = []
        self.pos: list[int] = []

    def add(self, smiles, description, id_, pos: int):
        self.smiles.append(smiles)
        self.description.append(description)
        self.ids.append(id_)
        self.pos.append(pos)
        if len(self.pos) >= _BATCH_ROWS:
            self.flush()

    def flush(self):
        if self.pos:
            self.batches.append(pa.record_batch(
                [pa.array(self.smiles, pa.string()), pa.array(self.description, pa.string()),
                 pa.array(self.ids, pa.string()), pa.array(self.pos, pa.int64())], schema=_SCHEMA))
            self._reset()

    def table(self) -> pa.Table:
        self.flush()
        return pa.Table.from_batches(self.batches, schema=_SCHEMA)


def _resolve_columns(available: Sequence[str], columns: Mapping[str, str | None] | None, path: str,
                     where: str) -> dict[str, str]:
    """Map smiles / description / id to source names; raise naming what was found and what was expected."""
    available = [str(name) for name in available]
    by_lower: dict[str, str] = {}
    for name in available:
        by_lower.setdefault(name.strip().lstrip("\ufeff").lower(), name)
    if columns:
        unknown = set(columns) - set(PAIR_COLUMNS)
        if unknown:
            raise ValueError(f"columns= maps {sorted(unknown)}; its keys must be among {list(PAIR_COLUMNS)}")
    resolved: dict[str, str] = {}
    for ours in PAIR_COLUMNS:
        if columns and ours in columns:
            wanted = columns[ours]
            if wanted is None:
                continue
            name = wanted if wanted in available else by_lower.get(str(wanted).lower())
            if name is None:
                raise DataFormatError(
                    f"{where}: column {wanted!r} (--{ours}_column {wanted}) not found; "
                    f"found {available}", path=path, line=1 if where.endswith(":1") else None, field=wanted)
            resolved[ours] = name
            continue
        for alias in COLUMN_ALIASES[ours]:
            if alias in by_lower:
                resolved[ours] = by_lower[alias]
                break
    missing = [ours for ours in REQUIRED if ours not in resolved]
    if missing:
        expected = "; ".join(f"{ours}: one of {', '.join(COLUMN_ALIASES[ours])}" for ours in missing)
        raise DataFormatError(
            f"{where}: no {' or '.join(repr(m) for m in missing)} column: found {available}; expected "
            f"(case-insensitive) {expected}; or name them with --smiles_column and --description_column "
            "(columns={'smiles': ..., 'description': ...} in Python)",
            path=path, line=1 if where.endswith(":1") else None, field=missing[0])
    return resolved


def _not_utf8(text: str) -> int | None:
    """Position of the first undecodable byte (kept as a surrogate by ``surrogateescape``), or None."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as error:
        return error.start


def _bad_byte(text: str, at: int) -> str:
    return f"bytes that are not UTF-8 (0x{ord(text[at]) - 0xDC00:02x} at character {at + 1})"
