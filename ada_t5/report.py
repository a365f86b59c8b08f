"""One self-contained HTML page for a predictions TSV: metric table, training curves, every example drawn.

The page needs nothing beside itself: molecules are RDKit SVG drawings and plots PNGs, both inlined as
``data:`` images; the sorting / filtering script and the styles are inline too. Every string that comes from
the file (descriptions, SMILES, model output) is HTML-escaped, and a Content-Security-Policy with a per-page
nonce keeps any script but the page's own from running, should something slip through.

The controls also read the address's fragment, so a view can be linked: ``report.html#sort=morgan&dir=desc``,
``#invalid=1``, ``#min=0.5&sort=bleu4``, ``#q=benzene``.
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

SCORE_KEYS = {"mol2text": ("bleu2", "bleu4", "rouge1", "rouge2", "rougeL", "meteor", "facts"),
              "text2mol": ("morgan", "maccs", "rdk", "bleu", "levenshtein")}
DEFAULT_SORT = {"mol2text": "bleu4", "text2mol": "morgan"}
IMAGE_SIZE = (260, 190)


def escape(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def molecule_image(smiles: str | None, size: tuple[int, int] = IMAGE_SIZE) -> str | None:
    """An RDKit drawing of ``smiles`` as a ``data:image/svg+xml`` URI; ``None`` when it cannot be drawn."""
    from rdkit.Chem.Draw import rdMolDraw2D

    from ada_t5.chem import mol_from_smiles, quiet_rdkit

    mol = mol_from_smiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    try:
        with quiet_rdkit():
            drawer = rdMolDraw2D.MolDraw2DSVG(*size)
            rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
            drawer.FinishDrawing()
            svg = drawer.GetDrawingText()
    except Exception:  # noqa: BLE001 - a molecule RDKit parses but cannot depict is shown as text only
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def png_data_uri(path: str | os.PathLike) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _image(uri: str | None, alt: str, label: str) -> str:
    if uri is None:
        return f'<div class="noimg">{escape(label)}</div>'
    return f'<img class="mol" src="{uri}" alt="{escape(alt)}" width="{IMAGE_SIZE[0]}" height="{IMAGE_SIZE[1]}">'


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


def _highlight_facts(text: str, check) -> str:
    """The caption, escaped, with each checked fact marked: wrong ones red with what RDKit says."""
    if check is None or not check.facts:
        return escape(text)
    parts, at = [], 0
    for fact in sorted(check.facts, key=lambda f: f.start):
        parts.append(escape(text[at:fact.start]))
        if fact.correct:
            parts.append(f'<span class="fact right" title="checked: true">{escape(fact.text)}</span>')
        else:
            parts.append(f'<mark class="fact wrong" title="wrong {escape(fact.kind)}; RDKit: {escape(fact.truth)}">'
                         f'{escape(fact.text)}</mark>')
        at = fact.end
    parts.append(escape(text[at:]))
    return "".join(parts)


def _fact_badge(check) -> str:
    if check is None or not check.facts:
        return ""
    wrong = "; ".join(f"{f.text} → {f.truth}" for f in check.wrong)
    css = "bad" if check.wrong else "good"
    label = f"facts {check.correct}/{check.stated}" + (f" · wrong: {wrong}" if wrong else "")
    return f'<span class="badge {css} facts">{escape(label)}</span>'


def _neighbours_html(task: str, neighbours: Sequence[dict] | None) -> str:
    """A retrieval-augmented model's retrieved pool rows (what it was shown beside the input), folded."""
    if not neighbours:
        return ""
    field = "description" if task == "mol2text" else "smiles"
    items = "".join(f'<li><span class="score">{_number(n.get("score"))}</span> {escape(n.get(field))}</li>'
                    for n in neighbours)
    return f'<details class="neighbours"><summary>retrieved neighbours ({len(neighbours)})</summary><ol>{items}</ol></details>'


