"""Character n-gram TF-IDF similarity: how much a query's wording shares with a pool entry's.

Word-level BM25 (the text retrieval of :mod:`ada_t5.rag.pool`) sees "2-hydroxyhexadecanoic" as one rare word that a
query saying "hexadecanoic acid" never matches; character 3- to 5-grams match the fragments chemical names are built
from. As a reranking feature (:mod:`ada_t5.rag.rerank`) it is what lets text2mol reranking beat BM25 retrieval on
ChEBI-20 beyond bootstrap noise (docs/results.md); on SMILES it adds a little to Morgan similarity for captioning.

The n-grams are hashed into ``dims`` buckets (crc32; collisions only blur rare grams), weighted by smoothed inverse
document frequency over the pool (``log((1 + N) / (1 + df)) + 1``), raw counts as term frequency, L2-normalised:
the classic TF-IDF cosine. Only document frequencies are kept (``dims`` floats), so memory does not grow with
the pool; vectors are made on demand for the query and its candidates.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

import numpy as np


class CharNgramIndex:
    def __init__(self, texts: Iterable[str], *, lowercase: bool, n_min: int = 3, n_max: int = 5,
                 dims: int = 1 << 20):
        if not 1 <= n_min <= n_max:
            raise ValueError(f"n-gram sizes must satisfy 1 <= n_min <= n_max, got {n_min}, {n_max}")
        self.lowercase, self.n_min, self.n_max, self.dims = lowercase, n_min, n_max, dims
        self._mask = dims - 1 if dims & (dims - 1) == 0 else None  # a power of two: bucket by bit mask
        df = np.zeros(dims, dtype=np.int64)
        n_docs = 0
        for text in texts:
            ids, _ = self._counts(text)
            df[ids] += 1
            n_docs += 1
        self.idf = (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float64)

    def _counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        text = f" {text.lower() if self.lowercase else text} "
        grams = [text[i:i + n].encode() for n in range(self.n_min, self.n_max + 1) for i in range(len(text) - n + 1)]
        hashed = np.fromiter((zlib.crc32(g) for g in grams), dtype=np.int64, count=len(grams))
        hashed = hashed & self._mask if self._mask is not None else hashed % self.dims
        return np.unique(hashed, return_counts=True)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted bucket ids and their L2-normalised TF-IDF weights."""
        ids, counts = self._counts(text)
        weights = counts * self.idf[ids]
        norm = float(np.sqrt(weights @ weights))
        return ids, (weights / norm if norm > 0 else weights)

    def similarities(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of ``query`` to each of ``texts`` (0 for an empty text)."""
        q_ids, q_weights = self.vector(query)
        out = np.zeros(len(texts))
        for i, text in enumerate(texts):
            ids, weights = self.vector(text)
            _, in_q, in_t = np.intersect1d(q_ids, ids, assume_unique=True, return_indices=True)
            out[i] = float(q_weights[in_q] @ weights[in_t])
        return out
