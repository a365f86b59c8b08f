"""One self-contained HTML page for a predictions TSV: metric table, training curves, every example drawn.

The page needs nothing beside itself, and stays small for a whole test set (a full ChEBI-20 split, 3,300 rows,
is a few MB instead of 180 MB): the rows are one gzip-compressed JSON document embedded in base64
(:mod:`ada_t5.report.rows`), with compact RDKit drawings (:mod:`ada_t5.report.drawings`); the page's script
decompresses it, shows 50 rows a page and draws only the molecules of the page shown. Sorting, filtering and
paging run in the page. The script builds rows with ``textContent``, so every string from the file
(descriptions, SMILES, model output) stays text, and a Content-Security-Policy with a per-page nonce keeps any
script but the page's own from running, should something slip through. Plots are inlined PNGs.

The controls also read the address's fragment, so a view can be linked: ``report.html#sort=morgan&dir=desc``,
``#invalid=1``, ``#min=0.5&sort=bleu4``, ``#q=benzene``, ``#page=3``.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from ada_t5.report.assets import CSS, JS
from ada_t5.report.rows import build_rows, encode

SCORE_KEYS = {"mol2text": ("bleu2", "bleu4", "rouge1", "rouge2", "rougeL", "meteor", "facts"),
              "text2mol": ("morgan", "maccs", "rdk", "bleu", "levenshtein")}
DEFAULT_SORT = {"mol2text": "bleu4", "text2mol": "morgan"}
PAGE_SIZE = 50  # rows a page: what the script draws at once (ada_t5/report/assets.py reads it from <body>)


def escape(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def png_data_uri(path: str | os.PathLike) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(value)


def _metric_table(metrics: dict, notes: Sequence[str], source: str) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{'not computed' if v is None else _number(v)}</td></tr>"
                   for k, v in metrics.items() if v is None or isinstance(v, (int, float)))
    note_items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (f'<table class="metrics"><caption>{escape(source)}</caption>{rows}</table>'
            + (f'<ul class="notes">{note_items}</ul>' if note_items else ""))


def build_report(task: str, inputs: Sequence[str], references: Sequence[str], outputs: Sequence[str], *,
                 per_example: Sequence[dict], metrics: dict, notes: Sequence[str] = (), metrics_source: str = "",
                 plots: Sequence[str | os.PathLike] = (), title: str = "ada-t5 report",
                 fact_checks: Sequence | None = None, fact_summary: dict | None = None,
                 neighbours: Sequence[Sequence[dict]] | None = None) -> str:
    """The report page as a string (see :func:`write_report` for the file-level entry point).

    ``fact_checks`` (mol2text): one :class:`ada_t5.metrics.facts.CaptionCheck` per row; each generated caption is
    shown with its checked facts marked (wrong ones highlighted, with what RDKit says), and ``fact_summary`` (the
    aggregate) is shown under the metric table as ada-t5's own check, not a MolT5 metric."""
    nonce = secrets.token_urlsafe(16)
    # the per-example scores that were computed (METEOR is not, in a report)
    keys = [k for k in SCORE_KEYS[task] if any(row.get(k) is not None for row in per_example)]
    document = build_rows(task, keys, inputs, references, outputs, per_example, fact_checks, neighbours)
    fact_html = ""
    if fact_summary is not None:
        from ada_t5.metrics.facts import format_fact_summary

        fact_html = (f'<p class="factsum"><b>ada-t5 fact check</b> (not a MolT5 metric): '
                     f'{escape(format_fact_summary(fact_summary))}; {fact_summary["captions_with_facts"]:,} of '
                     f'{fact_summary["captions"]:,} captions state a checkable fact. Wrong facts are '
                     f'<mark class="fact wrong">marked</mark> in each generated caption.</p>')
    options = "".join(f'<option value="{k}"{" selected" if k == DEFAULT_SORT[task] else ""}>{k}</option>'
                      for k in keys) + '<option value="row">file order</option>'
    header = ("<th>#</th><th>description</th><th>reference molecule</th><th>generated molecule</th><th>similarity</th>"
              if task == "text2mol" else
              "<th>#</th><th>input molecule</th><th>reference</th><th>generated</th><th>scores</th>")
    invalid_count = sum(row["bad"] for row in document["rows"])
    plot_html = "".join(f'<figure><img class="plot" src="{png_data_uri(p)}" alt="{escape(Path(p).stem)}">'
                        f'<figcaption>{escape(Path(p).stem.replace("_", " "))}</figcaption></figure>' for p in plots)
    what = "invalid SMILES" if task == "text2mol" else "empty outputs"
    csp = (f"default-src 'none'; img-src data:; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
           "base-uri 'none'; form-action 'none'")
    pager = ('<nav class="pager"><button type="button" class="prev">‹ previous</button> '
             '<span class="where"></span> <button type="button" class="next">next ›</button></nav>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style nonce="{nonce}">{CSS}</style></head>
<body data-task="{task}" data-rows="{len(outputs)}" data-page-size="{PAGE_SIZE}">
<h1>{escape(title)}</h1>
<p class="meta">{escape(task)} · {len(outputs):,} examples · {invalid_count:,} {what} ·
generated {datetime.datetime.now().strftime("%Y-%m-%d %H:%M")} by ada-t5</p>
<h2>Metrics</h2>{_metric_table(metrics, notes, metrics_source)}{fact_html}
{f'<h2>Training curves</h2><div class="plots">{plot_html}</div>' if plot_html else ""}
<h2>Examples</h2>
<div class="controls">
<label>sort by <select id="sort">{options}</select></label>
<button id="dir" type="button" data-dir="desc">descending</button>
<label>score ≥ <input id="min" type="number" step="0.01"></label>
<label>score ≤ <input id="max" type="number" step="0.01"></label>
<label><input id="invalid" type="checkbox"> only {what}</label>
<label>search <input id="q" type="search" placeholder="text or SMILES"></label>
<span id="shown">decompressing {len(outputs):,} rows…</span>{pager}</div>
<noscript><p class="error">The examples are stored compressed in this page; showing them needs JavaScript.</p></noscript>
<table class="examples"><thead><tr>{header}</tr></thead><tbody id="rows"></tbody></table>
<div class="controls bottom">{pager}</div>
<script type="application/octet-stream" id="data" data-encoding="gzip+base64">{encode(document)}</script>
<script nonce="{nonce}">{JS}</script>
</body></html>
"""


def write_report(predictions: str | os.PathLike, output: str | os.PathLike | None = None, *,
                 metrics: str | os.PathLike | None = None, plots: Sequence[str | os.PathLike] | None = None,
                 title: str | None = None, task: str | None = None, text_tokenizer="auto",
                 max_examples: int | None = None) -> Path:
    """Read a MolT5-format predictions TSV, score every row, and write the HTML report (default: beside it).

    ``metrics``: a metrics JSON (``test_metrics.json`` or ``ada-t5 evaluate --output``) shown as the metric
    table; without it the table is the aggregate computed here (no METEOR / FCD, which are slow). ``plots``:
    PNG files to include; by default the ``plots/*.png`` beside the predictions file, if any.
    """
    from ada_t5 import metrics as metric_suite

    predictions = Path(predictions)
    data = metric_suite.read_predictions(predictions, task=task)
    inputs, references, outputs = data.inputs, data.references, data.outputs
    if max_examples is not None:
        inputs, references, outputs = inputs[:max_examples], references[:max_examples], outputs[:max_examples]
    kwargs = dict(text_tokenizer=text_tokenizer, meteor=False) if data.task == "mol2text" else dict(fcd=False)
    loaded = _read_metrics_json(metrics) if metrics is not None else None  # before minutes of scoring
    scores = metric_suite.score(data.task, outputs, references, **kwargs)
    fact_checks = fact_summary = None
    if data.task == "mol2text":
        from ada_t5.metrics.facts import fact_check

        fact_summary, fact_checks = fact_check(outputs, inputs)
        for row, check in zip(scores.per_example, fact_checks):
            row["facts"] = check.precision  # sortable and filterable like the other per-example scores
    if metrics is not None:
        table = loaded.get("aggregate", loaded) if isinstance(loaded, dict) else {}
        notes = list(loaded.get("notes", [])) if isinstance(loaded, dict) else []
        source = f"from {Path(metrics).name}"
    else:
        table, notes = dict(scores.aggregate), list(scores.notes)
        source = f"computed from {predictions.name} (no metrics JSON given)"
    if plots is None:
        plots = sorted((predictions.parent / "plots").glob("*.png"))
    # a retrieval-augmented run writes <split>_neighbours.jsonl beside <split>_predictions.tsv
    neighbours = None
    neighbours_file = predictions.with_name(predictions.name.replace("_predictions.tsv", "_neighbours.jsonl"))
    if neighbours_file != predictions and neighbours_file.is_file():
        neighbours = [json.loads(line) for line in neighbours_file.read_text(encoding="utf-8").splitlines()]
    output = Path(output) if output is not None else predictions.with_suffix(".html")
    output.parent.mkdir(parents=True, exist_ok=True)
    page = build_report(data.task, inputs, references, outputs, per_example=scores.per_example, metrics=table,
                        notes=notes, metrics_source=source, plots=plots,
                        title=title or f"ada-t5 report: {predictions.name}", fact_checks=fact_checks,
                        fact_summary=fact_summary, neighbours=neighbours)
    output.write_text(page, encoding="utf-8")
    return output


def _read_metrics_json(path) -> object:
    """``--metrics``: a JSON file; a bad one is an error naming the file and the line."""
    from ada_t5.metrics.io import PredictionFileError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PredictionFileError(path, error.lineno, f"--metrics is not valid JSON: {error.msg}") from None
    except OSError as error:
        raise PredictionFileError(path, None, f"--metrics cannot be read: {error.strerror or error}") from None
