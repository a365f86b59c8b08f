"""``ada-t5 generate``: design molecules from descriptions with a checkpoint (text -> SMILES).

    ada-t5 generate --model RUN_OR_HUB_ID "The molecule is a monocarboxylic acid ..."
    ada-t5 generate --model RUN_OR_HUB_ID --input descriptions.jsonl --output molecules.tsv -n 5 --rank_valid_first

Candidates are printed / written as RDKit canonical SMILES when they parse, each with a validity flag.
"""

from __future__ import annotations

import argparse

from ada_t5.commands._model_io import add_model_arguments, run_model_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser, "generate")
    parser.add_argument("--rank_valid_first", action="store_true",
                        help="list valid candidates before invalid ones (model order kept within each)")


def run(args: argparse.Namespace) -> int:
    return run_model_command(args, "generate")
