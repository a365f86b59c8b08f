"""JSON Lines read one line at a time, with the line number every error message names."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator


def read_jsonl(path: str | os.PathLike, *, error: type[Exception] = ValueError, hint: str = ""
               ) -> Iterator[tuple[int, object]]:
    """``(line number, value)`` for each non-blank line of ``path`` (1-based numbers). A line that is not JSON
    raises ``error("path:N: not a JSON line (why)" + hint)``; what a value must hold is the caller's check."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                raise error(f"{path}:{number}: not a JSON line ({err.msg}){hint}") from None
            yield number, value
