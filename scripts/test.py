#!/usr/bin/env python
"""Generate for a split with a checkpoint and score it (the paper's test.sh).

``python scripts/test.py --model_name_or_path runs/demo --task mol2text --dataset demo --split test``
writes ``<split>_predictions.tsv`` (MolT5's evaluation format) and ``<split>_metrics.json``.
"""
import sys

from ada_t5.commands.test import main
from ada_t5.errors import run_command

if __name__ == "__main__":
    sys.exit(run_command(main))
