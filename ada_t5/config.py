"""Configuration: typed dataclasses filled from a YAML file, then overridden on the command line.

``scripts/finetune.py configs/finetune/chebi20.yaml --learning_rate 5e-4`` reads the YAML, makes its
values the parser's defaults, and lets any flag override them. Every YAML key must belong to one of
the dataclasses: a typo is an error naming the file and the key, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import yaml

from ada_t5.errors import AdaT5Error


class ConfigError(AdaT5Error, ValueError):
    pass


def read_yaml(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(err, 'problem', None) or err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of setting: value at the top level")
    return data


def parse_config(dataclass_types: Sequence[type], argv: Sequence[str] | None = None, *,
                 ignore_unknown_config_keys: bool = False):
    """Return one instance per dataclass, from ``[CONFIG.yaml] [--flag value ...]``.

    ``ignore_unknown_config_keys`` lets a command read only its part of another command's config (e.g.
    ``scripts/test.py`` takes the data settings of a fine-tuning YAML).
    """
    import sys

    from transformers import HfArgumentParser

    class Parser(HfArgumentParser):  # a bad flag: one line, exit status 2 (as every ada-t5 command)
        def error(self, message: str):
            self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = Parser(dataclass_types)
    if argv and not argv[0].startswith("-") and argv[0].endswith((".yaml", ".yml")):
        config_path, argv = argv[0], argv[1:]
        values = read_yaml(config_path)
        known = {f.name for cls in dataclass_types for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(values) - known)
        if ignore_unknown_config_keys:
            values = {k: v for k, v in values.items() if k in known}
        elif unknown:
            raise ConfigError(f"{config_path}: unknown setting(s) {', '.join(unknown)}")
        parser.set_defaults(**values)
    try:
        return parser.parse_args_into_dataclasses(args=argv, look_for_args_file=False)
    except ValueError as err:  # a dataclass's (ours or transformers') check of a value the user gave
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(str(err).strip()) from err


def configure_logging(training_args) -> int:
    """One log level per process for ada_t5, transformers and datasets: ``--log_level`` on the main process,
    ``--log_level_replica`` (default warning) on the others, through ``get_process_log_level()``. The main
    process's default (``passive``) keeps ada_t5 at INFO and leaves transformers' and datasets' own levels."""
    import logging

    import datasets
    import transformers

    from ada_t5.cli import LOG_FORMAT

    level = training_args.get_process_log_level()
    passive_main = training_args.should_log and training_args.log_level == "passive"
    ours = logging.INFO if passive_main else level
    logging.basicConfig(level=ours, format=LOG_FORMAT)
    logging.getLogger("ada_t5").setLevel(ours)
    if not passive_main:
        transformers.utils.logging.set_verbosity(level)
        datasets.utils.logging.set_verbosity(level)
    return ours


def run_from_config(dataclass_types: Sequence[type], run, argv: Sequence[str] | None = None) -> int:
    """A training command's ``main``: its arguments from a YAML config and the command line (the training
    arguments last), logging set from them, then ``run(*arguments)``."""
    import sys

    parsed = parse_config(dataclass_types, list(sys.argv[1:] if argv is None else argv))
    configure_logging(parsed[-1])  # --log_level / --log_level_replica
    run(*parsed)
    return 0
