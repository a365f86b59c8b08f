"""Molecule-text pair data: every supported format in, one ``datasets.Dataset`` out.

:func:`load_pairs` reads one source into a Dataset with the columns ``smiles`` (str), ``description`` (str)
and ``id`` (str, or None where the source has no identifier), in the source's row order:

==============================  ==========================================================================
source                          how it is read
==============================  ==========================================================================
MolT5 TSV (``.txt``, ``.tsv``)  header ``CID\\tSMILES\\tdescription`` (ChEBI-20), tab-separated, no quoting
                                (fields are taken verbatim, quotes included); ``id`` is the CID
the paper's JSON (``.json``)    a list of ``{"smiles", "description"}`` objects (its ChEBI-20, PCdes,
                                DrugBank-23 and PseudoMD-1M files), parsed 32 MB at a time, so a 753 MB
                                file never becomes one giant Python list; also JSON Lines content in a
                                ``.json`` file and an object holding one such list under any key
JSON Lines (``.jsonl``)         one object per line
CSV / TSV (``.csv``, ``.tsv``)  header row + ``columns`` mapping (standard CSV quoting)
Parquet (``.parquet``)          any string columns, mapped the same way
a ``save_to_disk`` folder       a Dataset or DatasetDict folder (``split=`` picks a split)
a Hub id (``owner/name``)       through the real ``datasets.load_dataset`` path, only when no local path
                                of that name exists; fails fast with a clear message when offline
==============================  ==========================================================================

Columns are found by name, case-insensitively, with common aliases (``caption``/``text`` for the
description, ``cid`` for the id, ...; see :data:`COLUMN_ALIASES`); ``columns={"smiles": "SMILES",
"description": "caption", "id": "cid"}`` names them explicitly. A ``.smi`` file holds molecules only and
is refused with a pointer to the captioning / describing tools.

Bad rows
--------
A row with an empty (or whitespace-only) SMILES or description, a SMILES RDKit cannot parse, the wrong
number of fields, bytes that are not UTF-8, or a JSON value of the wrong type raises
:class:`DataFormatError`, whose message names the file, the 1-based physical line (for a JSON list, the
line where the row's object starts; for Parquet / Arrow / Hub data, the 0-based row index, said as
"row") and the field as the file names it, e.g.::

    chebi20/test.txt:17: field 'SMILES': RDKit cannot parse 'C1CC' (unclosed ring)

With ``skip_invalid=True`` those rows are skipped instead, counted and listed in a :class:`LoadReport`
(logged as a warning, and returned with ``return_report=True``); nothing is ever dropped silently. A
missing column (a header without a SMILES or description column) is always an error. Blank lines in
text formats are not rows and are passed over.

SMILES validation parses every SMILES with RDKit (sanitized, as MolT5's scripts do), in ``num_proc``
worker processes for big files (default: all available cores from 20,000 rows up).

MolT5's doubled backslashes
---------------------------
MolT5's ChEBI-20 TSV stores a ``\\`` bond as two backslash characters (``C/C=C\\\\C``), and the paper's
ChEBI-20 JSON keeps them (``\\\\\\\\`` in JSON); PCdes and other sources use the standard single one. RDKit
parses both spellings to the identical molecule (same canonical SMILES and InChI on every ChEBI-20
validation/test row). ``smiles_backslashes="keep"`` (the default) reads the string exactly as stored,
because MolT5 and the paper trained and scored on those strings, and the character-level metrics of the
published numbers (BLEU, Levenshtein, exact match) depend on them. ``"unescape"`` rewrites ``\\\\`` to
``\\`` with :func:`ada_t5.chem.unescape_backslashes`, giving standard SMILES for other tools; it leaves
single backslashes alone, so it is safe on any file.

Splits and the embedded demo
----------------------------
:func:`load_splits` reads a folder of ``train`` / ``validation`` (also ``valid``, ``val``, ``dev``) /
``test`` files (MolT5 ``.txt`` or the paper's ``.json``, or any format above), a ``{split: path}``
mapping, a saved DatasetDict or a Hub id into a ``DatasetDict``. :func:`load_demo_splits` builds the
embedded default data set: the ~5,000 molecules that ship inside RDKit, described by
:func:`ada_t5.describe.describe`, split by seed, cached under ``$ADA_T5_CACHE`` (default
``~/.cache/ada_t5``).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from ada_t5 import chem

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict

__all__ = [
    "COLUMN_ALIASES",
    "FORMATS",
    "DataFormatError",
    "LoadReport",
    "MissingSplitError",
    "Problem",
    "default_cache_dir",
    "load_demo_splits",
    "load_pairs",
    "load_splits",
]

logger = logging.getLogger(__name__)

PAIR_COLUMNS = ("smiles", "description", "id")
REQUIRED = ("smiles", "description")

#: Column names recognised (case-insensitively, first match wins) when no ``columns`` mapping is given.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "smiles": ("smiles", "canonical_smiles", "isomeric_smiles", "isosmiles", "smi", "molecule"),
    "description": ("description", "desc", "caption", "captions", "text", "descriptions"),
    "id": ("id", "cid", "pubchem_cid", "chebi_id", "mol_id", "molecule_id"),
}

#: ``format=`` values (``None`` infers it from the suffix).
FORMATS = ("molt5", "json", "jsonl", "csv", "tsv", "parquet", "arrow", "hub")
_SUFFIX_FORMATS = {".txt": "molt5", ".tsv": "tsv", ".csv": "csv", ".json": "json", ".jsonl": "jsonl",
                   ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
_FORMAT_ALIASES = {"txt": "molt5", "disk": "arrow", "datasets": "arrow", "save_to_disk": "arrow",
                   "pq": "parquet", "ndjson": "jsonl", "json_lines": "jsonl"}
_MOLECULE_ONLY_SUFFIXES = (".smi", ".smiles", ".sdf", ".mol", ".mol2")

#: Canonical split names and the file stems / split names that mean them.
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "val", "dev"),
    "test": ("test", "testing"),
}

_BATCH_ROWS = 65_536  # rows per Arrow record batch while reading (bounds the Python objects alive at once)
_MAX_LISTED = 10_000  # skipped rows kept in a report (all of them are counted)
_PARALLEL_MIN_ROWS = 20_000  # below this, one process validates faster than starting workers
_DEMO_VERSION = 1  # bump when load_demo_splits changes what it produces (part of the cache key)

_SCHEMA = pa.schema([("smiles", pa.string()), ("description", pa.string()), ("id", pa.string()),
                     ("_pos", pa.int64())])


# --------------------------------------------------------------------------------------------------- errors


class DataFormatError(ValueError):
    """Bad pair data. ``path``: the file (or Hub id); ``line``: 1-based physical line, or the 0-based row
    index when ``unit == "row"`` (Parquet / Arrow / Hub data), or None; ``field``: the column or key as
    the source names it, or None."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, unit: str = "line"):
        super().__init__(message)
        self.path = path
        self.line = line
        self.field = field
        self.unit = unit


