"""The ``ada-t5`` command: a thin dispatcher over subcommands that live beside the code they drive.

Each subcommand module exposes ``add_arguments(parser)`` and ``run(args) -> int``, or, for the training
commands whose flags come from dataclasses (HfArgumentParser), ``PASSTHROUGH = True`` and ``main(argv)``.
A module is imported only when chosen, so ``ada-t5 --help`` stays instant (no torch / RDKit import).
Every subcommand fails the same way on a user's mistake (``ada_t5.errors.run_command``): one ``error:`` line,
exit status 2; flags are documented in snake_case and accepted in kebab-case too.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from ada_t5.errors import ArgumentParser, run_command

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "evaluate": ("ada_t5.metrics.cli", "score a predictions TSV with MolT5's metrics"),
    "data": ("ada_t5.commands.data", "download a public data set (chebi20, pcdes, ada-t5-samples), checked"),
    "finetune": ("ada_t5.commands.finetune", "fine-tune a T5 (same as scripts/finetune.py)"),
    "test": ("ada_t5.commands.test", "generate for a split with a checkpoint and score it (scripts/test.py)"),
    "train-tokenizer": ("ada_t5.commands.train_tokenizer", "train a SentencePiece T5 tokenizer on SMILES + text"),
    "pretrain": ("ada_t5.commands.pretrain", "domain-adaptation pre-training (same as scripts/pretrain.py)"),
    "pseudo": ("ada_t5.commands.pseudo", "write pseudo descriptions for molecules with an LLM (retrieval prompts)"),
    "caption": ("ada_t5.commands.caption", "describe molecules with a checkpoint (SMILES -> text)"),
    "generate": ("ada_t5.commands.generate", "design molecules from descriptions with a checkpoint (text -> SMILES)"),
    "baseline": ("ada_t5.commands.baseline", "retrieval baseline: nearest train molecule's description / SMILES"),
    "report": ("ada_t5.commands.report", "write a self-contained HTML report of a predictions TSV"),
    "demo": ("ada_t5.commands.demo", "open an interactive page to try a checkpoint in the browser (Gradio)"),
    "plot": ("ada_t5.commands.plot", "draw training curves of a run folder to PNG"),
    "push": ("ada_t5.commands.push", "upload a checkpoint with a generated model card to the Hub"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="ada-t5", description=__doc__.splitlines()[0])
    parser.add_argument("--log_level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(_dispatch, argv)


def _dispatch(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    top, rest = parser.parse_known_args(argv)
    if top.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=top.log_level.upper(), format=LOG_FORMAT)
    module = importlib.import_module(COMMANDS[top.command][0])
    if getattr(module, "PASSTHROUGH", False):
        return int(module.main(rest) or 0)
    sub_parser = ArgumentParser(prog=f"ada-t5 {top.command}", description=COMMANDS[top.command][1])
    module.add_arguments(sub_parser)
    # the remaining argv after the command name belongs to the subcommand
    args = sub_parser.parse_args(rest)
    return int(module.run(args) or 0)


def parse_and_run(module, argv: list[str] | None, *, prog: str, description: str | None = None) -> int:
    """A subcommand module's own ``main`` (its script, ``python -m``): its parser, INFO logging, ``run(args)``."""
    parser = ArgumentParser(prog=prog, description=description or module.__doc__.splitlines()[0])
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return module.run(args)


if __name__ == "__main__":
    sys.exit(main())
