"""The report's rows as data: one JSON document, gzip-compressed and base64-encoded into the page.

The page's script decompresses it with the browser's ``DecompressionStream`` and builds each shown row with
``textContent`` (never ``innerHTML``), so text from the file cannot become markup whatever it holds. The data:

    {"task": "text2mol", "keys": ["morgan", ...],        # the per-example scores computed, in column order
     "frame": [head, tail],                               # the SVG document around each body
     "drawings": ["<path .../>...", ...],                 # compact SVG bodies (ada_t5.report.drawings)
     "rows": [{"i": 0, "in": source, "ref": reference, "out": output,
               "s": {"morgan": 0.52, ...},                # per-example scores (null: not computed)
               "bad": 0|1, "ex": 0|1,                      # invalid / empty output; exact match (text2mol)
               "img": [3, -1],                             # drawing index per molecule column, -1: none
               "f": [[start, end, correct, kind, truth]],  # checked facts in the caption (mol2text)
               "fl": "facts 2/3 · wrong: ...",             # the fact badge
               "nb": [[score, text], ...]}, ...]}          # retrieved neighbours (retrieval-augmented runs)

Each distinct SMILES is drawn once (a text2mol exact match shares its drawing with the reference).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
from collections.abc import Sequence

from ada_t5.report.drawings import SVG_HEAD, SVG_TAIL, compact_svg


def _number(value):
    if isinstance(value, float) and math.isnan(value):
        return None  # JSON has no NaN; the page shows "–" as for a score not computed
    return value


def _fact_label(check) -> str:
    wrong = "; ".join(f"{f.text} → {f.truth}" for f in check.wrong)
    return f"facts {check.correct}/{check.stated}" + (f" · wrong: {wrong}" if wrong else "")


def build_rows(task: str, keys: Sequence[str], inputs: Sequence[str], references: Sequence[str],
               outputs: Sequence[str], per_example: Sequence[dict], fact_checks: Sequence | None = None,
               neighbours: Sequence[Sequence[dict]] | None = None) -> dict:
    """The data document for :func:`encode`: rows, their scores and the drawings they point to."""
    drawings: list[str] = []
    index: dict[str, int] = {}

    def draw(smiles: str | None) -> int:
        if smiles not in index:
            body = compact_svg(smiles)
            index[smiles] = -1 if body is None else len(drawings)
            if body is not None:
                drawings.append(body)
        return index[smiles]

    field = "description" if task == "mol2text" else "smiles"
    rows = []
    for i, (source, reference, output) in enumerate(zip(inputs, references, outputs)):
        scores = per_example[i] if i < len(per_example) else {}
        row = {"i": i, "in": source, "ref": reference, "out": output,
               "s": {k: _number(scores.get(k)) for k in keys}}
        if task == "text2mol":
            invalid = not scores.get("valid", False)
            row.update(bad=int(invalid), ex=int(bool(scores.get("exact"))),
                       img=[draw(reference), -1 if invalid else draw(output)])
        else:
            row.update(bad=int(not output.strip()), img=[draw(source)])
            check = fact_checks[i] if fact_checks is not None and i < len(fact_checks) else None
            if check is not None and check.facts:
                row["f"] = [[f.start, f.end, int(f.correct), f.kind, f.truth] for f in check.facts]
                row["fl"] = _fact_label(check)
        found = neighbours[i] if neighbours and i < len(neighbours) else None
        if found:
            row["nb"] = [[_number(n.get("score")), n.get(field)] for n in found]
        rows.append(row)
    return {"task": task, "keys": list(keys), "frame": [SVG_HEAD, SVG_TAIL], "drawings": drawings, "rows": rows}


def encode(document: dict) -> str:
    """gzip + base64: what the page embeds (base64's alphabet cannot close the element that holds it)."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def decode(blob: str) -> dict:
    """The inverse of :func:`encode` (tests, tools reading a report back)."""
    return json.loads(gzip.decompress(base64.b64decode(blob)).decode("utf-8"))


def read_page_data(page: str) -> dict:
    """The data document of a report page (its text): what the page's script shows."""
    match = _DATA_ELEMENT.search(page)
    if match is None:
        raise ValueError("no embedded rows in this page (a report written before ada-t5 embedded them?)")
    return decode(match.group(1))


_DATA_ELEMENT = re.compile(r'<script type="application/octet-stream" id="data"[^>]*>([A-Za-z0-9+/=\s]*)</script>')
