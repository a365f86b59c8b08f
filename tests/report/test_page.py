"""The HTML report as a file: self-contained, the untrusted text only in the compressed data (never in markup),
every row there by default, metrics and plots; see test_browser.py for what Chromium shows of it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ada_t5.metrics import write_predictions
from ada_t5.report import write_report
from ada_t5.report.rows import read_page_data

EVIL = '<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1">'
TEXT2MOL_ROWS = [  # (description, reference, output)
    ("The molecule is ethanol, a primary alcohol.", "CCO", "CCO"),                      # exact
    ("The molecule is benzoic acid " + EVIL, "O=C(O)c1ccccc1", "OC(=O)c1ccccc1C"),      # valid, similar
    ("The molecule is phenol & friends \"quoted\".", "Oc1ccccc1", "C1CC(C"),           # invalid output
    ("The molecule is acetic acid.", "CC(=O)O", "CC(=O)N"),                            # valid
    ("The molecule is pyridine.", "c1ccncc1", "c1ccnc"),                               # invalid output
]
MOL2TEXT_ROWS = [
    ("CCO", "The molecule is ethanol.", "The molecule is ethanol."),
    ("c1ccccc1O", "The molecule is phenol.", "The molecule is " + EVIL),
    ("CC(=O)O", "The molecule is acetic acid.", ""),  # empty output: flagged
]


def write_rows(path: Path, task: str, rows) -> Path:
    write_predictions(path, task, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    return path


@pytest.fixture
def text2mol_report(tmp_path):
    predictions = write_rows(tmp_path / "test_predictions.tsv", "text2mol", TEXT2MOL_ROWS)
    (tmp_path / "metrics.json").write_text('{"task": "text2mol", "bleu": 0.4242, "validity": 0.6, "fcd": null, '
                                           '"notes": ["a note with <b>markup</b>"]}')
    return write_report(predictions, metrics=tmp_path / "metrics.json")


def test_text2mol_page_holds_every_row_as_data_and_no_untrusted_markup(text2mol_report):
    page = text2mol_report.read_text(encoding="utf-8")
    data = read_page_data(page)
    assert [(r["in"], r["ref"], r["out"]) for r in data["rows"]] == TEXT2MOL_ROWS  # as data, unchanged
    assert [r["bad"] for r in data["rows"]] == [0, 0, 1, 0, 1] and [r["ex"] for r in data["rows"]] == [1, 0, 0, 0, 0]
    assert len(data["drawings"]) == 7  # 5 references + 2 distinct valid outputs (the exact match is shared)
    assert EVIL not in page and "pwned" not in page  # the untrusted text is only in the compressed blob
    assert "a note with &lt;b&gt;markup&lt;/b&gt;" in page
    assert "5 examples · 2 invalid SMILES" in page
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing is fetched from anywhere
    assert "0.424" in page and "not computed" in page  # the metrics JSON is the table (fcd: null)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert len(scripts) == 2 and 'type="application/octet-stream"' in scripts[0] and "nonce=" in scripts[1]
    assert re.search(r"script-src 'nonce-[^']+'", page) and "img-src data:;" in page  # only the page's own script


def test_mol2text_page_flags_empty_outputs_and_scores_rows(tmp_path):
    page = write_report(write_rows(tmp_path / "p.tsv", "mol2text", MOL2TEXT_ROWS), text_tokenizer="simple")
    page = page.read_text(encoding="utf-8")
    data = read_page_data(page)
    assert [r["bad"] for r in data["rows"]] == [0, 0, 1] and len(data["drawings"]) == 3
    assert data["rows"][0]["s"]["bleu4"] == 1.0  # the exact caption scores 1, computed per row
    assert EVIL not in page and data["rows"][1]["out"].endswith(EVIL)
    assert "computed from p.tsv" in page  # no metrics JSON: the table is computed here


def test_the_default_is_the_whole_file_and_max_examples_cuts_it(tmp_path):
    rows = [(f"The molecule is number {i}.", "C" * (i % 7 + 1), "C" * (i % 5 + 1)) for i in range(130)]
    predictions = write_rows(tmp_path / "p.tsv", "text2mol", rows)
    assert len(read_page_data(write_report(predictions).read_text("utf-8"))["rows"]) == 130
    cut = write_report(predictions, tmp_path / "cut.html", max_examples=20)
    assert len(read_page_data(cut.read_text("utf-8"))["rows"]) == 20


def test_plots_beside_the_predictions_are_included(tmp_path):
    from PIL import Image

    predictions = write_rows(tmp_path / "p.tsv", "text2mol", TEXT2MOL_ROWS[:2])
    (tmp_path / "plots").mkdir()
    Image.new("RGB", (20, 10), "red").save(tmp_path / "plots" / "loss.png")
    page = write_report(predictions).read_text(encoding="utf-8")
    assert "Training curves" in page and page.count('class="plot" src="data:image/png;base64,') == 1
    page = write_report(predictions, plots=[]).read_text(encoding="utf-8")
    assert "Training curves" not in page


def test_mol2text_fact_summary_is_on_the_page(tmp_path):
    rows = [("OC(=O)c1ccccc1", "The molecule is benzoic acid.",
             "The molecule is a monocarboxylic acid with formula C10H10O2. Its only ring is a benzene ring."),
            ("CCO", "The molecule is ethanol.", "The molecule is a primary alcohol <b>" + EVIL + "</b>.")]
    page = write_report(write_rows(tmp_path / "p.tsv", "mol2text", rows), text_tokenizer="simple").read_text("utf-8")
    assert "ada-t5 fact check</b> (not a MolT5 metric): fact precision 0.750 (3 of 4" in page
    data = read_page_data(page)
    assert data["rows"][0]["fl"] == "facts 2/3 · wrong: C10H10O2 → C7H6O2" and data["rows"][1]["fl"] == "facts 1/1"
    assert data["rows"][0]["s"]["facts"] == pytest.approx(2 / 3) and data["rows"][1]["s"]["facts"] == 1.0
    assert EVIL not in page and html.escape(EVIL) not in page  # the caption is data, not page text


def test_a_bad_metrics_json_names_the_file_and_line(tmp_path, capsys):
    from ada_t5.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"bleu": 0.5,\n "rouge": }\n')
    examples = Path(__file__).resolve().parents[1] / "data" / "molt5" / "caption2smiles_example.txt"
    assert main(["report", str(examples), "--metrics", str(bad), "--output", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ada-t5 report: error: ") and f"{bad}:2: --metrics is not valid JSON" in err
    assert not (tmp_path / "r.html").exists()
