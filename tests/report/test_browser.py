"""The report in headless Chromium (Playwright driving the system chromium): the compressed rows decode, page 1
shows its rows with their molecules drawn (and only those), the pager shows other rows, sorting and filtering
work across pages, and text from the file shows as text. Screenshots go to $ADA_T5_SCREENSHOTS (default: the
test's tmp folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import find_chromium

from ada_t5.metrics import score, write_predictions
from ada_t5.report import PAGE_SIZE, write_report
from ada_t5.report.rows import read_page_data

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="browser tests need playwright (pip install playwright)")

EVIL = '<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1"> & <b>bold</b>'
EVIL_ROW = 7
TAILS = ["O", "N", "Cl", "C(=O)O", "c1ccccc1", "OC"]


def _rows(n: int = 120):
    rows = []
    for i in range(n):
        reference = "C" * (1 + i % 9) + TAILS[i % len(TAILS)]
        output = reference if i % 3 == 0 else (
            "C1CC(" if i % 5 == 0 else "C" * (2 + i % 7) + TAILS[(i + 1) % len(TAILS)])
        description = f"The molecule is number {i}." + (" " + EVIL if i == EVIL_ROW else "")
        rows.append((description, reference, output))
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    predictions = folder / "test_predictions.tsv"
    write_predictions(predictions, "text2mol", *zip(*ROWS))
    return write_report(predictions)


@pytest.fixture(scope="module")
def browser():
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    with playwright_api.sync_playwright() as driver:
        try:
            browser = driver.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        except playwright_api.Error as error:
            pytest.skip(f"playwright cannot drive {path}: {str(error).splitlines()[0]}")
        yield browser
        browser.close()


def _open(browser, path: Path, fragment: str = ""):
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.set_default_timeout(60_000)
    page.goto(path.resolve().as_uri() + fragment)
    page.wait_for_function("document.body.dataset.ready === '1' || !!document.body.dataset.error")
    assert not page.evaluate("document.body.dataset.error || ''")
    return page


def _shown_rows(page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("#rows tr.example", "rows => rows.map(r => r.dataset.row)")]


def _drawn(page) -> dict:
    """The page's molecule drawings: how many, how many decoded at their size, and the rows they belong to."""
    return page.eval_on_selector_all("img", """imgs => ({
        total: imgs.length,
        decoded: imgs.filter(i => i.classList.contains('mol') && i.complete && i.naturalWidth === 260).length,
        rows: [...new Set(imgs.map(i => +i.closest('tr').dataset.row))]})""")


def _expected_drawings(report: Path, rows) -> int:
    data = read_page_data(report.read_text("utf-8"))
    return sum(index >= 0 for i in rows for index in data["rows"][i]["img"])


