"""``ada-t5 caption``: describe molecules with a checkpoint (SMILES -> text).

    ada-t5 caption --model RUN_OR_HUB_ID "CCO" "c1ccccc1O"
    ada-t5 caption --model RUN_OR_HUB_ID --input molecules.tsv --output captions.jsonl -n 3

Exit status 2 with a one-line message for a missing checkpoint, an unreadable input file or (unless
``--on_invalid flag``) a SMILES that RDKit cannot parse.
"""

from __future__ import annotations

import argparse

from ada_t5.commands._model_io import add_model_arguments, run_model_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser, "caption")
    parser.add_argument("--rank_by_facts", action="store_true",
                        help="with -n >= 2: candidates ordered by how many stated facts RDKit refutes, fewest first")
    parser.add_argument("--canonicalize", action="store_true",
                        help="give the model RDKit's canonical SMILES instead of the input as written")


def run(args: argparse.Namespace) -> int:
    return run_model_command(args, "caption")
