"""BLEU exactly as ``nltk.translate.bleu_score.corpus_bleu`` (nltk 3.10.4) computes it, without NLTK.

Used by both suites: SciBERT-token BLEU-2/4 (MolT5 ``text_translation_metrics.py``) and character BLEU
(``mol_translation_metrics.py``). NLTK recounts every reference's n-grams on every call; here a reference's
n-gram counts are built once and cached, the per-row clipped counts are integers (so any summation order is
exact), and the final combination repeats NLTK's arithmetic step for step: numerator/denominator as Python
int division, ``sys.float_info.min`` for a zero numerator (smoothing ``method0``), ``math.fsum`` of weighted
logs, brevity penalty ``exp(1 - r/c)``. One reference per row, as in MolT5; no smoothing; no auto re-weighing.
:class:`RowCounter` keeps per-row counts for scoring many choices of rows (reranking, significance tests).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

BLEU2_WEIGHTS = (0.5, 0.5)
BLEU4_WEIGHTS = (0.25, 0.25, 0.25, 0.25)


@dataclass(frozen=True)
class NgramCounts:
    """A reference's length and n-gram counts for n = 1..max_n."""

    length: int
    counts: tuple[Counter, ...]


def ngram_counts(tokens: Sequence, max_n: int = 4) -> NgramCounts:
    counts = tuple(Counter(zip(*(tokens[i:] for i in range(n)))) if len(tokens) >= n else Counter()
                   for n in range(1, max_n + 1))
    return NgramCounts(len(tokens), counts)


def _zeros() -> repeat:
    return repeat(0)


@dataclass(frozen=True)
class RowCounts:
    """One hypothesis against its reference: clipped matches and hypothesis n-gram totals per order."""

    numerators: tuple[int, ...]
    denominators: tuple[int, ...]
    hyp_length: int
    ref_length: int


def row_counts(hypothesis: Sequence, reference: NgramCounts) -> RowCounts:
    numerators, denominators = [], []
    for n, ref_counts in enumerate(reference.counts, start=1):
        hyp_counts = Counter(zip(*(hypothesis[i:] for i in range(n)))) if len(hypothesis) >= n else Counter()
        numerators.append(sum(map(min, hyp_counts.values(), map(ref_counts.get, hyp_counts.keys(), _zeros()))))
        # NLTK's modified_precision uses max(1, total) as the denominator, so an empty row still adds 1
        denominators.append(max(1, sum(hyp_counts.values())))
    return RowCounts(tuple(numerators), tuple(denominators), len(hypothesis), reference.length)


def _brevity_penalty(ref_length: int, hyp_length: int) -> float:
    if hyp_length > ref_length:
        return 1
    if hyp_length == 0:
        return 0
    return math.exp(1 - ref_length / hyp_length)


def bleu_from_totals(numerators: Sequence[int], denominators: Sequence[int], hyp_length: int, ref_length: int,
                     weights: Sequence[float]) -> float:
    if not numerators or numerators[0] == 0:
        return 0.0
    logs = []
    for weight, numerator, denominator in zip(weights, numerators, denominators):
        precision = numerator / denominator if numerator != 0 else sys.float_info.min
        logs.append(weight * math.log(precision))
    return float(_brevity_penalty(ref_length, hyp_length) * math.exp(math.fsum(logs)))


def corpus_bleu(rows: Sequence[RowCounts], weights: Sequence[float] = BLEU4_WEIGHTS) -> float:
    order = len(weights)
    numerators = [sum(row.numerators[i] for row in rows) for i in range(order)]
    denominators = [sum(row.denominators[i] for row in rows) for i in range(order)]
    hyp_length = sum(row.hyp_length for row in rows)
    ref_length = sum(row.ref_length for row in rows)
    return bleu_from_totals(numerators, denominators, hyp_length, ref_length, weights)


def sentence_bleu(row: RowCounts, weights: Sequence[float] = BLEU4_WEIGHTS) -> float:
    """NLTK's ``sentence_bleu`` (unsmoothed): 0 as soon as one n-gram order has no match."""
    order = len(weights)
    return bleu_from_totals(row.numerators[:order], row.denominators[:order], row.hyp_length, row.ref_length,
                            weights)


def bleu_tokenizer(task: str, text_tokenizer: Any = "auto") -> Callable[[Sequence[str]], list[Sequence[str]]]:
    """What MolT5's BLEU counts for ``task``: SciBERT WordPiece tokens of captions (mol2text; ``text_tokenizer`` as
    in :func:`ada_t5.metrics.score`), characters of SMILES (text2mol)."""
    if task == "mol2text":
        from ada_t5.metrics.resources import load_text_tokenizer

        return load_text_tokenizer(text_tokenizer)[0].tokenize_batch
    return lambda texts: [list(text) for text in texts]


class RowCounter:
    """Per-row BLEU counts against fixed references (one per row), made once: the corpus BLEU of any choice of
    rows (a bootstrap resample, one candidate per query) is then :meth:`corpus` of their counts.

    The task's corpus BLEU is MolT5's: BLEU-4 on captions, NLTK's default (BLEU-4) weights on SMILES characters.
    """

    def __init__(self, task: str, references: Sequence[str], text_tokenizer: Any = "auto") -> None:
        self.tokenize = bleu_tokenizer(task, text_tokenizer)
        self.references = [ngram_counts(tokens, 4) for tokens in self.tokenize(list(references))]

    def rows(self, outputs: Sequence[str]) -> list[RowCounts]:
        """Each output against the reference of its row."""
        return [row_counts(tokens, ref) for tokens, ref in zip(self.tokenize(list(outputs)), self.references)]

    def candidates(self, index: int, texts: Sequence[str]) -> list[RowCounts]:
        """Every one of ``texts`` against reference ``index`` (one query's candidates)."""
        return [row_counts(tokens, self.references[index]) for tokens in self.tokenize(list(texts))] if texts else []

    def empty(self, index: int) -> RowCounts:
        """Row ``index`` with no output at all."""
        return row_counts([], self.references[index])

    @staticmethod
    def corpus(rows: Sequence[RowCounts]) -> float:
        return corpus_bleu(rows, BLEU4_WEIGHTS)
