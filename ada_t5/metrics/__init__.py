"""MolT5's evaluation metrics, reproduced exactly, made fast, usable from Python, the Trainer and the CLI.

* ``score_mol2text`` / ``score_text2mol`` / ``score`` -> ``Scores`` (aggregate, per-example rows, notes)
* ``build_compute_metrics`` -> a ``compute_metrics`` for ``Seq2SeqTrainer(predict_with_generate=True)``
* ``read_predictions`` / ``write_predictions``: MolT5's TSV format
* ``ada-t5 evaluate`` (``ada_t5.metrics.cli``)

Importing this package is cheap: RDKit, NLTK, torch and FCD load on first use (PEP 562 lazy attributes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ada_t5.metrics.core import (
    KEYS,
    LOWER_IS_BETTER,
    MOL2TEXT_KEYS,
    TASKS,
    TEXT2MOL_KEYS,
    MetricResourceError,
    Scores,
    Text2MolScorer,
    check_task,
)

_LAZY = {
    "score_mol2text": "ada_t5.metrics.text",
    "score_text2mol": "ada_t5.metrics.molecule",
    "build_compute_metrics": "ada_t5.metrics.hook",
    "read_predictions": "ada_t5.metrics.io",
    "write_predictions": "ada_t5.metrics.io",
    "PredictionFile": "ada_t5.metrics.io",
    "PredictionFileError": "ada_t5.metrics.io",
    "load_text_tokenizer": "ada_t5.metrics.resources",
    "find_wordnet": "ada_t5.metrics.resources",
}

__all__ = ["KEYS", "LOWER_IS_BETTER", "MOL2TEXT_KEYS", "TASKS", "TEXT2MOL_KEYS", "MetricResourceError", "Scores",
           "Text2MolScorer", "clear_caches", "score", *_LAZY]

if TYPE_CHECKING:  # the names of _LAZY for type checkers; they are in __all__ through _LAZY
    from ada_t5.metrics.hook import build_compute_metrics  # noqa: F401
    from ada_t5.metrics.io import PredictionFile, PredictionFileError, read_predictions, write_predictions  # noqa: F401
    from ada_t5.metrics.molecule import score_text2mol  # noqa: F401
    from ada_t5.metrics.resources import find_wordnet, load_text_tokenizer  # noqa: F401
    from ada_t5.metrics.text import score_mol2text  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ada_t5.metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def score(task: str, outputs, references, **kwargs: Any) -> Scores:
    """``score_mol2text`` or ``score_text2mol`` by task name; keyword arguments go to that function."""
    if check_task(task) == "mol2text":
        from ada_t5.metrics.text import score_mol2text

        return score_mol2text(outputs, references, **kwargs)
    from ada_t5.metrics.molecule import score_text2mol

    return score_text2mol(outputs, references, **kwargs)


def clear_caches() -> None:
    """Forget cached reference data (tokens, molecules, fingerprints, FCD statistics) and loaded tokenizers."""
    from ada_t5.metrics import resources, text

    text.clear_cache()
    resources.clear_tokenizer_cache()
    import sys

    if "ada_t5.metrics.molecule" in sys.modules:
        sys.modules["ada_t5.metrics.molecule"].clear_cache()
