"""``ada-t5 plot RUN_DIR``: draw a run's training curves (loss, learning rate, validation metrics) to PNG.

    ada-t5 plot runs/demo-mol2text                 # -> runs/demo-mol2text/plots/{loss,validation}.png
    ada-t5 plot runs/demo-mol2text --output_dir figures

``ada-t5 report`` includes ``plots/*.png`` found beside the predictions file.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a training output folder (or a checkpoint-* folder)")
    parser.add_argument("--output_dir", default=None, help="where the PNGs go (default: RUN_DIR/plots)")
    parser.add_argument("--dpi", type=int, default=110, help="resolution (default 110)")


def run(args: argparse.Namespace) -> int:
    from ada_t5.plots import NoTrainingLogError, plot_run

    try:
        written = plot_run(args.run_dir, args.output_dir, dpi=args.dpi)
    except (NoTrainingLogError, ValueError, KeyError) as error:
        print(f"ada-t5 plot: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0
