"""A retrieval pool of described molecules: nearest molecules by Morgan Tanimoto, nearest texts by BM25.

The pool is a train split (SMILES + description). Two searches:

* :meth:`RetrievalPool.nearest_molecules` (a SMILES query, for captioning): the Morgan-fingerprint search of
  pseudo-data generation (:class:`ada_t5.pseudo.retrieval.Retriever`), which de-duplicates the pool by
  canonical SMILES and never returns the query's own molecule;
* :meth:`RetrievalPool.nearest_texts` (a description query, for molecule generation): BM25 (``bm25s``) over the
  pool's descriptions; ``exclude`` names the canonical SMILES a query must never see (its own molecule, when
  the query is a train row: leave-one-out).

Leave-one-out is by canonical SMILES, not by row: ChEBI-20's train split holds the same molecule more than
once (different CIDs, one structure); a train row that retrieved its twin's description would learn to copy
its own answer. ``save``/``load`` write the pool as a MolT5 TSV beside a small JSON of settings, so the pool
travels with a checkpoint; the indexes are rebuilt on load (seconds for ChEBI-20's train split).
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

POOL_FILE = "pool.txt"
SETTINGS_FILE = "retrieval.json"


@dataclass(frozen=True)
class Neighbour:
    index: int  # pool row
    smiles: str
    description: str
    score: float  # Tanimoto similarity (molecules) or BM25 score (texts)


class RetrievalPool:
    def __init__(self, smiles: Sequence[str], descriptions: Sequence[str], ids: Sequence[str] | None = None, *,
                 radius: int = 2, n_bits: int = 2048):
        from ada_t5 import chem

        if len(smiles) != len(descriptions):
            raise ValueError(f"pool: {len(smiles)} SMILES but {len(descriptions)} descriptions")
        if not smiles:
            raise ValueError("pool: no rows")
        self.smiles = list(smiles)
        self.descriptions = list(descriptions)
        self.ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(self.smiles))]
        self.radius, self.n_bits = radius, n_bits
        # an unparseable SMILES keeps its own spelling as its key: it can only match itself
        self.canonical = [chem.canonical_smiles(s) or s for s in self.smiles]
        self._molecules = None
        self._texts = None

    @classmethod
    def from_dataset(cls, dataset, **kwargs) -> RetrievalPool:
        ids = dataset["id"] if "id" in dataset.column_names else None
        return cls(list(dataset["smiles"]), list(dataset["description"]), ids, **kwargs)

    def __len__(self) -> int:
        return len(self.smiles)

    def _neighbour(self, index: int, score: float) -> Neighbour:
        return Neighbour(index, self.smiles[index], self.descriptions[index], float(score))

    # ------------------------------------------------------------------ molecules (Morgan Tanimoto)

    def nearest_molecules(self, queries: Sequence[str], k: int) -> list[list[Neighbour]]:
        """The ``k`` most similar pool molecules of each query SMILES, never one with the query's own structure."""
        from ada_t5 import chem
        from ada_t5.pseudo.retrieval import Retriever

        if self._molecules is None:
            self._molecules = Retriever(self.canonical, radius=self.radius, n_bits=self.n_bits)
        canonical = [chem.canonical_smiles(q) or q for q in queries]
        return [[self._neighbour(i, s) for i, s in zip(found.indices, found.similarities)]
                for found in self._molecules.search(canonical, k)]

    # ------------------------------------------------------------------ texts (BM25)

    def _text_index(self):
        if self._texts is None:
            import bm25s

            retriever = bm25s.BM25()
            retriever.index(bm25s.tokenize(self.descriptions, stopwords="en", show_progress=False),
                            show_progress=False)
            self._texts = retriever
        return self._texts

    def nearest_texts(self, queries: Sequence[str], k: int,
                      exclude: Sequence[str | None] | None = None) -> list[list[Neighbour]]:
        """The ``k`` pool rows whose descriptions best match each query (BM25), one row per structure.

        ``exclude[i]``: a SMILES whose structure query ``i`` must never retrieve (its own answer)."""
        import bm25s

        from ada_t5 import chem

        if not queries:
            return []
        retriever = self._text_index()
        # a few extra hits cover the excluded molecule and same-structure duplicates
        depth = min(len(self), k + 8)
        tokens = bm25s.tokenize(list(queries), stopwords="en", show_progress=False)
        rows, scores = retriever.retrieve(tokens, k=depth, show_progress=False, n_threads=1)
        out = []
        for i in range(len(queries)):
            banned = chem.canonical_smiles(exclude[i]) or exclude[i] if exclude and exclude[i] else None
            seen, found = set(), []
            for row, score in zip(rows[i], scores[i]):
                key = self.canonical[int(row)]
                if key == banned or key in seen:
                    continue
                seen.add(key)
                found.append(self._neighbour(int(row), score))
                if len(found) == k:
                    break
            out.append(found)
        return out

    # ------------------------------------------------------------------ persistence

    def save(self, folder: str | os.PathLike, **settings) -> Path:
        """Write the pool (MolT5 TSV) and ``settings`` (e.g. ``k``, ``task``) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # MolT5's TSV: no quoting (descriptions hold quote characters), so tabs/newlines inside become spaces
        with open(folder / POOL_FILE, "w", encoding="utf-8", newline="") as handle:
            handle.write("CID\tSMILES\tdescription\n")
            for row in zip(self.ids, self.smiles, self.descriptions):
                handle.write("\t".join(" ".join(field.split()) for field in row) + "\n")
        payload = dict(settings, radius=self.radius, n_bits=self.n_bits, rows=len(self))
        (folder / SETTINGS_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> tuple[RetrievalPool, dict]:
        """The pool saved in ``folder`` and its settings."""
        folder = Path(folder)
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        ids, smiles, descriptions = [], [], []
        with open(folder / POOL_FILE, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader)
            for line, row in enumerate(reader, 2):
                if len(row) != 3:
                    raise ValueError(f"{folder / POOL_FILE}:{line}: expected 3 tab-separated fields, found {len(row)}")
                ids.append(row[0])
                smiles.append(row[1])
                descriptions.append(row[2])
        pool = cls(smiles, descriptions, ids, radius=settings.get("radius", 2), n_bits=settings.get("n_bits", 2048))
        return pool, settings
