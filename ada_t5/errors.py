"""One way every entry point fails on a user's mistake: ``error: <message>`` on one line, exit status 2.

:class:`AdaT5Error` is the base of the project's own error types (bad data, config, resources, inputs):
each already names the file, line and field. :func:`run_command` wraps ``main`` of every script and
``ada-t5`` subcommand: those errors, YAML errors and missing files end in one line and status 2; anything
else is a bug and keeps its traceback, as does everything with ``ADA_T5_DEBUG=1``.
:class:`ArgumentParser` accepts ``--snake_case`` and ``--kebab-case`` spellings of every long option.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

DEBUG_ENV = "ADA_T5_DEBUG"
USAGE_ERROR = 2


class AdaT5Error(Exception):
    """A user's mistake (bad input, config or environment) with a message that says what to change."""


class ArgumentError(AdaT5Error, ValueError):
    """A command-line or config value that cannot work (checked before any work starts)."""


class PreflightError(AdaT5Error, RuntimeError):
    """Something a training run needs is missing or wrong; found before the first training step."""


def is_user_error(error: BaseException) -> bool:
    import yaml

    return isinstance(error, (AdaT5Error, yaml.YAMLError, FileNotFoundError, IsADirectoryError,
                              NotADirectoryError, PermissionError, FileExistsError))


def error_message(error: BaseException) -> str:
    """One line: the message of the error (a file error names its file), without a traceback."""
    if isinstance(error, OSError) and error.filename and not str(error).startswith(str(error.filename)) \
            and str(error.filename) not in str(error):
        text = f"{error.filename}: {error.strerror or error}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split()) if "\n" in text else text


def run_command(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """``sys.exit(run_command(main))``: the status of ``main``, or 2 with ``error: ...`` for a user's mistake."""
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        return int(main(argv) or 0)
    try:
        return int(main(argv) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # sorted into user mistakes and bugs below
        if not is_user_error(error):
            raise
        print(f"error: {error_message(error)}", file=sys.stderr, flush=True)
        return USAGE_ERROR


def other_spelling(option: str) -> str | None:
    """``--text-tokenizer`` <-> ``--text_tokenizer``; None for short or one-word options."""
    if not option.startswith("--"):
        return None
    name = option[2:]
    if "_" in name:
        return "--" + name.replace("_", "-")
    if "-" in name:
        return "--" + name.replace("-", "_")
    return None


class ArgumentParser(argparse.ArgumentParser):
    """argparse that takes both spellings of long options (help shows the documented one) and reports a bad
    argument as one ``error:`` line with exit status 2."""

    def __init__(self, *args, **kwargs):
        self.spellings: dict[str, str] = {}  # the other spelling -> the documented one
        super().__init__(*args, **kwargs)

    def add_argument(self, *names, **kwargs):
        self._remember(names)
        return super().add_argument(*names, **kwargs)

    def add_argument_group(self, *args, **kwargs):
        group = super().add_argument_group(*args, **kwargs)
        original = group.add_argument

        def add_argument(*names, **kw):
            self._remember(names)
            return original(*names, **kw)

        group.add_argument = add_argument
        return group

    def _remember(self, names) -> None:
        for name in names:
            other = other_spelling(name)
            if other:
                self.spellings[other] = name

    def parse_known_args(self, args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        rewritten = []
        for token in args:
            if token == "--":
                rewritten.extend(args[len(rewritten):])
                break
            name, sep, value = token.partition("=")
            rewritten.append(self.spellings.get(name, name) + sep + value if name in self.spellings else token)
        return super().parse_known_args(rewritten, namespace)

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"error: {self.prog}: {message} (see {self.prog} --help)\n")