class MissingSplitError(DataFormatError, LookupError):
    """The requested split does not exist in the source (a Hub id, a DatasetDict, a folder)."""


class Problem(NamedTuple):
    """One invalid row: where (``line`` in the report's unit), which field (None: the whole row), why."""

    line: int
    field: str | None
    reason: str


@dataclass
class LoadReport:
    """What :func:`load_pairs` read, kept and skipped. ``skipped`` lists the first 10,000 skipped rows in
    file order; ``skipped_count`` counts all of them."""

    path: str
    format: str
    rows_read: int = 0
    rows_kept: int = 0
    skipped: list[Problem] = field(default_factory=list)
    skipped_count: int = 0
    unit: str = "line"  # what Problem.line counts: "line" (1-based) or "row" (0-based)
    seconds: float = 0.0

    def summary(self, limit: int = 5) -> str:
        text = (f"{self.path}: read {self.rows_read:,} rows, kept {self.rows_kept:,}, "
                f"skipped {self.skipped_count:,}")
        if self.skipped_count:
            shown = "; ".join(_locate(self.path, p.line, self.unit, p.field, p.reason, with_path=False)
                              for p in self.skipped[:limit])
            more = self.skipped_count - min(limit, len(self.skipped))
            text += f": {shown}" + (f"; ... and {more:,} more" if more > 0 else "")
        return text

    def __str__(self) -> str:
        return self.summary()


def _locate(path: str, line: int | None, unit: str, field_name: str | None, reason: str,
            *, with_path: bool = True) -> str:
    if line is None:
        where = path if with_path else ""
    elif unit == "row":
        where = f"{path}: row {line}" if with_path else f"row {line}"
    else:
        where = f"{path}:{line}" if with_path else f"line {line}"
    what = f"field {field_name!r}: {reason}" if field_name else reason
    return f"{where}: {what}" if where else what


def _error(path: str, problem: Problem, unit: str, extra: str = "") -> DataFormatError:
    return DataFormatError(_locate(path, problem.line, unit, problem.field, problem.reason) + extra,
                           path=path, line=problem.line, field=problem.field, unit=unit)


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


# ------------------------------------------------------------------------------------- reading: shared parts


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
                    f"{where}: column {wanted!r} (columns={{'{ours}': {wanted!r}}}) not found; "
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
            f"(case-insensitive) {expected}; or name them with columns={{'smiles': ..., 'description': ...}}",
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


# ------------------------------------------------------------------------------------- reading: text tables


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


# ------------------------------------------------------------------------------------------- reading: JSON


_WS = re.compile(r"[ \t\n\r]*")
_STREAM_CHUNK = 1 << 24  # bytes read at a time by the exact (streaming) JSON path
_DECODER = json.JSONDecoder()


class _JsonStream:
    """Reads a JSON document value by value with ``raw_decode`` over a sliding text buffer, tracking the
    physical line, so a 753 MB list never exists as one Python object and every row knows its line."""

    def __init__(self, handle, label: str):
        self.handle = handle
        self.label = label
        self.chunk = _STREAM_CHUNK
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.bad_utf8 = False  # the text read so far holds undecodable bytes (as surrogates)

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(self.chunk)
        text = self.decoder.decode(data, final=not data)
        if not data:
            self.eof = True
        if not text:
            return not self.eof  # nothing new (a split character waits for more bytes); buffer untouched
        if not self.bad_utf8 and _not_utf8(text) is not None:
            self.bad_utf8 = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str | None:
        """The next non-whitespace character (not consumed), None at the end."""
        while True:
            end = _WS.match(self.buf, self.pos).end()
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return None

    def take(self) -> str:
        char = self.buf[self.pos]
        self.pos += 1
        return char

    def value(self):
        """Decode the value starting at the cursor; returns (value, line where it starts)."""
        start_line = self.line
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                # An error near the end of the buffer may only mean the value goes on in the next chunk;
                # one with a megabyte of text after it is real (no row is that long).
                if not self.eof and len(self.buf) - error.pos < (1 << 20) and self._more():
                    continue
                line = start_line + self.buf.count("\n", self.pos, error.pos)
                raise DataFormatError(f"{self.label}:{line}: not valid JSON: {error.msg}", path=self.label,
                                      line=line) from None
            if end >= len(self.buf) and not self.eof and self._more():
                continue  # a number or literal could continue in the next chunk
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return value, start_line

    def fail(self, message: str) -> DataFormatError:
        return DataFormatError(f"{self.label}:{self.line}: {message}", path=self.label, line=self.line)


