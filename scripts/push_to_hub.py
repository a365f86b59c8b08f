#!/usr/bin/env python
"""Upload a checkpoint, its tokenizer and a generated model card to the Hugging Face Hub (``ada-t5 push``).

``python scripts/push_to_hub.py runs/chebi20-mol2text me/my-model [--dry_run] [--metrics test_metrics.json]``
"""
import sys

from ada_t5.cli import parse_and_run
from ada_t5.commands import push
from ada_t5.errors import run_command


def main(argv=None) -> int:
    return parse_and_run(push, argv, prog="push_to_hub.py", description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(run_command(main))
