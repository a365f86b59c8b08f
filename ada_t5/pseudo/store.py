"""Durable JSONL output: append + fsync per group, torn-line repair, resume scan, one writer at a time.

A group of records is written with one ``os.write`` loop on an ``O_APPEND`` descriptor and then ``fsync``-ed,
so after a kill (even SIGKILL) or a power cut the file holds whole lines plus, at worst, one torn last line.
:func:`repair` cuts that torn tail off before a run appends (the cut molecule is simply described again);
:func:`scan` then reads which molecules are done. A lock file stops two runs appending to the same output.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field

from ada_t5.jsonl import read_jsonl

logger = logging.getLogger(__name__)


def repair(path: str | os.PathLike) -> int:
    """Cut a torn last line (no final newline) off ``path``; returns how many bytes were cut (0 if none)."""
    if not os.path.exists(path):
        return 0
    with open(path, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        position, block = size, 65536
        keep = 0
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            position = start
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    logger.warning("%s: cut a torn last line (%d bytes) left by an interrupted run", path, size - keep)
    return size - keep


@dataclass
class Scan:
    keys: set[str] = field(default_factory=set)
    lines: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasons: Counter = field(default_factory=Counter)
    provenance: Counter = field(default_factory=Counter)  # (backend, model, template_hash) -> lines


def scan(path: str | os.PathLike, key: str = "canonical_smiles") -> Scan:
    """What a (repaired) JSONL output already holds. A line that is not a JSON object raises ValueError."""
    result = Scan()
    if not os.path.exists(path):
        return result
    for number, record in read_jsonl(path, hint="; remove or fix it"):
        if not isinstance(record, dict) or not isinstance(record.get(key), str):
            raise ValueError(f"{path}:{number}: no {key!r} field: not written by ada-t5 pseudo")
        result.keys.add(record[key])
        result.lines += 1
        result.prompt_tokens += record.get("prompt_tokens") or 0
        result.completion_tokens += record.get("completion_tokens") or 0
        if record.get("reason"):
            result.reasons[record["reason"]] += 1
        result.provenance[(record.get("backend"), record.get("model"), record.get("template_hash"))] += 1
    return result


class Appender:
    """Append groups of JSON records to a file, each group written whole and fsync-ed before returning."""

    def __init__(self, path: str | os.PathLike, fsync: bool = True):
        self.path, self.fsync = os.fspath(path), fsync
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, records: list[dict]) -> None:
        if not records:
            return
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self.fsync:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Lock:
    """An exclusive, non-blocking lock on ``<path>.lock`` for the life of a run (released when the process
    dies, so a killed run never blocks the next). Raises RuntimeError when another run holds it."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path) + ".lock"
        self._handle = open(self.path, "a")
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one run at a time is then the user's care
            return
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            raise RuntimeError(f"another run is writing {os.fspath(path)} (lock {self.path} is held)") from None

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()
