#!/usr/bin/env python
"""Upload a checkpoint, its tokenizer and a generated model card to the Hugging Face Hub (``ada-t5 push``).

``python scripts/push_to_hub.py runs/chebi20-mol2text me/my-model [--dry_run] [--metrics test_metrics.json]``
"""
import logging
import sys

from ada_t5.commands import push
from ada_t5.errors import ArgumentParser, run_command


def main(argv=None) -> int:
    parser = ArgumentParser(prog="push_to_hub.py", description=__doc__.splitlines()[0])
    push.add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return push.run(args)


if __name__ == "__main__":
    sys.exit(run_command(main))
