"""Everything a training run needs, checked before the first training step rather than at the first
validation hours in: non-empty splits, the caption tokenizer and WordNet the metrics were told to use, FCD,
the Hub (repo id, token) when the model is to be pushed, and a usable output folder.

An empty validation split is an error, not "train without validation" (what a *missing* one means): a file
that holds only its header is almost always a mistake, and training on without best-checkpoint selection
would only show it after the run. Each check raises :class:`ada_t5.errors.PreflightError` (one line, exit 2).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ada_t5.errors import PreflightError

logger = logging.getLogger(__name__)


def check_splits(splits, *, validating: bool, testing: bool, source: str) -> None:
    """Train must hold rows; so must validation when it is used for validation and test when it is scored."""
    used = {"train": True, "validation": validating, "test": testing}
    for name, needed in used.items():
        if needed and name in splits and len(splits[name]) == 0:
            hint = {"train": "",
                    "validation": " (drop --validation_file to train without validation, or --eval_strategy no)",
                    "test": " (pass --do_test false to skip test scoring)"}[name]
            raise PreflightError(f"the {name} split of {source} holds no rows{hint}")


def check_metric_resources(task: str, *, text_tokenizer: str = "auto", meteor="auto", fcd: bool = False) -> None:
    """Load what the task's metrics will need now: a wrong --text_tokenizer, missing WordNet with
    ``--meteor true`` or a missing FCD package fails here, not at the first validation."""
    from ada_t5.metrics.core import MetricResourceError

    try:
        if task == "mol2text":
            from ada_t5.metrics.resources import find_wordnet, load_text_tokenizer, wordnet_missing_message

            load_text_tokenizer(text_tokenizer)
            if meteor is True and find_wordnet() is None:
                raise MetricResourceError(f"--meteor true: {wordnet_missing_message()}")
        elif fcd:
            from ada_t5.metrics.resources import check_fcd_available

            check_fcd_available()
    except MetricResourceError as error:
        raise PreflightError(str(error)) from error


def check_output_dir(output_dir: str | os.PathLike) -> None:
    """The output folder can be created and written."""
    path = Path(output_dir)
    if path.exists() and not path.is_dir():
        raise PreflightError(f"--output_dir {path} is a file, not a folder")
    parent = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PreflightError(f"--output_dir {path}: {parent} is not writable")