def _row_html(task: str, keys: Sequence[str], index: int, source: str, reference: str, output: str, scores: dict,
              cache: dict, check=None, neighbours: Sequence[dict] | None = None) -> str:
    def draw(smiles):
        if smiles not in cache:
            cache[smiles] = molecule_image(smiles)
        return cache[smiles]

    data = " ".join(f'data-{k.lower()}="{"" if scores.get(k) is None else repr(float(scores[k]))}"' for k in keys)
    if task == "text2mol":
        invalid = not scores.get("valid", False)
        exact = bool(scores.get("exact"))
        badges = ('<span class="badge bad">invalid SMILES</span>' if invalid else "") + \
                 ('<span class="badge good">exact match</span>' if exact else "")
        similarity = "".join(f"<div><b>{k}</b> {_number(scores.get(k))}</div>" for k in ("morgan", "maccs", "rdk"))
        cells = (f'<td class="text">{escape(source)}{_neighbours_html(task, neighbours)}</td>'
                 f'<td class="molcell">{_image(draw(reference), reference, "reference cannot be drawn")}'
                 f'<code>{escape(reference)}</code></td>'
                 f'<td class="molcell">{_image(None if invalid else draw(output), output, "invalid: not drawn")}'
                 f'<code>{escape(output)}</code>{badges}</td>'
                 f'<td class="scores">{similarity}<div><b>bleu</b> {_number(scores.get("bleu"))}</div>'
                 f'<div><b>levenshtein</b> {_number(scores.get("levenshtein"))}</div></td>')
    else:
        invalid = not output.strip()
        badges = '<span class="badge bad">empty output</span>' if invalid else ""
        shown = "".join(f"<div><b>{k}</b> {_number(scores.get(k))}</div>" for k in keys if k in scores)
        cells = (f'<td class="molcell">{_image(draw(source), source, "input cannot be drawn")}'
                 f'<code>{escape(source)}</code>{_neighbours_html(task, neighbours)}</td>'
                 f'<td class="text">{escape(reference)}</td>'
                 f'<td class="text">{_highlight_facts(output, check)}{badges}{_fact_badge(check)}</td>'
                 f'<td class="scores">{shown}</td>')
    return (f'<tr class="example" data-row="{index}" data-invalid="{int(invalid)}" {data}>'
            f'<td class="idx">{index + 1}</td>{cells}</tr>')


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
    cache: dict = {}
    # the per-example scores that were computed (METEOR is not, in a report)
    keys = [k for k in SCORE_KEYS[task] if any(row.get(k) is not None for row in per_example)]
    rows = "\n".join(_row_html(task, keys, i, s, r, o, per_example[i] if i < len(per_example) else {}, cache,
                               fact_checks[i] if fact_checks is not None and i < len(fact_checks) else None,
                               neighbours[i] if neighbours and i < len(neighbours) else None)
                     for i, (s, r, o) in enumerate(zip(inputs, references, outputs)))
    fact_html = ""
    if fact_summary is not None:
        from ada_t5.metrics.facts import format_fact_summary

        fact_html = (f'<p class="factsum"><b>ada-t5 fact check</b> (not a MolT5 metric): '
                     f'{escape(format_fact_summary(fact_summary))}; {fact_summary["captions_with_facts"]:,} of '
                     f'{fact_summary["captions"]:,} captions state a checkable fact. Wrong facts are '
                     f'<mark class="fact wrong">marked</mark> in each generated caption.</p>')
    options = "".join(f'<option value="{k.lower()}"{" selected" if k == DEFAULT_SORT[task] else ""}>{k}</option>'
                      for k in keys) + '<option value="row">file order</option>'
    header = ("<th>#</th><th>description</th><th>reference molecule</th><th>generated molecule</th><th>similarity</th>"
              if task == "text2mol" else
              "<th>#</th><th>input molecule</th><th>reference</th><th>generated</th><th>scores</th>")
    invalid_count = rows.count('data-invalid="1"')
    plot_html = "".join(f'<figure><img class="plot" src="{png_data_uri(p)}" alt="{escape(Path(p).stem)}">'
                        f'<figcaption>{escape(Path(p).stem.replace("_", " "))}</figcaption></figure>' for p in plots)
    what = "invalid SMILES" if task == "text2mol" else "empty outputs"
    csp = (f"default-src 'none'; img-src data:; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
           "base-uri 'none'; form-action 'none'")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style nonce="{nonce}">{_CSS}</style></head>