def _json_rows(stream: _JsonStream) -> Iterator[tuple[object, int]]:
    """(row, line) for each element of a top-level list, or of the one list of objects in a top-level object."""
    first = stream.peek()
    if first == "[":
        stream.take()
        yield from _json_array(stream)
    elif first == "{":  # {"some key": [rows], ...}: the one list of objects is the rows
        stream.take()
        found = None
        while True:
            char = stream.peek()
            if char == "}":
                stream.take()
                break
            if char != '"':
                raise stream.fail(f"not valid JSON: expected a key, found {char!r}")
            key, _ = stream.value()
            if stream.peek() != ":":
                raise stream.fail("not valid JSON: expected ':'")
            stream.take()
            if stream.peek() == "[":
                stream.take()
                if stream.peek() == "{":
                    if found is not None:
                        raise stream.fail(f"the top-level object holds two lists of rows ({found!r} and {key!r}); "
                                          "expected one list of {\"smiles\", \"description\"} objects")
                    found = key
                    yield from _json_array(stream)
                else:
                    for _ in _json_array(stream):  # some other list: read past it
                        pass
            else:
                stream.value()
            char = stream.peek()
            if char == ",":
                stream.take()
            elif char != "}":
                raise stream.fail("not valid JSON: expected ',' or '}'")
        if found is None:
            raise DataFormatError(f"{stream.label}: a JSON object without a list of rows; expected a list of "
                                  "{\"smiles\": ..., \"description\": ...} objects", path=stream.label, line=1)
    elif first is None:
        raise DataFormatError(f"{stream.label}: empty file", path=stream.label)
    else:
        raise stream.fail(f"expected a JSON list of objects, found {first!r}")
    if stream.peek() is not None:
        raise stream.fail("unexpected data after the end of the JSON value")


def _json_array(stream: _JsonStream) -> Iterator[tuple[object, int]]:
    if stream.peek() == "]":
        stream.take()
        return
    while True:
        if stream.peek() is None:
            raise stream.fail("not valid JSON: the list is not closed")
        yield stream.value()
        char = stream.peek()
        if char == ",":
            stream.take()
        elif char == "]":
            stream.take()
            return
        else:
            raise stream.fail(f"not valid JSON: expected ',' or ']' after the object, found {char!r}")


def _keys_of(rows: Sequence[object]) -> list[str]:
    """The keys of the first objects, in order of appearance (a key missing from the very first object
    is a missing value in that row, not a missing column)."""
    return list(dict.fromkeys(key for row in rows[:_KEY_SAMPLE] if isinstance(row, dict) for key in row))


_KEY_SAMPLE = 1000


def _read_json_rows(rows: Iterator[tuple[object, int]], label: str, *, columns,
                    bad_utf8: Callable[[], bool]) -> _Raw:
    problems: list[Problem] = []
    builder = _Builder()
    head = list(itertools.islice(rows, _KEY_SAMPLE))
    first_line = next((line for row, line in head if isinstance(row, dict)), None)
    fields = _resolve_columns(_keys_of([row for row, _ in head]), columns, label, f"{label}:{first_line}") \
        if first_line is not None else {"smiles": "smiles", "description": "description"}
    key_smiles, key_desc, key_id = fields["smiles"], fields["description"], fields.get("id")
    rows_read = 0
    for row, line in itertools.chain(head, rows):
        rows_read += 1
        problem = None
        if not isinstance(row, dict):
            problem = Problem(line, None, f"expected an object with smiles and description, got {type(row).__name__}")
        else:
            smiles, desc = row.get(key_smiles), row.get(key_desc)
            id_value = row.get(key_id) if key_id is not None else None
            if smiles is not None and not isinstance(smiles, str):
                problem = Problem(line, key_smiles, f"expected a string, got {type(smiles).__name__} {smiles!r}")
            elif desc is not None and not isinstance(desc, str):
                problem = Problem(line, key_desc, f"expected a string, got {type(desc).__name__}")
            elif isinstance(id_value, bool) or not isinstance(id_value, (str, int, type(None))):
                problem = Problem(line, key_id, f"expected a string or integer id, got {type(id_value).__name__}")
            elif bad_utf8():
                for key, value in ((key_smiles, smiles), (key_desc, desc), (key_id, id_value)):
                    at = _not_utf8(value) if isinstance(value, str) else None
                    if at is not None:
                        problem = Problem(line, key, _bad_byte(value, at))
                        break
        if problem is not None:
            problems.append(problem)
            continue
        if isinstance(id_value, int):
            id_value = str(id_value)
        builder.add(smiles, desc, id_value or None, line)
    return _Raw(builder.table(), fields, problems, rows_read)


def _jsonl_rows(handle, label: str, problems: list[Problem], state: dict) -> Iterator[tuple[object, int]]:
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(number, None, f"bytes that are not UTF-8 (0x{raw[error.start]:02x} "
                                                  f"at byte {error.start + 1})"))
            state["bad"] += 1
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            problem = Problem(number, None, f"not valid JSON: {error.msg} (character {error.colno})")
            problems.append(problem)
            state["bad"] += 1
            continue
        yield value, number


_FAST_BLOCK = 1 << 25  # bytes per json.loads call on the fast paths


def _struct_rows(rows: list, fields: dict[str, str]) -> list[pa.Array] | None:
    """smiles / description / id arrays from a list of dicts in one C-level conversion; None when a row
    is not an object or a value is not a string (the caller then takes the exact, row-by-row path)."""
    keys = list(dict.fromkeys(fields.values()))
    try:
        structs = pa.array(rows, type=pa.struct([(key, pa.string()) for key in keys]))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if structs.null_count:  # a null element
        return None
    columns = {key: structs.field(i) for i, key in enumerate(keys)}
    return [columns[fields[ours]] if ours in fields else pa.nulls(len(rows), pa.string()) for ours in PAIR_COLUMNS]


