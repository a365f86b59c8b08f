"""`ada-t5 demo` for real: the CLI serves the Gradio page on 127.0.0.1, headless Chromium (driven by Playwright)
types a SMILES and a description, and the page must show captions, drawings and validity flags, with a
user's markup shown as text. Screenshots go to $ADA_T5_SCREENSHOTS (default: the test's tmp folder)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import find_chromium
from tiny_checkpoints import trained_run

pytest.importorskip("gradio", reason="the demo page needs the [demo] extra (gradio)")
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="browser tests need playwright (pip install playwright)")

MARKUP = "The molecule is <b>bold</b> & an aromatic ketone."


def _chromium() -> str:
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    command = [sys.executable, "-m", "ada_t5.cli", "demo", "--caption_model", str(trained_run("mol2text")),
               "--design_model", str(trained_run("text2mol")), "--port", str(port), "--device", "cpu"]
    with open(log, "w") as handle:
        server = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the demo did not start in 180 s:\n" + log.read_text()[-3000:])
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def page(demo_url):
    chromium = _chromium()
    with playwright_api.sync_playwright() as driver:
        try:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        except playwright_api.Error as error:
            pytest.skip(f"playwright cannot drive {chromium}: {str(error).splitlines()[0]}")
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.set_default_timeout(120_000)
        page.goto(demo_url)
        yield page
        browser.close()


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("ADA_T5_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_caption_tab_draws_the_molecule_and_writes_captions(page, tmp_path):
    page.locator("#smiles-input textarea").fill("CC(=O)Oc1ccccc1C(=O)O")
    page.locator("#caption-button").click()
    output = page.locator("#caption-output")
    output.locator("img.mol").wait_for()
    assert output.locator("li.caption").count() == 1
    assert output.locator("li.caption").first.inner_text().strip()
    _screenshot(page, tmp_path, "demo-caption.png")
    page.locator("#smiles-input textarea").fill("C1CC")
    page.locator("#caption-button").click()
    page.locator("#caption-output .error").wait_for()
    assert "C1CC" in page.locator("#caption-output .error").inner_text()


def test_design_tab_shows_a_flagged_grid_and_escapes_markup(page, tmp_path):
    page.get_by_role("tab", name="Design").click()
    page.locator("#description-input textarea").fill(MARKUP)
    page.locator("#design-button").click()
    output = page.locator("#design-output")
    output.locator(".summary").wait_for()
    cells = output.locator(".cell")
    assert cells.count() == 4  # every candidate shown, invalid ones included
    valid = output.locator(".cell.valid").count()
    assert output.locator(".flag").count() == 4
    assert output.locator(".cell.valid img.mol").count() == valid
    assert output.locator(".cell.invalid .flag.bad").count() == 4 - valid
    assert MARKUP in output.locator(".query").inner_text()  # shown as text ...
    assert output.locator(".query b").count() == 0  # ... never as markup
    _screenshot(page, tmp_path, "demo-design.png")
