"""``ada-t5 report predictions.tsv``: one self-contained HTML page of a predictions file.

    ada-t5 report runs/demo-mol2text/test_predictions.tsv --metrics runs/demo-mol2text/test_metrics.json
    ada-t5 report preds.tsv --output report.html --plots runs/x/plots/loss.png --max_examples 500

The page: the metric table, the training curves (``plots/*.png`` beside the file, or ``--plots``), then every
example (the whole file by default), 50 a page, with its molecules drawn, sortable and filterable by
per-example score, invalid outputs flagged. The rows are embedded compressed, so a full ChEBI-20 test split
stays a few MB (bench/report_scale.py).
"""

from __future__ import annotations

import argparse
import sys
import time

from ada_t5.tasks import TASK_NAMES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("predictions", metavar="predictions.tsv", help="MolT5-format predictions (scripts/test.py)")
    parser.add_argument("--metrics", metavar="metrics.json", default=None,
                        help="metrics JSON for the table (default: the aggregate computed from the file)")
    parser.add_argument("--output", "-o", default=None, help="HTML file (default: the TSV's name with .html)")
    parser.add_argument("--plots", nargs="*", default=None, metavar="PNG",
                        help="PNG files to include (default: plots/*.png beside the TSV; none: --plots)")
    parser.add_argument("--title", default=None, help="page title")
    parser.add_argument("--task", choices=TASK_NAMES, default=None, help="default: from the header")
    parser.add_argument("--text_tokenizer", default="auto",
                        help="caption tokenizer for per-example BLEU (see ada-t5 evaluate); default auto")
    parser.add_argument("--max_examples", type=int, default=None, help="only the first N rows (default: every row)")


def run(args: argparse.Namespace) -> int:
    import json

    from ada_t5.metrics import MetricResourceError
    from ada_t5.metrics.io import PredictionFileError
    from ada_t5.report import write_report

    started = time.perf_counter()
    try:
        path = write_report(args.predictions, args.output, metrics=args.metrics, plots=args.plots,
                            title=args.title, task=args.task, text_tokenizer=args.text_tokenizer,
                            max_examples=args.max_examples)
    except (PredictionFileError, MetricResourceError, OSError, json.JSONDecodeError) as error:
        print(f"ada-t5 report: error: {error}", file=sys.stderr)
        return 2
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")
    return 0