def _parse_up_to_boundary(buf: bytes, pos: int) -> tuple[list | None, int]:
    """Parse the list elements in ``buf[pos:]`` up to the last top-level ``},`` that makes them parse (a
    ``},`` inside a string or a nested object never does); (None, pos) when eight tries find none."""
    end = len(buf)
    for _ in range(8):
        cut = buf.rfind(b"}", pos, end)
        if cut < 0:
            break
        after = cut + 1
        while after < len(buf) and buf[after] in b" \t\r\n":
            after += 1
        if after < len(buf) and buf[after] == ord(","):
            try:
                return json.loads(b"[" + buf[pos:cut + 1] + b"]"), after + 1
            except ValueError:
                pass
        end = cut
    return None, pos


def _read_json_list_fast(path: Path, label: str, *, columns) -> _Raw | None:
    """A plain JSON list of string-valued objects (the paper's files), ``json.loads`` a block at a time:
    C speed, memory bounded by the block. None when anything is unusual (then the exact streaming path
    runs, which names the line of every problem). Rows carry their index; lines are found on demand."""
    batches: list[pa.RecordBatch] = []
    fields: dict[str, str] | None = None
    index = 0
    with open(path, "rb") as handle:
        buf = handle.read(_FAST_BLOCK)
        head = buf.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"["):
            return None
        pos = len(buf) - len(head) + 1
        eof = False
        while not eof:
            if len(buf) - pos < _FAST_BLOCK:
                more = handle.read(_FAST_BLOCK)
                buf, pos = buf[pos:] + more, 0
                eof = not more
            if eof:  # the rest, closing "]" included
                try:
                    rows, pos = json.loads(b"[" + buf[pos:]), len(buf)
                except ValueError:
                    return None
            else:
                rows, pos = _parse_up_to_boundary(buf, pos)
                if rows is None:
                    return None
            if not isinstance(rows, list) or not rows:
                continue
            if fields is None:
                if not isinstance(rows[0], dict):
                    return None
                fields = _resolve_columns(_keys_of(rows), columns, label, label)
            arrays = _struct_rows(rows, fields)
            if arrays is None:
                return None
            arrays.append(pa.array(range(index, index + len(rows)), pa.int64()))
            batches.append(pa.record_batch(arrays, schema=_SCHEMA))
            index += len(rows)
            del rows
    if fields is None:
        fields = {"smiles": "smiles", "description": "description"}
    table = pa.Table.from_batches(batches, schema=_SCHEMA)

    def locate(indices: Sequence[int]) -> dict[int, int]:
        wanted, lines = set(indices), {}
        with open(path, "rb") as handle:
            if handle.read(3) != b"\xef\xbb\xbf":
                handle.seek(0)
            for i, (_, line) in enumerate(_json_rows(_JsonStream(handle, label))):
                if i in wanted:
                    lines[i] = line
                    if len(lines) == len(wanted):
                        break
        return lines

    return _Raw(table, fields, [], table.num_rows, locate=locate)


