"""Retrieve and rerank: answer with the best of the K nearest pool neighbours' targets.

Lineage: consensus reranking of nearest-neighbour captions (Devlin et al. 2015, "Exploring Nearest Neighbor
Approaches for Image Captioning": of the captions of the K most similar training images, return the one most
similar to the others), plus a trained model's likelihood of each candidate, the reranking use of a seq2seq
model's scores. Each candidate gets four features, scaled within its query (z-scores) so the weights are unitless:

* ``retrieval``: its similarity to the query (mol2text: Morgan Tanimoto; text2mol: BM25 score);
* ``consensus``: its retrieval-weighted mean similarity to the query's other candidates (captions: mean n-gram
  F1, n = 1..4, on lower-cased words; molecules: Morgan Tanimoto);
* ``model``: the mean per-token log-probability a checkpoint gives it for this source
  (:meth:`ada_t5.inference.AdaT5.log_likelihood`), when a model is given;
* ``lexical``: the character n-gram TF-IDF cosine between the query and the candidate's own source (the
  neighbour's description for text2mol, its SMILES for mol2text; :mod:`ada_t5.rag.lexical`): a second opinion on
  the neighbour's closeness that matches the fragments chemical names are made of, which word-level BM25 cannot.

The answer is the argmax of the weighted sum. Weights are chosen on validation rows (:func:`fit_weights`, a grid,
scored by the task's first MolT5 metric: BLEU-4 on SciBERT tokens, or character BLEU), never on the test rows.
Every answer is a real pool entry: a text2mol answer is always a valid molecule, a caption always fluent; what
reranking cannot do is describe a molecule unlike everything in the pool.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ada_t5.rag.augment import neighbours_for
from ada_t5.rag.lexical import CharNgramIndex
from ada_t5.rag.pool import Neighbour, RetrievalPool

logger = logging.getLogger(__name__)

FEATURES = ("retrieval", "consensus", "model", "lexical")
# the grid fit_weights searches: retrieval on or off, the others from off to dominant
_SCALE = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
GRID = {"retrieval": (0.0, 1.0), "consensus": _SCALE, "model": _SCALE, "lexical": _SCALE}


@dataclass(frozen=True)
class RerankWeights:
    retrieval: float = 1.0
    consensus: float = 0.0
    model: float = 0.0
    lexical: float = 0.0

    def vector(self) -> np.ndarray:
        return np.array([self.retrieval, self.consensus, self.model, self.lexical], dtype=np.float64)

    @classmethod
    def parse(cls, text: str) -> RerankWeights:
        """``"retrieval=1,consensus=0.5,model=2,lexical=1"`` (missing names are 0)."""
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name.strip() not in FEATURES or not value:
                raise ValueError(f"rerank weights: expected name=value with names {', '.join(FEATURES)}, got {part!r}")
            values[name.strip()] = float(value)
        return cls(**{name: values.get(name, 0.0) for name in FEATURES})

    def __str__(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in asdict(self).items())


@dataclass
class Candidates:
    """One query's candidates (the neighbours' targets) and their scaled features, shape ``[K, len(FEATURES)]``."""

    texts: list[str]
    neighbours: list[Neighbour]
    features: np.ndarray

    def choose(self, weights: RerankWeights) -> int:
        return int(np.argmax(self.features @ weights.vector())) if self.texts else -1


# --------------------------------------------------------------------------- features


def _words(text: str) -> list[str]:
    return text.lower().split()


def _ngram_sets(tokens: list[str], max_n: int = 4) -> list[Counter]:
    return [Counter(zip(*(tokens[i:] for i in range(n)))) for n in range(1, max_n + 1)]


def ngram_f1(a: list[Counter], b: list[Counter]) -> float:
    """Mean over n = 1..4 of the F1 of clipped n-gram matches: a symmetric caption similarity."""
    scores = []
    for ca, cb in zip(a, b):
        total_a, total_b = sum(ca.values()), sum(cb.values())
        if not total_a or not total_b:
            scores.append(0.0)
            continue
        matches = sum((ca & cb).values())
        scores.append(2 * matches / (total_a + total_b))
    return float(np.mean(scores)) if scores else 0.0


def _pairwise_text(texts: Sequence[str]) -> np.ndarray:
    grams = [_ngram_sets(_words(t)) for t in texts]
    k = len(texts)
    sims = np.eye(k)
    for i, j in itertools.combinations(range(k), 2):
        sims[i, j] = sims[j, i] = ngram_f1(grams[i], grams[j])
    return sims


def _pairwise_molecules(smiles: Sequence[str]) -> np.ndarray:
    from rdkit import DataStructs

    from ada_t5 import chem

    generator = chem.morgan_generator()  # one generator for the whole list
    with chem.quiet_rdkit():
        mols = [chem.mol_from_smiles(s) for s in smiles]
    fps = [generator.GetFingerprint(m) if m is not None else None for m in mols]
    k = len(smiles)
    sims = np.eye(k)
    for i in range(k):
        if fps[i] is None:
            continue
        others = [j for j in range(i + 1, k) if fps[j] is not None]
        for j, value in zip(others, DataStructs.BulkTanimotoSimilarity(fps[i], [fps[j] for j in others])):
            sims[i, j] = sims[j, i] = value
    return sims


def consensus_scores(task: str, texts: Sequence[str], retrieval: np.ndarray) -> np.ndarray:
    """Each candidate's mean similarity to the others, weighted by the others' retrieval scores."""
    k = len(texts)
    if k < 2:
        return np.zeros(k)
    sims = _pairwise_text(texts) if task == "mol2text" else _pairwise_molecules(texts)
    weights = np.clip(retrieval, 1e-6, None)
    out = np.empty(k)
    for i in range(k):
        mask = np.arange(k) != i
        out[i] = float(sims[i, mask] @ weights[mask] / weights[mask].sum())
    return out


def _zscore(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / std if std > 1e-12 else np.zeros_like(values)


def lexical_index(pool: RetrievalPool, task: str) -> CharNgramIndex:
    """The character n-gram index of the pool's sources for ``task`` (descriptions lower-cased; SMILES as written,
    where case is aromaticity)."""
    if task == "mol2text":
        return CharNgramIndex(pool.smiles, lowercase=False)
    return CharNgramIndex(pool.descriptions, lowercase=True)


def build_candidates(pool: RetrievalPool, task: str, sources: Sequence[str], k: int, *, model=None,
                     lexical: CharNgramIndex | None = None, batch_size: int = 64,
                     leave_one_out_smiles: Sequence[str] | None = None,
                     progress: bool = False) -> list[Candidates]:
    """The ``k`` neighbours' targets of each source with their features; ``model`` (an :class:`AdaT5`) adds
    the likelihood feature and ``lexical`` (:func:`lexical_index` of this pool) the n-gram one (0 without)."""
    field = "description" if task == "mol2text" else "smiles"
    source_field = "smiles" if task == "mol2text" else "description"
    found = neighbours_for(pool, task, sources, k, leave_one_out_smiles=leave_one_out_smiles)
    model_scores: list[np.ndarray] = [np.zeros(len(n)) for n in found]
    if model is not None:
        flat_sources = [s for s, n in zip(sources, found) for _ in n]
        flat_targets = [getattr(x, field) for n in found for x in n]
        flat = np.asarray(model.log_likelihood(flat_sources, flat_targets, batch_size=batch_size, progress=progress))
        offsets = np.cumsum([0] + [len(n) for n in found])
        model_scores = [flat[a:b] for a, b in itertools.pairwise(offsets)]
    out = []
    for source, neighbours, likelihood in zip(sources, found, model_scores):
        texts = [getattr(n, field) for n in neighbours]
        retrieval = np.array([n.score for n in neighbours], dtype=np.float64)
        consensus = consensus_scores(task, texts, retrieval)
        ngrams = (lexical.similarities(source, [getattr(n, source_field) for n in neighbours])
                  if lexical is not None and texts else np.zeros(len(texts)))
        columns = (retrieval, consensus, np.asarray(likelihood, np.float64), ngrams)
        features = (np.stack([_zscore(c) for c in columns], axis=1) if texts
                    else np.zeros((0, len(FEATURES))))
        out.append(Candidates(texts, list(neighbours), features))
    return out


# --------------------------------------------------------------------------- choosing and fitting


def choose(candidates: Sequence[Candidates], weights: RerankWeights) -> list[str]:
    """The chosen answer of each query ('' for a query without candidates)."""
    return [c.texts[c.choose(weights)] if c.texts else "" for c in candidates]


def corpus_objective(task: str, references: Sequence[str],
                     text_tokenizer="auto") -> Callable[[list[list[str]]], Callable]:
    """A function from each query's candidate texts to a scorer of index choices: corpus BLEU-4 on MolT5's caption
    tokens (mol2text) or character BLEU (text2mol), computed from per-candidate n-gram counts made once."""
    from ada_t5.metrics.bleu import RowCounter

    counter = RowCounter(task, references, text_tokenizer)

    def prepare(texts_per_query: list[list[str]]):
        rows = [counter.candidates(q, texts) for q, texts in enumerate(texts_per_query)]
        empty = [counter.empty(q) for q in range(len(counter.references))]

        def score(chosen: Sequence[int]) -> float:
            picked = [r[i] if i >= 0 else e for r, i, e in zip(rows, chosen, empty)]
            return counter.corpus(picked)
        return score
    return prepare


def fit_weights(task: str, candidates: Sequence[Candidates], references: Sequence[str], *,
                text_tokenizer="auto", use_model: bool = True, use_lexical: bool = True
                ) -> tuple[RerankWeights, list[tuple[RerankWeights, float]]]:
    """The grid weights that score best on these (validation) rows; also every tried combination's score."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidate lists but {len(references)} references")
    score = corpus_objective(task, references, text_tokenizer)([c.texts for c in candidates])
    tried = []
    grids = (GRID["retrieval"], GRID["consensus"], GRID["model"] if use_model else (0.0,),
             GRID["lexical"] if use_lexical else (0.0,))
    for values in itertools.product(*grids):
        if not any(values):
            continue
        weights = RerankWeights(*values)
        tried.append((weights, score([x.choose(weights) for x in candidates])))
    best = max(tried, key=lambda item: item[1])[0]
    return best, tried
