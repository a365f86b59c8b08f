#!/usr/bin/env python
"""Size, build time and open time of ``ada-t5 report`` on a whole test set (MolT5's released ChEBI-20 outputs).

For each task it builds the report of the full file (3,300 rows; ``--rows N`` for the first N) with this
checkout's ``ada_t5.report``, then opens it ``--runs`` times in headless Chromium (Playwright driving the system
``chromium``), each time in a fresh browser context, and reads the Performance API:

  first paint / first contentful paint   performance.getEntriesByType('paint')
  DOMContentLoaded, load                  the navigation entry
  rows shown, first page drawn            the page's own marks (ada-t5:rows-shown, ada-t5:first-page-drawn:
                                          the first page's drawings decoded and a frame requested after)

A report built by another version (the old one, with every drawing inline) is measured with ``--html FILE``
(``--task`` names its task); it has no marks, so "first page drawn" is the load event (every image loaded),
waited for ``--load_timeout`` seconds at most (``loaded_within_limit: false`` when it did not come).

    python bench/report_scale.py                                  # both tasks, full files
    python bench/report_scale.py --task text2mol --rows 500
    python bench/report_scale.py --html old_report.html --task text2mol

Writes bench/results/report_scale.json (``--output``); times are medians over the runs, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = {"text2mol": "molt5-large-caption2smiles.txt", "mol2text": "molt5-large-smiles2caption.txt"}

TIMINGS = """() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  const nav = performance.getEntriesByType('navigation')[0];
  const mark = name => { const m = performance.getEntriesByName(name, 'mark')[0]; return m ? m.startTime : null; };
  return {first_paint: paint['first-paint'] ?? null, first_contentful_paint: paint['first-contentful-paint'] ?? null,
          dom_content_loaded: nav.domContentLoadedEventEnd || null, load: nav.loadEventEnd || null,
          rows_shown: mark('ada-t5:rows-shown'), first_page_drawn: mark('ada-t5:first-page-drawn'),
          rows_in_report: +document.body.dataset.rows, images_in_document: document.images.length,
          images_loaded: Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length};
}"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--task", choices=tuple(FILES), action="append", help="default: both")
    p.add_argument("--rows", type=int, default=None, help="only the first N rows (default: the whole file)")
    p.add_argument("--html", type=Path, default=None, help="measure this already-built report (one --task)")
    p.add_argument("--runs", type=int, default=3, help="page loads per report; medians are reported")
    p.add_argument("--load_timeout", type=float, default=600,
                   help="seconds to wait for the load event of a report without marks (--html); then noted")
    p.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "report_scale.json")
    return p.parse_args(argv)


def build(task: str, data_dir: Path, rows: int | None, out: Path) -> dict:
    from ada_t5.report import write_report

    vocab = data_dir / "scibert_scivocab_uncased" / "vocab.txt"
    started = time.perf_counter()
    write_report(data_dir / "molt5_predictions" / FILES[task], out, plots=[], task=task, max_examples=rows,
                 text_tokenizer=str(vocab) if vocab.is_file() else "simple")
    return {"build_s": round(time.perf_counter() - started, 1)}


def open_times(html: Path, chromium: str, runs: int, load_timeout: float) -> dict:
    from playwright.sync_api import TimeoutError as LoadTimeout, sync_playwright

    results = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(600_000)
            started = time.perf_counter()
            page.goto(html.resolve().as_uri(), wait_until="commit")
            page.wait_for_function("performance.getEntriesByType('paint').length > 0", polling=50)
            timing = {"loaded_within_limit": True}
            if page.evaluate("document.getElementById('data') !== null"):  # this version: wait for its drawings
                page.wait_for_function("document.body.dataset.ready === '1' || !!document.body.dataset.error")
                error = page.evaluate("document.body.dataset.error || ''")
                assert not error, error
            else:  # every drawing inline: the page is complete at its load event, if it comes
                try:
                    page.wait_for_load_state("load", timeout=load_timeout * 1000)
                except LoadTimeout:
                    timing["loaded_within_limit"] = False
            wall = time.perf_counter() - started
            page.wait_for_timeout(200)  # let the paint entries be recorded
            timing.update(page.evaluate(TIMINGS))
            timing["wall_until_drawn_ms"] = round(wall * 1000) if timing["loaded_within_limit"] else None
            results.append(timing)
            context.close()
        browser.close()
    summary = {}
    for key in results[0]:
        values = [r[key] for r in results if r[key] is not None]
        if key == "loaded_within_limit":
            summary[key] = all(values)
        else:
            summary[key] = round(statistics.median(values)) if values else None
    summary["runs"] = runs
    return summary


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.chromium is None:
        print("error: no chromium found (apt-get install chromium, or --chromium PATH)", file=sys.stderr)
        return 2
    tasks = args.task or list(FILES)
    if args.html is not None and len(tasks) != 1:
        print("error: --html needs exactly one --task (the report's task)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    record = {"command": "python bench/report_scale.py " + " ".join(sys.argv[1:] if argv is None else argv),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
              "load_average_at_start": os.getloadavg(), "reports": {}}
    with tempfile.TemporaryDirectory() as folder:
        for task in tasks:
            if args.html is not None:
                html, entry = args.html, {"file": str(args.html)}
            else:
                html = Path(folder) / f"{task}.html"
                entry = build(task, args.data_dir, args.rows, html)
            entry["size_mb"] = round(html.stat().st_size / 1e6, 2)
            entry.update(open_times(html, args.chromium, args.runs, args.load_timeout))
            record["reports"][task] = entry
            print(task, json.dumps(entry), flush=True)
    record["load_average_at_end"] = os.getloadavg()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
