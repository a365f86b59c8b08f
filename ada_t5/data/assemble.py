"""Validation and assembly: check a reader's raw rows (missing and empty fields, SMILES RDKit cannot parse,
in worker processes for big files), raise for the first bad row or skip and report them, and build the
``datasets.Dataset`` with its :class:`~ada_t5.data.errors.LoadReport`."""

from __future__ import annotations

import hashlib
import logging
import time

import pyarrow as pa
import pyarrow.compute as pc

from ada_t5 import chem
from ada_t5.data.errors import LoadReport, Problem, _error, _short
from ada_t5.data.raw import _Raw
from ada_t5.processes import available_cpus, map_chunks

logger = logging.getLogger(__name__)

_MAX_LISTED = 10_000  # skipped rows kept in a report (all of them are counted)
_PARALLEL_MIN_ROWS = 20_000  # below this, one process validates faster than starting workers


def _invalid_smiles(smiles: list[str], num_proc: int | None) -> list[int]:
    """Indices RDKit cannot parse, checked in ``num_proc`` worker processes when that pays (None: all
    available cores, up to 8, from 20,000 SMILES on)."""
    if num_proc is None:
        num_proc = min(available_cpus(), 8) if len(smiles) >= _PARALLEL_MIN_ROWS else 1
    if num_proc <= 1 or len(smiles) < 2 * num_proc:
        return chem.invalid_smiles_indices(smiles)
    # fork (as datasets' own map does): workers start at once and a script without an
    # ``if __name__ == "__main__"`` guard still works
    flags = map_chunks(_invalid_flags, smiles, num_proc, "fork")
    return [index for index, invalid in enumerate(flags) if invalid]


def _invalid_flags(smiles: list[str]) -> list[bool]:
    bad = set(chem.invalid_smiles_indices(smiles))
    return [index in bad for index in range(len(smiles))]


def _blank(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """(missing, empty-or-whitespace) masks."""
    missing = pc.is_null(column)
    empty = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0), False)
    return missing, empty


def _finish(raw: _Raw, label: str, fmt: str, *, skip_invalid: bool, validate_smiles: bool,
            smiles_backslashes: str, num_proc: int | None, started: float, source_key: str = ""):
    from datasets import Dataset

    table = raw.table
    positions = table.column("_pos").to_numpy()  # row -> line (or row index), looked up for bad rows only
    stored_smiles = table.column("smiles")
    problems: list[Problem] = list(raw.problems)
    row_bad: dict[int, Problem] = {}  # table row -> first problem

    for ours in ("smiles", "description"):
        missing, empty = _blank(table.column(ours))
        name = raw.fields[ours]
        for mask, reason in ((missing, "missing"), (empty, "empty")):
            if pc.any(mask).as_py():
                for i in pc.indices_nonzero(mask).to_pylist():
                    row_bad.setdefault(i, Problem(int(positions[i]), name, reason))

    if not skip_invalid:
        _raise_first(label, raw.unit, problems, row_bad, raw, smiles_checked=not validate_smiles)

    if smiles_backslashes == "unescape":
        unescaped = [None if s is None else chem.unescape_backslashes(s) for s in table.column("smiles").to_pylist()]
        table = table.set_column(0, "smiles", pa.array(unescaped, pa.string()))

    if validate_smiles and table.num_rows:
        candidates = [i for i in range(table.num_rows) if i not in row_bad] if row_bad else None
        values = table.column("smiles").to_pylist()
        if candidates is not None:
            values = [values[i] for i in candidates]
        bad = _invalid_smiles(values, num_proc)
        if candidates is not None:
            bad = [candidates[i] for i in bad]
        name = raw.fields["smiles"]
        for count, i in enumerate(bad):
            stored = stored_smiles[i].as_py()
            detail = chem.smiles_error(table.column("smiles")[i].as_py()) if count < 1000 else None
            reason = f"RDKit cannot parse {_short(stored)!r}" + (f" ({detail})" if detail else "")
            row_bad[i] = Problem(int(positions[i]), name, reason)
        if not skip_invalid:
            _raise_first(label, raw.unit, problems, row_bad, raw, smiles_checked=True)

    problems.extend(_with_lines(raw, row_bad).values())
    problems.sort(key=lambda p: p.line)
    if row_bad:
        keep = pa.array([i not in row_bad for i in range(table.num_rows)])
        table = table.filter(keep)
    report = LoadReport(path=label, format=fmt, rows_read=raw.rows_read, rows_kept=table.num_rows,
                        skipped=problems[:_MAX_LISTED], skipped_count=len(problems), unit=raw.unit,
                        seconds=time.perf_counter() - started)
    if report.skipped_count:
        logger.warning("skipped invalid rows: %s", report.summary(5))
    else:
        logger.info("%s: %s pairs (%s%s) in %.1fs", label, f"{report.rows_kept:,}", fmt,
                    ", SMILES checked" if validate_smiles else "", report.seconds)
    # A fingerprint from the source's identity and the options (hashing the table itself costs seconds).
    fingerprint = hashlib.sha256(repr((label, fmt, source_key, skip_invalid, validate_smiles, smiles_backslashes,
                                       report.rows_read, report.rows_kept)).encode()).hexdigest()[:16]
    dataset = Dataset(table.drop_columns(["_pos"]), fingerprint=fingerprint)
    return dataset, report


def _with_lines(raw: _Raw, row_bad: dict[int, Problem], only_first: bool = False) -> dict[int, Problem]:
    """Swap element indices for lines in ``row_bad`` when the reader found rows by index (fast JSON path)."""
    if raw.locate is None or not row_bad:
        return row_bad
    chosen = {min(row_bad): row_bad[min(row_bad)]} if only_first else row_bad
    lines = raw.locate([p.line for p in chosen.values()])
    return {i: p._replace(line=lines.get(p.line, p.line)) for i, p in chosen.items()}


def _raise_first(label: str, unit: str, problems: list[Problem], row_bad: dict[int, Problem], raw: _Raw,
                 smiles_checked: bool):
    """Raise for the first problem by line, saying how many more there are (the structure and empty fields
    are checked before SMILES, so a file's SMILES are only parsed when nothing cheaper is wrong)."""
    everything = problems + list(row_bad.values())
    if not everything:
        return
    located = _with_lines(raw, row_bad, only_first=True)
    first = min(problems + list(located.values()), key=lambda p: p.line)
    others = len(everything) - 1
    if others:
        extra = (f" (and {others:,} more invalid row{'s' if others > 1 else ''}"
                 f"{'' if smiles_checked else ' before checking SMILES'}; --skip_invalid true skips and reports them)")
    else:
        extra = " (--skip_invalid true, or skip_invalid=True in Python, skips and reports such rows)"
    raise _error(label, first, unit, extra)
