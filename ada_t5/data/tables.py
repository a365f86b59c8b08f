"""Text tables: MolT5's TSV (tab-separated, no quoting) and header-row CSV / TSV files (standard quoting), read
row by row with the physical line of every row."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from ada_t5.data.errors import DataFormatError, Problem, _error
from ada_t5.data.raw import _bad_byte, _Builder, _not_utf8, _Raw, _resolve_columns


def _decoded_lines(handle, bad_lines: set[int]) -> Iterator[str]:
    """Lines of a binary file as str (with their line ends), undecodable bytes kept as surrogates."""
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines.add(number)
            yield raw.decode("utf-8", "surrogateescape")


def _read_delimited(path: Path, label: str, *, delimiter: str, quoting: int, columns) -> _Raw:
    problems: list[Problem] = []
    builder = _Builder()
    bad_lines: set[int] = set()
    sep_name = "tab-separated" if delimiter == "\t" else f"{delimiter!r}-separated"
    with open(path, "rb") as handle:
        lines = _decoded_lines(handle, bad_lines)
        reader = csv.reader(lines, delimiter=delimiter, quoting=quoting, strict=quoting != csv.QUOTE_NONE)
        header: list[str] | None = None
        previous_end = 0
        rows_read = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                problem = Problem(previous_end + 1, None, f"cannot split into fields: {error}")
                if header is None:
                    raise _error(label, problem, "line") from None
                rows_read += 1
                problems.append(problem)
                previous_end = reader.line_num
                continue
            start, previous_end = previous_end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line: not a row
            if header is None:
                header = [name.lstrip("\ufeff").strip() for name in row]
                bad = next((i for i, name in enumerate(header) if _not_utf8(name) is not None), None)
                if bad is not None:
                    raise DataFormatError(f"{label}:{start}: header: {_bad_byte(header[bad], _not_utf8(header[bad]))}",
                                          path=label, line=start)
                fields = _resolve_columns(header, columns, label, f"{label}:{start}")
                index = {ours: header.index(name) for ours, name in fields.items()}
                i_smiles, i_desc, i_id = index["smiles"], index["description"], index.get("id")
                continue
            rows_read += 1
            problem = None
            if len(row) != len(header):
                if len(row) < len(header):
                    problem = Problem(start, header[len(row)], f"missing: the row has {len(row)} {sep_name} "
                                      f"fields, the header has {len(header)} ({', '.join(header)})")
                else:
                    problem = Problem(start, None, f"{len(row)} {sep_name} fields, the header has {len(header)} "
                                      f"({', '.join(header)}): is there a {sep_name.split('-')[0]} inside a field?")
            elif bad_lines and any(number in bad_lines for number in range(start, previous_end + 1)):
                for i, value in enumerate(row):
                    at = _not_utf8(value)
                    if at is not None:
                        problem = Problem(start, header[i], _bad_byte(value, at))
                        break
            if problem is not None:
                problems.append(problem)
                continue
            id_value = row[i_id] if i_id is not None else None
            builder.add(row[i_smiles], row[i_desc], id_value or None, start)
    if header is None:
        raise DataFormatError(f"{label}: empty file (no header line)", path=label, line=None)
    return _Raw(builder.table(), fields, problems, rows_read)


def _sniff_header(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        for raw in handle:
            text = raw.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
            if text.strip():
                return [name.strip() for name in text.split("\t")]
    return []


def _is_molt5_header(header: Sequence[str]) -> bool:
    return [name.lower() for name in header] == ["cid", "smiles", "description"]
