"""JSON pair files: a JSON list of objects (the paper's files; also one such list inside an object) and JSON
Lines. Fast paths parse big blocks with ``json.loads`` and convert them to Arrow at C speed; whenever
anything is unusual they decline and the exact row-by-row path runs (:mod:`ada_t5.data.json_stream`)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from ada_t5.data.errors import DataFormatError, Problem
from ada_t5.data.json_stream import _json_rows, _JsonStream
from ada_t5.data.raw import PAIR_COLUMNS, _SCHEMA, _bad_byte, _Builder, _not_utf8, _Raw, _resolve_columns


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


_HEAD_BYTES = 1 << 20  # a JSON Lines row is far shorter; the paper's lists may be one 753 MB line


def is_json_lines(path: Path, columns=None) -> bool:
    """Whether a ``.json`` file holds one object per line. Only its head is read. A first line that is a whole
    object wrapping a list of objects and holding no smiles and description columns itself (``{"data": [...]}``
    on one line) is the wrapped-list layout, not a one-row JSON Lines file; a row may still carry lists of
    objects of its own (provenance, retrieved examples)."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return False
    try:
        value = json.loads(head.split(b"\n", 1)[0])
    except (ValueError, UnicodeDecodeError):  # not a whole object on the first line: a list, or a wrapper
        return False
    if not isinstance(value, dict):
        return False
    if not any(isinstance(v, list) and v and isinstance(v[0], dict) for v in value.values()):
        return True
    try:  # a row of its own after all when its keys name the pair columns, found as every reader finds them
        _resolve_columns(list(value), columns, str(path), str(path))
    except DataFormatError:
        return False
    return True


def _read_json(path: Path, label: str, *, columns) -> _Raw:
    if is_json_lines(path, columns):
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
