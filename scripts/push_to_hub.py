#!/usr/bin/env python
"""Upload a checkpoint, its tokenizer and a generated model card to the Hugging Face Hub (``ada-t5 push``).

``python scripts/push_to_hub.py runs/chebi20-mol2text me/my-model [--dry_run] [--metrics test_metrics.json]``
"""
import argparse
import logging
import sys

from ada_t5.commands import push

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="push_to_hub.py", description=__doc__.splitlines()[0])
    push.add_arguments(parser)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(push.run(parser.parse_args()))