def _screenshot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("ADA_T5_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))
    assert (folder / name).stat().st_size > 10_000


def test_page_one_shows_its_rows_with_their_drawings_only(browser, report, tmp_path):
    page = _open(browser, report, "#sort=row&dir=asc")
    first = list(range(PAGE_SIZE))
    assert _shown_rows(page) == first
    drawn = _drawn(page)
    expected = _expected_drawings(report, first)
    assert expected > PAGE_SIZE and drawn["total"] == drawn["decoded"] == expected  # every drawing decodes ...
    assert set(drawn["rows"]) <= set(first)  # ... and only this page's molecules are drawn
    assert page.evaluate("document.body.dataset.imagesBroken") == "0"
    assert page.locator("#shown").inner_text() == f"{len(ROWS)} of {len(ROWS)} shown"
    assert page.locator(".pager .where").first.inner_text() == f"page 1 of 3 (rows 1–{PAGE_SIZE})"
    assert page.locator(".pager .prev").first.is_disabled()
    _screenshot(page, tmp_path, "report-page1.png")
    page.close()


def test_the_pager_shows_other_rows_drawn(browser, report):
    page = _open(browser, report, "#sort=row&dir=asc")
    page.locator(".controls:not(.bottom) .pager .next").click()
    page.wait_for_function("document.body.dataset.drawn === '2'")
    second = list(range(PAGE_SIZE, 2 * PAGE_SIZE))
    assert _shown_rows(page) == second
    drawn = _drawn(page)
    assert drawn["total"] == drawn["decoded"] == _expected_drawings(report, second)
    assert set(drawn["rows"]) <= set(second)
    page.locator(".controls.bottom .pager .next").click()
    page.wait_for_function("document.body.dataset.drawn === '3'")
    assert _shown_rows(page) == list(range(2 * PAGE_SIZE, len(ROWS)))
    assert page.locator(".pager .next").first.is_disabled()
    page.locator(".pager .prev").first.click()
    page.wait_for_function("document.body.dataset.drawn === '2'")
    assert _shown_rows(page) == second
    page.close()
    page = _open(browser, report, "#sort=row&dir=asc&page=3")  # a page can be linked
    assert _shown_rows(page) == list(range(2 * PAGE_SIZE, len(ROWS)))
    page.close()


def test_markup_in_a_description_shows_as_text(browser, report):
    page = _open(browser, report, "#sort=row&dir=asc")
    cell = page.locator(f'#rows tr[data-row="{EVIL_ROW}"] td.text')
    assert cell.inner_text().strip() == f"The molecule is number {EVIL_ROW}. {EVIL}"
    assert cell.locator("b, script, img").count() == 0  # not one element made from the text
    assert page.title() != "pwned" and page.evaluate("document.body.dataset.pwned") is None
    page.close()
    page = _open(browser, report, "#q=" + "document.title")  # the search reads the same text
    assert _shown_rows(page) == [EVIL_ROW]
    page.close()


def test_sorting_and_filtering_run_over_all_pages(browser, report):
    morgan = [row["morgan"] for row in score("text2mol", [r[2] for r in ROWS], [r[1] for r in ROWS],
                                             fcd=False).per_example]
    scored = sorted((i for i, v in enumerate(morgan) if v is not None), key=lambda i: (-morgan[i], i))
    page = _open(browser, report, "#sort=morgan&dir=desc")
    assert _shown_rows(page) == scored[:PAGE_SIZE]
    page.close()
    invalid = [i for i, v in enumerate(morgan) if v is None]
    page = _open(browser, report, "#invalid=1&sort=row&dir=asc")
    assert _shown_rows(page) == invalid and page.evaluate("document.body.dataset.shown") == str(len(invalid))
    assert page.locator("#rows .badge.bad").count() == len(invalid)
    page.locator("#invalid").uncheck()  # the controls re-filter and go back to page 1
    page.wait_for_function(f"document.body.dataset.shown === '{len(ROWS)}'")
    assert _shown_rows(page) == list(range(PAGE_SIZE))
    page.close()


def test_mol2text_captions_show_their_fact_marks_as_text(browser, tmp_path):
    rows = [("OC(=O)c1ccccc1", "The molecule is benzoic acid.",
             "The molecule is a monocarboxylic acid with formula C10H10O2. Its only ring is a benzene ring."),
            ("CCO", "The molecule is ethanol.", "The molecule is a primary alcohol " + EVIL)]
    predictions = tmp_path / "p.tsv"
    write_predictions(predictions, "mol2text", *zip(*rows))
    page = _open(browser, write_report(predictions, text_tokenizer="simple"), "#sort=row&dir=asc")
    first = page.locator('#rows tr[data-row="0"]')
    wrong = first.locator("mark.fact.wrong")
    assert wrong.count() == 1 and wrong.inner_text() == "C10H10O2"
    assert wrong.get_attribute("title") == "wrong formula; RDKit: C7H6O2"
    assert first.locator("span.fact.right").count() == 2
    assert first.locator(".badge.facts").inner_text() == "facts 2/3 · wrong: C10H10O2 → C7H6O2"
    caption = page.locator('#rows tr[data-row="1"] td.text').nth(1)
    assert caption.inner_text().startswith("The molecule is a primary alcohol " + EVIL)
    assert caption.locator("b, script, img").count() == 0
    assert _drawn(page)["decoded"] == 2  # the input molecules
    page.close()
