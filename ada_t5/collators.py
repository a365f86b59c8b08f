"""Batch collators: pad source/target pairs per batch (dynamic padding, labels padded with -100). The
pre-training objectives' collators are beside their objective (:mod:`ada_t5.pretrain.objectives`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

LABEL_PAD = -100


def pad_sequences(sequences: Sequence[Sequence[int]], pad_value: int, multiple_of: int | None = None) -> np.ndarray:
    longest = max((len(s) for s in sequences), default=0)
    if multiple_of:
        longest = -(-longest // multiple_of) * multiple_of
    out = np.full((len(sequences), longest), pad_value, dtype=np.int64)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq
    return out


@dataclass
class Seq2SeqCollator:
    """Pads ``input_ids`` with the pad id (mask derived from lengths) and ``labels`` with -100.

    Only ``input_ids`` and ``labels`` are read, so extra dataset columns (``length`` for the
    length-grouped sampler) can stay in the dataset with ``remove_unused_columns=False``.
    ``pad_to_multiple_of=8`` keeps tensor-core friendly shapes on GPUs.
    """

    pad_token_id: int
    pad_to_multiple_of: int | None = None

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        sources = [f["input_ids"] for f in features]
        input_ids = pad_sequences(sources, self.pad_token_id, self.pad_to_multiple_of)
        lengths = np.array([len(s) for s in sources])
        attention_mask = (np.arange(input_ids.shape[1])[None, :] < lengths[:, None]).astype(np.int64)
        batch = {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(attention_mask)}
        if "labels" in features[0]:
            labels = pad_sequences([f["labels"] for f in features], LABEL_PAD, self.pad_to_multiple_of)
            batch["labels"] = torch.from_numpy(labels)
        return batch