<body data-task="{task}" data-rows="{len(outputs)}">
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
<span id="shown"></span></div>
<table class="examples"><thead><tr>{header}</tr></thead><tbody id="rows">
{rows}
</tbody></table>
<script nonce="{nonce}">{_JS}</script>
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


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0}.meta{color:#666}
table.metrics{border-collapse:collapse;margin:.5em 0}table.metrics th,table.metrics td{padding:2px 10px;
border-bottom:1px solid #ddd;text-align:left}table.metrics caption{text-align:left;color:#666}
.notes{color:#666;font-size:.9em}.plots{display:flex;flex-wrap:wrap;gap:1em}.plot{max-width:560px}
.controls{position:sticky;top:0;background:#f6f6f6;padding:.5em;display:flex;flex-wrap:wrap;gap:1em;z-index:1}
.controls input[type=number]{width:5em}
table.examples{border-collapse:collapse;width:100%}table.examples td,table.examples th{border-bottom:1px solid #ddd;
padding:6px;vertical-align:top;text-align:left}td.text{max-width:420px;white-space:pre-wrap;word-break:break-word}
td.molcell code{display:block;max-width:270px;word-break:break-all;font-size:.85em}.idx{color:#888}
.noimg{width:260px;height:60px;display:flex;align-items:center;justify-content:center;background:#fbeaea;
color:#a33}.badge{display:inline-block;margin:3px 3px 0 0;padding:0 6px;border-radius:8px;font-size:.8em}
.bad{background:#f4c7c7;color:#7a1010}.good{background:#cdeccd;color:#145214}tr[data-invalid="1"]{background:#fff6f6}
.scores div{white-space:nowrap}mark.fact.wrong{background:#f4c7c7;color:#7a1010;border-radius:3px}
span.fact.right{border-bottom:1px dotted #2a7a2a}.factsum{margin:.3em 0}
"""

_JS = r"""
(function(){
  const body = document.getElementById('rows');
  const rows = Array.from(body.querySelectorAll('tr.example'));
  const $ = id => document.getElementById(id);
  const num = (row, key) => { const v = row.dataset[key]; return v === undefined || v === '' ? null : +v; };
  function apply(){
    const key = $('sort').value, desc = $('dir').dataset.dir === 'desc';
    const lo = $('min').value === '' ? null : +$('min').value, hi = $('max').value === '' ? null : +$('max').value;
    const onlyInvalid = $('invalid').checked, q = $('q').value.toLowerCase();
    const sorted = rows.slice().sort((a, b) => {
      if (key === 'row') return (desc ? -1 : 1) * (num(a, 'row') - num(b, 'row'));
      const x = num(a, key), y = num(b, key);
      if (x === null && y === null) return num(a, 'row') - num(b, 'row');
      if (x === null) return 1; if (y === null) return -1;
      return (desc ? y - x : x - y) || num(a, 'row') - num(b, 'row');
    });
    let shown = 0;
    for (const row of sorted) {
      const v = key === 'row' ? null : num(row, key);
      let ok = !(onlyInvalid && row.dataset.invalid !== '1');
      if (ok && lo !== null) ok = v !== null && v >= lo;
      if (ok && hi !== null) ok = v !== null && v <= hi;
      if (ok && q) ok = row.textContent.toLowerCase().includes(q);
      row.hidden = !ok; shown += ok;
      body.appendChild(row);
    }
    $('shown').textContent = shown + ' of ' + rows.length + ' shown';
    document.body.dataset.shown = shown;
  }
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has('sort') && Array.from($('sort').options).some(o => o.value === params.get('sort')))
    $('sort').value = params.get('sort');
  if (params.get('dir') === 'asc') { $('dir').dataset.dir = 'asc'; $('dir').textContent = 'ascending'; }
  for (const id of ['min', 'max', 'q']) if (params.has(id)) $(id).value = params.get(id);
  if (params.get('invalid') === '1') $('invalid').checked = true;
  $('dir').addEventListener('click', () => {
    const asc = $('dir').dataset.dir === 'desc';
    $('dir').dataset.dir = asc ? 'asc' : 'desc'; $('dir').textContent = asc ? 'ascending' : 'descending'; apply();
  });
  for (const id of ['sort', 'min', 'max', 'invalid', 'q']) $(id).addEventListener('input', apply);
  apply();
  window.addEventListener('load', () => {
    const images = Array.from(document.images);
    document.body.dataset.imagesLoaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
    document.body.dataset.imagesBroken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
    document.body.dataset.ready = '1';
  });
})();
"""


def _read_metrics_json(path) -> object:
    """``--metrics``: a JSON file; a bad one is an error naming the file and the line."""
    from ada_t5.metrics.io import PredictionFileError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PredictionFileError(path, error.lineno, f"--metrics is not valid JSON: {error.msg}") from None
    except OSError as error:
        raise PredictionFileError(path, None, f"--metrics cannot be read: {error.strerror or error}") from None
