"""MolT5's prediction files: UTF-8, tab-separated, read with ``csv.QUOTE_NONE``, one header line.

* mol2text (captioning): ``SMILES<TAB>ground truth<TAB>output``
* text2mol (molecule generation): ``description<TAB>ground truth<TAB>output``

Columns are found by name (MolT5 reads them with ``csv.DictReader``); extra columns are ignored; blank lines
are skipped as ``DictReader`` skips them. Every problem raises ``PredictionFileError`` naming the file and line.

``write_predictions`` writes exactly this format. QUOTE_NONE has no way to represent a tab, newline or
carriage return inside a field, so each such character (and NUL) is replaced by one space, with a warning: a
written file always reads back, row for row.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ada_t5.errors import AdaT5Error
from ada_t5.metrics.core import TASKS, check_task
from ada_t5.tasks import TASKS as TASK_DEFINITIONS

logger = logging.getLogger(__name__)

# MolT5's columns: the task's source (SMILES or description), then the reference and the model's output
HEADERS = {name: (task.source_header, "ground truth", "output") for name, task in TASK_DEFINITIONS.items()}
_UNWRITABLE = re.compile(r"[\t\r\n\x00]")


class PredictionFileError(AdaT5Error, ValueError):
    """A predictions file that is not in MolT5's format; the message names the file and line."""

    def __init__(self, path: str | os.PathLike, line: int | None, message: str) -> None:
        self.path, self.line = os.fspath(path), line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass
class PredictionFile:
    task: str
    inputs: list[str]
    references: list[str]
    outputs: list[str]
    path: str = ""

    def __len__(self) -> int:
        return len(self.outputs)


def _header_text(task: str) -> str:
    return "<TAB>".join(HEADERS[task])


def _task_from_header(path: str | os.PathLike, header: list[str], task: str | None) -> str:
    names = set(header)
    matches = [t for t in TASKS if set(HEADERS[t]) <= names]
    if task is not None:
        check_task(task)
        missing = [name for name in HEADERS[task] if name not in names]
        if missing:
            hint = f" (the header is that of a {matches[0]} file)" if len(matches) == 1 else ""
            raise PredictionFileError(path, 1, f"missing column(s) {', '.join(map(repr, missing))} for task {task}"
                                               f"{hint}; expected the header {_header_text(task)}")
        return task
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise PredictionFileError(path, 1, "the header has both 'SMILES' and 'description' columns: pass the task")
    expected = " or ".join(_header_text(t) for t in TASKS)
    missing = [n for n in ("ground truth", "output") if n not in names]
    if not names & {"SMILES", "description"}:
        missing.insert(0, "SMILES or description")
    raise PredictionFileError(path, 1, f"wrong header {'<TAB>'.join(header)!r}: missing "
                                       f"{', '.join(map(repr, missing))}; expected {expected}")


def read_predictions(path: str | os.PathLike, task: str | None = None) -> PredictionFile:
    """Read a MolT5-format predictions TSV; the task comes from the header unless given."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise PredictionFileError(path, None, f"cannot open: {error.strerror or error}") from error
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader, None)
            if header is None:
                raise PredictionFileError(path, 1, "empty file: expected a header line")
            task = _task_from_header(path, header, task)
            source_col, ref_col, out_col = (header.index(name) for name in HEADERS[task])
            inputs, references, outputs = [], [], []
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise PredictionFileError(path, reader.line_num, f"expected {len(header)} tab-separated fields "
                                                                     f"as in the header, found {len(row)}")
                inputs.append(row[source_col])
                references.append(row[ref_col])
                outputs.append(row[out_col])
        except UnicodeDecodeError as error:
            raise PredictionFileError(path, _line_of_byte(path, error.start), "not valid UTF-8") from error
        except csv.Error as error:
            raise PredictionFileError(path, reader.line_num, f"unreadable row ({error})") from error
    return PredictionFile(task=task, inputs=inputs, references=references, outputs=outputs, path=os.fspath(path))


def _line_of_byte(path: str | os.PathLike, offset: int) -> int | None:
    # the decoder reports a position within its current chunk; fall back to scanning the raw bytes
    try:
        data = Path(path).read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1
    except OSError:
        return None
    return None


def _clean(value: str, counter: list[int]) -> str:
    cleaned, count = _UNWRITABLE.subn(" ", value)
    counter[0] += count > 0
    return cleaned


def write_predictions(path: str | os.PathLike, task: str, inputs: Sequence[str], references: Sequence[str],
                      outputs: Sequence[str]) -> Path:
    """Write MolT5's format; tabs/newlines/carriage returns/NULs inside fields become spaces (with a warning)."""
    check_task(task)
    if not len(inputs) == len(references) == len(outputs):
        raise ValueError(f"inputs, references and outputs differ in length: {len(inputs)}, {len(references)}, "
                         f"{len(outputs)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    changed = [0]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(HEADERS[task]) + "\n")
        for row in zip(inputs, references, outputs):
            handle.write("\t".join(_clean("" if v is None else str(v), changed) for v in row) + "\n")
    if changed[0]:
        logger.warning("%s: %d field(s) held tabs or line breaks, written as spaces (MolT5's TSV cannot hold "
                       "them)", path, changed[0])
    return path
