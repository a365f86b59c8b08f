"""The HTML report: escaped, self-contained, every row and molecule there; rendered in headless Chromium."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from ada_t5.metrics import write_predictions
from ada_t5.report import write_report
from browser import find_chromium

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


def _write(path: Path, task: str, rows) -> Path:
    write_predictions(path, task, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    return path


@pytest.fixture
def text2mol_report(tmp_path):
    predictions = _write(tmp_path / "test_predictions.tsv", "text2mol", TEXT2MOL_ROWS)
    (tmp_path / "metrics.json").write_text('{"task": "text2mol", "bleu": 0.4242, "validity": 0.6, "fcd": null, '
                                           '"notes": ["a note with <b>markup</b>"]}')
    return write_report(predictions, metrics=tmp_path / "metrics.json")


def test_text2mol_page_has_every_row_escaped_and_flagged(text2mol_report):
    page = text2mol_report.read_text(encoding="utf-8")
    assert page.count('<tr class="example"') == len(TEXT2MOL_ROWS)
    assert "<script>document.title" not in page and "<img src=x" not in page  # the untrusted text is escaped
    assert html.escape(EVIL) in page
    assert "a note with &lt;b&gt;markup&lt;/b&gt;" in page
    assert len(re.findall(r'<tr class="example" data-row="\d+" data-invalid="1"', page)) == 2 and page.count("invalid SMILES</span>") == 2
    assert page.count("exact match</span>") == 1
    # 5 references + 3 valid outputs drawn, all inline: nothing is fetched from anywhere
    assert len(re.findall(r'<img class="mol" src="data:image/svg\+xml;base64,', page)) == 8
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "0.424" in page and "not computed" in page  # the metrics JSON is the table (fcd: null)
    assert re.search(r"script-src 'nonce-[^']+'", page)  # only the page's own script may run


def test_mol2text_page_draws_inputs_and_flags_empty_outputs(tmp_path):
    path = write_report(_write(tmp_path / "p.tsv", "mol2text", MOL2TEXT_ROWS), text_tokenizer="simple")
    page = path.read_text(encoding="utf-8")
    assert page.count('<tr class="example"') == 3 and len(re.findall(r'<tr class="example" data-row="\d+" data-invalid="1"', page)) == 1
    assert len(re.findall(r'<img class="mol" src="data:image/svg', page)) == 3
    assert html.escape(EVIL) in page and EVIL not in page
    assert 'data-bleu4="1.0"' in page  # the exact caption scores 1, computed per row
    assert "computed from p.tsv" in page  # no metrics JSON: the table is computed here


def test_plots_beside_the_predictions_are_included(tmp_path):
    from PIL import Image

    predictions = _write(tmp_path / "p.tsv", "text2mol", TEXT2MOL_ROWS[:2])
    (tmp_path / "plots").mkdir()
    Image.new("RGB", (20, 10), "red").save(tmp_path / "plots" / "loss.png")
    page = write_report(predictions).read_text(encoding="utf-8")
    assert "Training curves" in page and page.count('class="plot" src="data:image/png;base64,') == 1
    page = write_report(predictions, plots=[]).read_text(encoding="utf-8")
    assert "Training curves" not in page


# ----------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium() -> str:
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


def _browser(chromium: str, *args: str) -> subprocess.CompletedProcess:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--hide-scrollbars", "--virtual-time-budget=10000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _dom(chromium: str, url: str) -> str:
    done = _browser(chromium, "--dump-dom", url)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def _body_attributes(dom: str) -> dict[str, str]:
    tag = re.search(r"<body([^>]*)>", dom).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def test_the_report_renders_in_chromium(chromium, text2mol_report, tmp_path):
    url = text2mol_report.resolve().as_uri()
    dom = _dom(chromium, url)
    body = _body_attributes(dom)
    assert body["data-ready"] == "1"  # the page's own script ran to the end (load event)
    assert body["data-images-loaded"] == "8" and body["data-images-broken"] == "0"  # every molecule decoded
    assert body["data-shown"] == str(len(TEXT2MOL_ROWS))
    assert "data-pwned" not in body and "<title>pwned" not in dom  # the injected markup never ran
    assert f"{len(TEXT2MOL_ROWS)} of {len(TEXT2MOL_ROWS)} shown" in dom

    screenshot = tmp_path / "report.png"
    done = _browser(chromium, f"--screenshot={screenshot}", "--window-size=1280,1400", url)
    assert done.returncode == 0 and screenshot.is_file(), done.stderr[-2000:]
    from PIL import Image

    with Image.open(screenshot) as image:
        assert image.size == (1280, 1400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # text, drawings and badges, not a blank page


def test_sorting_and_filtering_in_chromium(chromium, text2mol_report):
    from ada_t5.metrics import score

    morgan = [row["morgan"] for row in score("text2mol", [r[2] for r in TEXT2MOL_ROWS],
                                             [r[1] for r in TEXT2MOL_ROWS], fcd=False).per_example]
    url = text2mol_report.resolve().as_uri()

    def row_order(dom):
        return [int(i) for i in re.findall(r'<tr class="example" data-row="(\d+)"', dom)]

    def hidden(dom):
        return {int(i) for i in re.findall(r'<tr class="example" data-row="(\d+)"[^>]*hidden', dom)}

    scored = sorted((i for i, v in enumerate(morgan) if v is not None), key=lambda i: -morgan[i])
    unscored = [i for i, v in enumerate(morgan) if v is None]
    assert row_order(_dom(chromium, url + "#sort=morgan&dir=desc")) == scored + unscored
    assert row_order(_dom(chromium, url + "#sort=morgan&dir=asc")) == scored[::-1] + unscored
    dom = _dom(chromium, url + "#invalid=1&sort=row&dir=asc")
    assert _body_attributes(dom)["data-shown"] == "2" and hidden(dom) == {0, 1, 3}
    dom = _dom(chromium, url + "#sort=morgan&min=0.999")
    assert hidden(dom) == set(range(len(TEXT2MOL_ROWS))) - {0}  # only the exact match scores 1


def test_mol2text_page_marks_wrong_facts(tmp_path):
    rows = [("OC(=O)c1ccccc1", "The molecule is benzoic acid.",
             "The molecule is a monocarboxylic acid with formula C10H10O2. Its only ring is a benzene ring."),
            ("CCO", "The molecule is ethanol.", "The molecule is a primary alcohol <b>" + EVIL + "</b>.")]
    page = write_report(_write(tmp_path / "p.tsv", "mol2text", rows), text_tokenizer="simple").read_text("utf-8")
    wrong = re.findall(r'<mark class="fact wrong" title="([^"]*)">([^<]*)</mark>', page)
    assert wrong == [("wrong formula; RDKit: C7H6O2", "C10H10O2")]
    assert '<span class="fact right" title="checked: true">a benzene</span>' in page
    assert "facts 2/3 · wrong: C10H10O2 → C7H6O2" in page and "facts 1/1</span>" in page
    assert 'data-facts="1.0"' in page and 'data-facts="0.6666666666666666"' in page  # sortable per row
    assert "ada-t5 fact check</b> (not a MolT5 metric): fact precision 0.750 (3 of 4" in page
    assert EVIL not in page and html.escape(EVIL) in page  # text around the marks is still escaped


def test_a_bad_metrics_json_names_the_file_and_line(tmp_path, capsys):
    from ada_t5.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"bleu": 0.5,\n "rouge": }\n')
    examples = Path(__file__).resolve().parent / "data" / "molt5" / "caption2smiles_example.txt"
    assert main(["report", str(examples), "--metrics", str(bad), "--output", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ada-t5 report: error: ") and f"{bad}:2: --metrics is not valid JSON" in err
    assert not (tmp_path / "r.html").exists()
