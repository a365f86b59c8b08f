"""Retrieval-augmented sources: each source followed by its K nearest pool neighbours' targets.

* mol2text: ``SMILES <neighbour> description_1 <neighbour> description_2 ...`` (neighbours by Morgan Tanimoto);
* text2mol: ``description <neighbour> SMILES_1 <neighbour> SMILES_2 ...`` (neighbours by BM25 over descriptions).

The model sees what similar, really described molecules look like and can copy and edit (MolReGPT and ICMA do
this with prompts for large LMs; here a T5 is trained on it). ``<neighbour>`` is added to the tokenizer as one
special token, so it is kept whole, never split or confused with text, and never decoded into an output.
A train row never sees its own molecule or a same-structure duplicate (leave-one-out, see
:mod:`ada_t5.rag.pool`); at inference the query's own structure is excluded too when it is a SMILES.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from ada_t5.rag.pool import Neighbour, RetrievalPool

logger = logging.getLogger(__name__)

NEIGHBOUR_TOKEN = "<neighbour>"
POOL_FOLDER = "retrieval"  # inside a checkpoint folder


def add_neighbour_token(tokenizer) -> int:
    """Add the separator as a special token (idempotent); returns how many tokens were added."""
    if NEIGHBOUR_TOKEN in tokenizer.get_vocab():
        return 0
    return tokenizer.add_special_tokens({"additional_special_tokens": [NEIGHBOUR_TOKEN]},
                                        replace_extra_special_tokens=False)


def neighbours_for(pool: RetrievalPool, task: str, sources: Sequence[str], k: int, *,
                   leave_one_out_smiles: Sequence[str] | None = None) -> list[list[Neighbour]]:
    """The ``k`` neighbours of each source. ``leave_one_out_smiles`` (text2mol train rows): each row's own
    molecule, never to be retrieved. For mol2text the query is the molecule, excluded by the search itself."""
    if task == "mol2text":
        return pool.nearest_molecules(sources, k)
    if task == "text2mol":
        return pool.nearest_texts(sources, k, exclude=leave_one_out_smiles)
    raise ValueError(f"unknown task {task!r}")


def augmented_source(task: str, source: str, neighbours: Sequence[Neighbour]) -> str:
    field = "description" if task == "mol2text" else "smiles"
    return " ".join([source] + [f"{NEIGHBOUR_TOKEN} {getattr(n, field)}" for n in neighbours])


def augment_sources(pool: RetrievalPool, task: str, sources: Sequence[str], k: int, *,
                    leave_one_out_smiles: Sequence[str] | None = None) -> tuple[list[str], list[list[Neighbour]]]:
    found = neighbours_for(pool, task, sources, k, leave_one_out_smiles=leave_one_out_smiles)
    return [augmented_source(task, s, n) for s, n in zip(sources, found)], found


def augment_split(dataset, pool: RetrievalPool, task, k: int, *, train: bool):
    """A copy of a pair dataset whose source column holds the augmented source (``source`` keeps the original).

    ``train``: leave-one-out for text2mol train rows (mol2text searches always exclude the query's structure)."""
    source_column = task.source_column
    sources = list(dataset[source_column])
    leave_out = list(dataset["smiles"]) if train and task.name == "text2mol" else None
    augmented, _ = augment_sources(pool, task.name, sources, k, leave_one_out_smiles=leave_out)
    dataset = dataset.add_column("source", sources) if "source" not in dataset.column_names else dataset
    return dataset.remove_columns([source_column]).add_column(source_column, augmented)


class Augmenter:
    """A saved pool with its ``k`` and task: what a checkpoint needs to augment its inputs at inference."""

    def __init__(self, pool: RetrievalPool, task: str, k: int):
        self.pool, self.task, self.k = pool, task, k

    def __call__(self, sources: Sequence[str]) -> tuple[list[str], list[list[Neighbour]]]:
        return augment_sources(self.pool, self.task, sources, self.k)

    def save(self, checkpoint_dir: str | os.PathLike) -> Path:
        return self.pool.save(Path(checkpoint_dir) / POOL_FOLDER, task=self.task, k=self.k)

    @classmethod
    def from_checkpoint(cls, checkpoint_dir: str | os.PathLike) -> Augmenter | None:
        """The checkpoint's retrieval pool, or None when it was trained without retrieval (or is a Hub id)."""
        folder = Path(checkpoint_dir) / POOL_FOLDER
        if not folder.is_dir():
            return None
        pool, settings = RetrievalPool.load(folder)
        logger.info("retrieval-augmented checkpoint: %d-row pool, k=%d (%s)", len(pool), settings["k"], folder)
        return cls(pool, settings["task"], int(settings["k"]))
