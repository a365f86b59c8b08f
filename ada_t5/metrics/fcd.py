"""Frechet ChemNet Distance as MolT5's ``evaluation/fcd_metric.py`` computes it with the ``fcd`` package (1.2.2).

MolT5: outputs that are empty become ``"[]"``; both lists go through fcd's ``canonical_smiles`` and the
``None``s are dropped; then ``get_fcd(canonical_references, canonical_outputs, load_ref_model())``.

``get_fcd`` runs ChemNet over each list (``SmilesDataset`` pads every one-hot SMILES of a list to
max(350, longest + 1), batches of 128), takes mean and covariance of the activations and the Frechet distance.
Here the same model sees the same padded inputs, but: each distinct SMILES is run once; the one-hot tensors are
built in float32 directly (equal to fcd's float64 ``1/35`` cast to float32); no DataLoader worker process; and
the references' mean/covariance are cached. ChemNet's activations do not depend on batch composition (checked
bit for bit in tests/metrics/test_molecule.py), so the distance matches fcd's to the last digits.

Deliberate deviation (opt-in only): ``max_length`` can leave out outputs whose canonical SMILES is longer,
because one such output makes ChemNet pad every output to its length (time grows linearly with it).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ada_t5.metrics.core import LRUCache, fingerprint_strings

logger = logging.getLogger(__name__)

DEFAULT_PAD_LENGTH = 350  # fcd.utils.SmilesDataset
# fcd.get_predictions uses 128; activations do not depend on batching (bit for bit), and 64 runs a little faster
# on CPU (the LSTM's per-step matrices stay in cache)
BATCH_SIZE = 64

_STATS = LRUCache(max_entries=4)
_TOKEN_INDEX: dict[str, int] = {}


@dataclass(frozen=True)
class ActivationStats:
    mu: np.ndarray
    sigma: np.ndarray
    count: int


def load_model(fcd_model: Any = None) -> tuple[Any, str]:
    """The ChemNet model and a key naming it: fcd's bundled model, a checkpoint path, or a module as given."""
    import fcd

    if fcd_model is None:
        return fcd.load_ref_model(), "fcd-bundled-ChemNet"
    if isinstance(fcd_model, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(fcd_model))
        return fcd.load_ref_model(path), f"path:{path}"
    return fcd_model, f"object:{id(fcd_model)}"


def _token_index(token: str) -> int:
    index = _TOKEN_INDEX.get(token)
    if index is None:
        from fcd.utils import get_one_hot

        # ask fcd itself where it puts this token (unknown characters go to its "X" slot)
        index = _TOKEN_INDEX[token] = int(np.argmax(get_one_hot(token, pad_len=len(token) + 1)[0]))
    return index


def _one_hot(batch: Sequence[str], pad_length: int) -> np.ndarray:
    from fcd.utils import tokenize

    value = np.float32(np.float64(1.0) / 35)  # fcd divides a float64 one-hot by its width, then casts
    array = np.zeros((len(batch), pad_length, 35), dtype=np.float32)
    for row, smiles in enumerate(batch):
        indices = [_token_index(token) for token in tokenize(smiles + ".")]
        array[row, np.arange(len(indices)), indices] = value
    return array


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"  # fcd.get_predictions' choice


def activations(model: Any, smiles: Sequence[str], device: str | None = None) -> np.ndarray:
    """ChemNet activations of ``smiles`` in order, padded as ``SmilesDataset`` pads this list."""
    import torch

    if len(smiles) == 0:
        return np.zeros((0, 512), dtype=np.float32)
    pad_length = max(DEFAULT_PAD_LENGTH, max(len(s) for s in smiles) + 1)
    unique = list(dict.fromkeys(smiles))
    device = device or default_device()
    parts = []
    model.to(device)
    try:
        with torch.inference_mode():
            for start in range(0, len(unique), BATCH_SIZE):
                batch = torch.from_numpy(_one_hot(unique[start:start + BATCH_SIZE], pad_length))
                parts.append(model(batch.transpose(1, 2).to(device)).to("cpu").numpy().astype(np.float32))
    finally:
        model.to("cpu")
    position = {s: i for i, s in enumerate(unique)}
    return np.concatenate(parts)[[position[s] for s in smiles]]


def statistics(model: Any, smiles: Sequence[str], device: str | None = None) -> ActivationStats:
    acts = activations(model, smiles, device)
    return ActivationStats(mu=np.mean(acts, axis=0), sigma=np.cov(acts.T), count=len(smiles))


def reference_statistics(model: Any, model_key: str, smiles: Sequence[str], *, cache: bool = True,
                         device: str | None = None) -> ActivationStats:
    if not cache:
        return statistics(model, smiles, device)
    key = fingerprint_strings(smiles, "fcd", model_key)
    return _STATS.get_or_create(key, lambda: statistics(model, smiles, device))


def frechet_distance(reference: ActivationStats, output: ActivationStats) -> float:
    from fcd.utils import calculate_frechet_distance

    # get_fcd(references, outputs): the references are "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fcd 1.2.2 passes scipy's deprecated `disp`
        return float(calculate_frechet_distance(mu1=reference.mu, mu2=output.mu, sigma1=reference.sigma,
                                                sigma2=output.sigma))


def clear_cache() -> None:
    _STATS.clear()
