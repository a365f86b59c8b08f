"""Retrieval: a pool of described molecules (Morgan and BM25 search), the retrieval baseline and retrieval-augmented
sources for fine-tuning and inference."""

from ada_t5.rag.augment import NEIGHBOUR_TOKEN, Augmenter, augment_sources, augment_split
from ada_t5.rag.pool import Neighbour, RetrievalPool

__all__ = ["NEIGHBOUR_TOKEN", "Augmenter", "Neighbour", "RetrievalPool", "augment_sources", "augment_split"]
