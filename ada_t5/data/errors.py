"""What goes wrong with pair data, and how it is said: :class:`DataFormatError` (naming the file, the line or
row and the field), :class:`MissingSplitError`, one skipped row (:class:`Problem`) and the
:class:`LoadReport` of what a load read, kept and skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ada_t5.errors import AdaT5Error


class DataFormatError(AdaT5Error, ValueError):
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
