"""``compute_metrics`` for ``Seq2SeqTrainer(predict_with_generate=True)``: decode, then score with the suite.

The reference caches of ``text.py`` / ``molecule.py`` make every validation after the first cheap: the
references decode to the same strings each time, so their tokens, molecules, fingerprints and FCD statistics
are reused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ada_t5.metrics.core import check_task

logger = logging.getLogger(__name__)


def _as_token_ids(array: Any, pad_token_id: int) -> np.ndarray:
    if isinstance(array, tuple):  # (generated ids or logits, extra model outputs...)
        array = array[0]
    if isinstance(array, list):  # ragged lists of ids: pad them
        width = max((len(row) for row in array), default=0)
        array = [list(row) + [pad_token_id] * (width - len(row)) for row in array]
    array = np.asarray(array)
    if array.ndim == 3:  # logits (predict_with_generate=False): greedy ids
        array = array.argmax(-1)
    # -100 marks ignored label positions and pads gathered generations; no id below 0 is a token
    return np.where(array < 0, pad_token_id, array).astype(np.int64, copy=False)


def decode(tokenizer: Any, array: Any) -> list[str]:
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = _as_token_ids(array, pad)
    return [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]


def build_compute_metrics(task: str, tokenizer: Any, *, references: Sequence[str] | None = None,
                          postprocess: Callable[[str], str] | None = None,
                          **score_kwargs: Any) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics(EvalPrediction) -> {metric: float}`` for the task's suite.

    Predictions and label ids may hold -100 (replaced by the pad id) and padding; both are decoded with
    ``skip_special_tokens=True`` and stripped. ``references``: the raw reference strings of the evaluation set in
    its order, scored instead of the decoded labels (which a tokenizer may not round-trip exactly).
    ``postprocess``: applied to each decoded output (e.g. undoing a SMILES escaping). Other keyword arguments go
    to ``score_mol2text`` / ``score_text2mol``. Returned keys have no prefix (the Trainer adds ``eval_``);
    metrics that were not computed are left out, since the Trainer's logs hold numbers only.
    """
    from ada_t5.metrics import score

    check_task(task)
    fixed_references = None if references is None else list(references)

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        predictions, label_ids = eval_prediction.predictions, eval_prediction.label_ids
        outputs = decode(tokenizer, predictions)
        if postprocess is not None:
            outputs = [postprocess(output) for output in outputs]
        if fixed_references is not None:
            if len(fixed_references) != len(outputs):
                raise ValueError(f"build_compute_metrics got {len(fixed_references)} references but the evaluation "
                                 f"produced {len(outputs)} predictions")
            refs = fixed_references
        else:
            refs = decode(tokenizer, label_ids)
        scores = score(task, outputs, refs, **score_kwargs)
        for note in scores.notes:
            logger.debug("%s metrics: %s", task, note)
        return scores.floats()

    return compute_metrics