def _read_jsonl_fast(path: Path, label: str, *, columns) -> _Raw | None:
    """JSON Lines, ``json.loads`` on blocks of lines joined into one list; None when a block does not
    parse that way (then the exact line-by-line path runs)."""
    batches: list[pa.RecordBatch] = []
    fields: dict[str, str] | None = None
    first_line = 1  # line number of the first line in ``data``
    tail = b""
    with open(path, "rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":
            handle.seek(0)
        while True:
            block = handle.read(_FAST_BLOCK)
            data = tail + block
            if block:  # keep the last, possibly partial, line for the next round
                cut = data.rfind(b"\n") + 1
                data, tail = data[:cut], data[cut:]
            else:
                tail = b""
            chosen, numbers = [], []
            for i, line in enumerate(data.split(b"\n")):
                if line.strip():
                    chosen.append(line)
                    numbers.append(first_line + i)
            first_line += data.count(b"\n")
            if numbers:
                try:
                    rows = json.loads(b"[" + b",".join(chosen) + b"]")
                except ValueError:
                    return None
                if len(rows) != len(chosen) or not isinstance(rows[0], dict):
                    return None
                if fields is None:
                    fields = _resolve_columns(_keys_of(rows), columns, label, f"{label}:{numbers[0]}")
                arrays = _struct_rows(rows, fields)
                if arrays is None:
                    return None
                arrays.append(pa.array(numbers, pa.int64()))
                batches.append(pa.record_batch(arrays, schema=_SCHEMA))
            if not block:
                break
    if fields is None:
        fields = {"smiles": "smiles", "description": "description"}
    table = pa.Table.from_batches(batches, schema=_SCHEMA)
    return _Raw(table, fields, [], table.num_rows)


def _read_jsonl(path: Path, label: str, *, columns) -> _Raw:
    fast = _read_jsonl_fast(path, label, columns=columns)
    if fast is not None:
        return fast
    problems: list[Problem] = []
    state = {"bad": 0}
    with open(path, "rb") as handle:
        raw = _read_json_rows(_jsonl_rows(handle, label, problems, state), label, columns=columns,
                              bad_utf8=lambda: False)
    raw.problems = sorted(problems + raw.problems)
    raw.rows_read += state["bad"]
    return raw


def _first_line_is_object(path: Path) -> bool:
    with open(path, "rb") as handle:
        for raw in handle:
            if raw.strip():
                try:
                    return isinstance(json.loads(raw), dict)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    return False
    return False


def _read_json(path: Path, label: str, *, columns) -> _Raw:
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and _first_line_is_object(path):
        return _read_jsonl(path, label, columns=columns)  # JSON Lines in a .json file
    fast = _read_json_list_fast(path, label, columns=columns)
    if fast is not None:
        return fast
    with open(path, "rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":
            handle.seek(0)
        stream = _JsonStream(handle, label)
        return _read_json_rows(_json_rows(stream), label, columns=columns,
                               bad_utf8=lambda: stream.bad_utf8)


# ------------------------------------------------------------------------------------ reading: Arrow sources


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


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and ((path / "dataset_info.json").is_file() and (path / "state.json").is_file()
                              or (path / "dataset_dict.json").is_file())


def _canonical_split(name: str) -> str:
    lowered = name.lower()
    for canonical, aliases in SPLIT_ALIASES.items():
        if lowered in aliases:
            return canonical
    return name


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


# --------------------------------------------------------------------------------------------------- the Hub


_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _looks_like_hub_id(source: str) -> bool:
    return bool(_HUB_ID.match(source)) and Path(source).suffix.lower() not in (*_SUFFIX_FORMATS,
                                                                                *_MOLECULE_ONLY_SUFFIXES)


def _hub_offline() -> bool:
    from datasets import config
    from huggingface_hub import constants

    return bool(config.HF_HUB_OFFLINE or constants.HF_HUB_OFFLINE)


def _hub_unreachable() -> str | None:
    """None when the Hub answers a quick request; otherwise why not, so that load_dataset is never left to
    sit through its retries and timeouts (about 25 s here with the network blocked)."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    timeout = float(os.environ.get("ADA_T5_HUB_PROBE_TIMEOUT", "5"))
    try:
        get_session().head(constants.ENDPOINT, timeout=timeout, follow_redirects=False)
    except Exception as error:  # noqa: BLE001 - any failure to get an answer means "unreachable"
        return f"{constants.ENDPOINT} does not answer ({type(error).__name__}: {_short(str(error), 120)})"
    return None


def _hub_message(hub_id: str, why: str, offline: bool) -> str:
    fix = (f"Download it on a connected machine (python -c \"import datasets; datasets.load_dataset('{hub_id}')"
           f".save_to_disk('{hub_id.split('/')[-1]}')\") and pass that folder, or pass a local pair file")
    if not offline:
        fix += "; a copy already in the datasets cache loads with HF_HUB_OFFLINE=1"
    return f"{hub_id!r} is not a local file or folder, and as a Hub dataset id it cannot be loaded: {why}. {fix}"


def _load_hub(hub_id: str, split: str | None, *, cache_dir, num_proc):
    """The Hub dataset (split given) or DatasetDict (split None), through datasets.load_dataset; offline,
    that serves a cached copy or fails at once; online, a quick probe first makes an unreachable Hub fail
    in seconds."""
    import datasets

    offline = _hub_offline()
    why = None if offline else _hub_unreachable()
    if why is not None:
        raise FileNotFoundError(_hub_message(hub_id, why, offline))
    try:
        return datasets.load_dataset(hub_id, split=split, cache_dir=cache_dir, num_proc=num_proc)
    except ValueError as error:
        if split is not None and "split" in str(error).lower():
            raise MissingSplitError(f"{hub_id}: no {split!r} split ({error})", path=hub_id) from None
        raise
    except (ConnectionError, FileNotFoundError, OSError) as error:  # DatasetNotFoundError is a FileNotFoundError
        if offline:
            why = "offline mode is on (HF_HUB_OFFLINE=1) and the datasets cache holds no copy"
        elif isinstance(error, ConnectionError):
            why = f"the Hub is unreachable ({_short(str(error), 200)})"
        else:
            why = ("the Hub has no such dataset, or it is private or gated (log in with `hf auth login`) "
                   f"({_short(str(error), 200)})")
        raise FileNotFoundError(_hub_message(hub_id, why, offline)) from None


# ------------------------------------------------------------------------------------ validation + assembly


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _invalid_smiles(smiles: list[str], num_proc: int | None) -> list[int]:
    """Indices RDKit cannot parse, checked in ``num_proc`` worker processes when that pays (None: all
    available cores, up to 8, from 20,000 SMILES on)."""
    if num_proc is None:
        num_proc = min(_available_cpus(), 8) if len(smiles) >= _PARALLEL_MIN_ROWS else 1
    if num_proc <= 1 or len(smiles) < 2 * num_proc:
        return chem.invalid_smiles_indices(smiles)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pieces = num_proc * 8
    step = -(-len(smiles) // pieces)
    starts = list(range(0, len(smiles), step))
    bad: list[int] = []
    # fork on Linux (as datasets' own map does): workers start at once and a script without an
    # ``if __name__ == "__main__"`` guard still works; spawn elsewhere (fork is unsafe on macOS).
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=num_proc, mp_context=context) as pool:
        for start, found in zip(starts, pool.map(chem.invalid_smiles_indices,
                                                 (smiles[s:s + step] for s in starts))):
            bad.extend(start + i for i in found)
    return bad


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
                 f"{'' if smiles_checked else ' before checking SMILES'}; skip_invalid=True skips and reports them)")
    else:
        extra = " (skip_invalid=True skips and reports such rows)"
    raise _error(label, first, unit, extra)


# ------------------------------------------------------------------------------------------------ public API


def _normalise_format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    fmt = _FORMAT_ALIASES.get(fmt.lower().lstrip("."), fmt.lower().lstrip("."))
    if fmt not in FORMATS:
        raise ValueError(f"format={fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


def _check_options(smiles_backslashes: str):
    if smiles_backslashes not in ("keep", "unescape"):
        raise ValueError(f"smiles_backslashes={smiles_backslashes!r}: expected 'keep' or 'unescape'")


def load_pairs(
    source: str | os.PathLike,
    *,
    split: str | None = None,
    format: str | None = None,  # noqa: A002 - the natural name for users
    columns: Mapping[str, str | None] | None = None,
    delimiter: str | None = None,
    skip_invalid: bool = False,
    validate_smiles: bool = True,
    smiles_backslashes: Literal["keep", "unescape"] = "keep",
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    return_report: bool = False,
) -> Dataset | tuple[Dataset, LoadReport]:
    """Read one pair source into a ``datasets.Dataset`` with ``smiles``, ``description`` and ``id`` columns.

    ``source``: a pair file, a ``save_to_disk`` folder, a folder of split files (with ``split=``), or a Hub
    dataset id (only when no such local path exists). ``format``: one of :data:`FORMATS`, inferred from
    the suffix when None. ``columns``: ``{"smiles": ..., "description": ..., "id": ...}`` source names
    (default: case-insensitive :data:`COLUMN_ALIASES`). ``delimiter``: for CSV/TSV (default ``,`` /
    tab). ``skip_invalid``: skip and report bad rows instead of raising :class:`DataFormatError`.
    ``validate_smiles``: parse every SMILES with RDKit (``num_proc`` processes; None: automatic).
    ``smiles_backslashes``: ``"keep"`` MolT5's doubled backslashes as stored, or ``"unescape"`` them
    (see the module docstring). ``cache_dir``: the datasets cache for Hub ids. ``return_report``: also
    return the :class:`LoadReport`.
    """
    started = time.perf_counter()
    _check_options(smiles_backslashes)
    fmt = _normalise_format(format)
    label = os.fspath(source)
    path = Path(os.path.expanduser(label))

    if fmt == "hub" or (fmt is None and not path.exists() and _looks_like_hub_id(label)):
        from datasets import DatasetDict

        dataset = _load_hub(label, split, cache_dir=cache_dir, num_proc=num_proc)
        if isinstance(dataset, DatasetDict):
            dataset = dataset[_pick_split(list(dataset), split, label)]
        fmt, label = "hub", f"{label}[{split or dataset.split}]"
        raw, source_key = _from_arrow(_dataset_table(dataset), label, columns), dataset._fingerprint
    elif not path.exists():
        raise FileNotFoundError(f"{label}: no such file or folder")
    elif path.is_dir():
        if _is_saved_dataset(path) or fmt == "arrow":
            from datasets import load_from_disk

            try:
                loaded = load_from_disk(str(path))
            except FileNotFoundError as error:
                raise DataFormatError(f"{label}: not a datasets save_to_disk folder ({error})", path=label) from None
            if isinstance(loaded.column_names, dict):  # a DatasetDict
                name = _pick_split(list(loaded), split, label)
                loaded, label = loaded[name], os.path.join(label, name)
            raw, fmt = _from_arrow(_dataset_table(loaded), label, columns), "arrow"
            source_key = loaded._fingerprint
        else:
            files = _split_files(path, fmt)
            if split is None:
                names = ", ".join(f.name for f in files.values()) or "none found"
                raise DataFormatError(f"{label} is a folder of splits ({names}): pass split=... or use load_splits()",
                                      path=label)
            name = _pick_split(list(files), split, label)
            kwargs = dict(format=format, columns=columns, delimiter=delimiter, skip_invalid=skip_invalid,
                          validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes,
                          num_proc=num_proc, return_report=return_report)
            return load_pairs(os.path.join(label, files[name].name), **kwargs)
    else:
        stat = path.stat()
        source_key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        suffix = path.suffix.lower()
        if fmt is None and suffix in _MOLECULE_ONLY_SUFFIXES:
            raise DataFormatError(
                f"{label}: a {suffix} file holds molecules without descriptions, so it is not a pair file. "
                "To caption its molecules use a trained model (ada_t5.load(...) / `ada-t5 test`); to make pseudo "
                "pairs describe them with ada_t5.describe.describe_many; pair files are MolT5 .txt, .json, "
                ".jsonl, .csv, .tsv or .parquet", path=label)
        if fmt is None:
            fmt = _SUFFIX_FORMATS.get(suffix)
            if fmt is None:
                raise DataFormatError(f"{label}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
                                      f"pass format= one of {', '.join(FORMATS[:-2])}", path=label)
            if fmt == "tsv" and _is_molt5_header(_sniff_header(path)):
                fmt = "molt5"
        if fmt == "molt5":
            raw = _read_delimited(path, label, delimiter=delimiter or "\t", quoting=csv.QUOTE_NONE,
                                  columns=columns)
        elif fmt in ("csv", "tsv"):
            raw = _read_delimited(path, label, delimiter=delimiter or ("\t" if fmt == "tsv" else ","),
                                  quoting=csv.QUOTE_MINIMAL, columns=columns)
        elif fmt == "json":
            raw = _read_json(path, label, columns=columns)
        elif fmt == "jsonl":
            raw = _read_jsonl(path, label, columns=columns)
        elif fmt == "parquet":
            raw = _read_parquet(path, label, columns=columns)
        else:
            raise DataFormatError(f"{label}: format={fmt!r} needs a folder or a Hub id, not a file", path=label)

    dataset, report = _finish(raw, label, fmt, skip_invalid=skip_invalid, validate_smiles=validate_smiles,
                              smiles_backslashes=smiles_backslashes, num_proc=num_proc, started=started,
                              source_key=source_key)
    return (dataset, report) if return_report else dataset


_PAIR_SUFFIXES = tuple(_SUFFIX_FORMATS)


def _split_files(folder: Path, fmt: str | None) -> dict[str, Path]:
    """{canonical split: file} for split-named pair files (or saved Dataset folders) in ``folder``."""
    family = {fmt} | ({"tsv", "molt5"} if fmt in ("tsv", "molt5") else set())
    wanted = [s for s, f in _SUFFIX_FORMATS.items() if fmt is None or f in family]
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        stem, suffix = (entry.name, "") if entry.is_dir() else (entry.stem, entry.suffix.lower())
        split = _canonical_split(stem)
        if split not in SPLIT_ALIASES:
            continue
        if (entry.is_file() and suffix in wanted) or (entry.is_dir() and _is_saved_dataset(entry)):
            found.setdefault(split, []).append(entry)
    ambiguous = {s: paths for s, paths in found.items() if len(paths) > 1}
    if ambiguous:
        listing = "; ".join(f"{s}: {', '.join(p.name for p in paths)}" for s, paths in ambiguous.items())
        raise DataFormatError(f"{folder}: more than one file per split ({listing}); pass format= or explicit "
                              "files {'train': ..., 'validation': ..., 'test': ...}", path=str(folder))
    return {split: paths[0] for split, paths in found.items()}


def load_splits(
    data_dir_or_files: str | os.PathLike | Mapping[str, str | os.PathLike | None],
    *,
    format: str | None = None,  # noqa: A002
    columns: Mapping[str, str | None] | None = None,
    delimiter: str | None = None,
    skip_invalid: bool = False,
    validate_smiles: bool = True,
    smiles_backslashes: Literal["keep", "unescape"] = "keep",
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    return_reports: bool = False,
) -> DatasetDict | tuple[DatasetDict, dict[str, LoadReport]]:
    """train / validation / test pair datasets from a folder, a ``{split: path}`` mapping, a saved
    DatasetDict or a Hub id (options as for :func:`load_pairs`).

    A folder is searched for ``train``, ``validation`` (or ``valid``, ``val``, ``dev``) and ``test`` files
    with a pair suffix (MolT5 ``.txt``, the paper's ``.json``, ...); splits without a file are left out of
    the result (logged, with any similarly named file, such as ``train_partial.txt``, which is never taken
    as the split by guessing); a folder with none of them is an error. Mapping keys are split names
    (aliases allowed); None values are ignored.
    """
    from datasets import DatasetDict

    options = dict(format=format, columns=columns, delimiter=delimiter, skip_invalid=skip_invalid,
                   validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes, num_proc=num_proc,
                   cache_dir=cache_dir, return_report=True)
    files: dict[str, str] = {}
    splits, reports = DatasetDict(), {}

    if isinstance(data_dir_or_files, Mapping):
        for name, file in data_dir_or_files.items():
            if file is None:
                continue
            canonical = _canonical_split(str(name))
            if canonical in files:
                raise ValueError(f"two files for the {canonical} split: {files[canonical]} and {file}")
            files[canonical] = os.fspath(file)
    else:
        label = os.fspath(data_dir_or_files)
        path = Path(os.path.expanduser(label))
        fmt = _normalise_format(format)
        if path.is_dir() and (_is_saved_dataset(path) and (path / "dataset_dict.json").is_file()):
            from datasets import load_from_disk

            saved = load_from_disk(str(path))
            for name in saved:
                splits[_canonical_split(name)], reports[_canonical_split(name)] = load_pairs(
                    path, split=name, **options)
            return (splits, reports) if return_reports else splits
        if path.is_dir() and not _is_saved_dataset(path):
            found = _split_files(path, fmt)
            if not found:
                listing = ", ".join(sorted(p.name for p in path.iterdir())) or "nothing"
                raise DataFormatError(
                    f"{label}: no split files found (looked for train / validation|valid|val|dev / test with "
                    f"a suffix {', '.join(_PAIR_SUFFIXES)}); the folder holds {listing}", path=label)
            missing = [s for s in SPLIT_ALIASES if s not in found]
            if missing:
                names = {p.name for p in found.values()}
                for split in missing:
                    related = sorted(p.name for p in path.iterdir() if p.name.lower().startswith(
                        SPLIT_ALIASES[split]) and p.name not in names)
                    hint = (f"; {', '.join(related)} {'is' if len(related) == 1 else 'are'} not taken as the "
                            f"{split} split by guessing: pass the file explicitly ({{'{split}': path}}, "
                            f"--{split}_file)") if related else ""
                    logger.warning("%s: found %s; no %s file%s", label,
                                   ", ".join(p.name for p in found.values()), split, hint)
            files = {split: os.path.join(label, p.name) for split, p in found.items()}
        elif path.exists():
            logger.info("%s is a single source: taken as the train split", label)
            dataset, report = load_pairs(data_dir_or_files, **options)
            splits["train"], reports["train"] = dataset, report
            return (splits, reports) if return_reports else splits
        elif _looks_like_hub_id(label) or fmt == "hub":
            hub = _load_hub(label, None, cache_dir=cache_dir, num_proc=num_proc)
            for name in hub:
                raw = _from_arrow(_dataset_table(hub[name]), f"{label}[{name}]", columns)
                dataset, report = _finish(raw, f"{label}[{name}]", "hub", skip_invalid=skip_invalid,
                                          validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes,
                                          num_proc=num_proc, started=time.perf_counter(),
                                          source_key=hub[name]._fingerprint)
                splits[_canonical_split(name)], reports[_canonical_split(name)] = dataset, report
            return (splits, reports) if return_reports else splits
        else:
            raise FileNotFoundError(f"{label}: no such file or folder")

    for split in sorted(files, key=lambda s: list(SPLIT_ALIASES).index(s) if s in SPLIT_ALIASES else 99):
        splits[split], reports[split] = load_pairs(files[split], **options)
    return (splits, reports) if return_reports else splits


# --------------------------------------------------------------------------------------------------- the demo


def default_cache_dir() -> Path:
    """``$ADA_T5_CACHE``, else ``~/.cache/ada_t5``."""
    return Path(os.environ.get("ADA_T5_CACHE") or Path.home() / ".cache" / "ada_t5").expanduser()


def _demo_source() -> Path:
    from rdkit import RDConfig

    return Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def load_demo_splits(
    *,
    n: int | None = None,
    seed: int = 42,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
) -> DatasetDict:
    """The embedded default data: RDKit's ~5,000 shipped NCI molecules, described by the rule-based
    describer, as train / validation / test.

    Molecules are read from ``RDConfig.RDDataDir/NCI/first_5K.smi`` (``SMILES\\tNCI id``); the ones RDKit
    cannot parse are counted and logged, repeats of a molecule (same canonical SMILES) are dropped after
    their first occurrence, so no molecule sits in two splits. ``n`` keeps the first ``n`` molecules (file
    order) of those. Rows hold the RDKit canonical SMILES, ``describe()``'s text and the id ``NCI<id>``.
    The split is a permutation ordered by SHA-256 of ``seed`` and the canonical SMILES (the same on every
    machine and Python), cut at ``fractions`` (rounded; train takes the remainder); each split keeps file
    order. The result is saved under ``cache_dir`` (default :func:`default_cache_dir`), keyed by the RDKit
    version, the describer's source, the molecule file and the arguments, so later calls only load it.
    """
    from datasets import Dataset, DatasetDict, load_from_disk
    import rdkit

    from ada_t5 import describe as describer

    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions={fractions}: expected three non-negative numbers summing to 1")
    if n is not None and n < 1:
        raise ValueError(f"n={n}: expected a positive number of molecules (or None for all)")
    source = _demo_source()
    key_parts = {"demo": _DEMO_VERSION, "rdkit": rdkit.__version__, "molecules": _file_digest(source),
                 "describer": _file_digest(Path(describer.__file__)), "n": n, "seed": seed,
                 "fractions": fractions}
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True).encode()).hexdigest()[:16]
    target = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = target / "demo" / key
    if use_cache and (target / "dataset_dict.json").is_file():
        try:
            cached = load_from_disk(str(target))
            logger.info("demo data from the cache %s: %s", target,
                        ", ".join(f"{s} {len(d):,}" for s, d in cached.items()))
            return cached
        except Exception as error:  # noqa: BLE001 - a broken cache entry is rebuilt, not fatal
            logger.warning("demo cache %s unreadable (%s); rebuilding it", target, error)

    started = time.perf_counter()
    smiles, ids, invalid, repeats = [], [], [], 0
    seen: set[str] = set()
    with open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 2:
                invalid.append(f"line {number}: {len(parts)} fields")
                continue
            canonical = chem.canonical_smiles(parts[0])
            if canonical is None:
                invalid.append(f"NCI{parts[1]} {parts[0]!r}")
                continue
            if canonical in seen:
                repeats += 1
                continue
            seen.add(canonical)
            smiles.append(canonical)
            ids.append(f"NCI{parts[1]}")
    if invalid:
        logger.warning("demo: %d of the molecules in %s are not usable (RDKit cannot parse them): %s%s",
                       len(invalid), source.name, "; ".join(invalid[:5]), " ..." if len(invalid) > 5 else "")
    if repeats:
        logger.info("demo: %d repeated molecules (same canonical SMILES) kept once", repeats)
    if n is not None:
        if n > len(smiles):
            logger.warning("demo: n=%d but only %d distinct molecules are available; using all", n, len(smiles))
        smiles, ids = smiles[:n], ids[:n]

    procs = num_proc if num_proc is not None else (min(_available_cpus(), 8) if len(smiles) >= 1000 else 1)
    descriptions = describer.describe_many(smiles, num_proc=procs, errors="none")
    failed = [ids[i] for i, text in enumerate(descriptions) if not text]
    if failed:
        logger.warning("demo: the describer could not describe %d molecules (left out): %s%s", len(failed),
                       ", ".join(failed[:5]), " ..." if len(failed) > 5 else "")
    rows = [(s, d, i) for s, d, i in zip(smiles, descriptions, ids) if d]

    order = sorted(range(len(rows)), key=lambda i: hashlib.sha256(f"{seed}\0{rows[i][0]}".encode()).digest())
    n_validation, n_test = round(len(rows) * fractions[1]), round(len(rows) * fractions[2])
    cuts = {"validation": set(order[:n_validation]), "test": set(order[n_validation:n_validation + n_test])}
    splits = DatasetDict()
    for split in ("train", "validation", "test"):
        members = [i for i in range(len(rows)) if (split in cuts and i in cuts[split]) or
                   (split == "train" and not any(i in c for c in cuts.values()))]
        splits[split] = Dataset.from_dict(
            {"smiles": [rows[i][0] for i in members], "description": [rows[i][1] for i in members],
             "id": [rows[i][2] for i in members]})
    logger.info("demo data built in %.1fs: %s", time.perf_counter() - started,
                ", ".join(f"{s} {len(d):,}" for s, d in splits.items()))
    if use_cache:
        _save_atomically(splits, target)
    return splits


def _save_atomically(splits, target: Path):
    """save_to_disk into a sibling folder, then rename: concurrent processes never see half a cache."""
    import datasets as progress

    temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    quiet = not progress.are_progress_bars_disabled()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if quiet:
            progress.disable_progress_bars()  # a few hundred KB: no "Saving the dataset" bars
        try:
            splits.save_to_disk(str(temporary))
        finally:
            if quiet:
                progress.enable_progress_bars()
        try:
            os.rename(temporary, target)
        except OSError:  # another process got there first: keep theirs
            shutil.rmtree(temporary, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        logger.warning("demo: could not cache the data in %s (%s); it will be rebuilt next time", target, error)
