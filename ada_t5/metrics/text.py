"""Molecule captioning (mol2text) scores, reproducing MolT5's ``evaluation/text_translation_metrics.py``.

Definitions (MolT5): a leading ``"[CLS] "`` is stripped from outputs; both texts are tokenized with SciBERT's
uncased WordPiece (512 pieces at most, ``[PAD]``/``[CLS]``/``[SEP]`` dropped, ``##`` pieces kept); BLEU-2 and
BLEU-4 are NLTK ``corpus_bleu`` over those tokens (weights (.5,.5) and (.25,)*4, no smoothing); METEOR is the
mean of NLTK ``meteor_score([reference_tokens], output_tokens)``; ROUGE-1/2/L are the mean F-measures of
``rouge_score.RougeScorer(['rouge1', 'rouge2', 'rougeL']).score(output, reference)`` on the raw strings.

How it gets fast without changing a value: reference tokens, reference n-gram counts, ROUGE reference tokens
and LCS bit masks are cached per reference list; BLEU is recomputed from cached counts (``bleu.py``); ROUGE-L's
LCS length is found with a bit-parallel algorithm instead of rouge_score's O(n*m) table (the same integer);
METEOR runs NLTK's function with memoised WordNet/stemmer, in worker processes while the parent does the rest.

Deliberate deviations: none in the values. transformers 5's ``tokenize()`` ignores MolT5's ``truncation=True,
max_length=512``; we truncate at 512 as MolT5 did (only captions over 512 pieces are affected). Without a
SciBERT vocab under ``text_tokenizer="auto"`` a simple tokenizer is used and the notes say the numbers are not
MolT5-comparable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from ada_t5.metrics import bleu, parallel
from ada_t5.metrics.core import (
    MOL2TEXT_KEYS,
    LRUCache,
    MetricResourceError,
    Scores,
    Text2MolScorer,
    check_inputs,
    check_pairs,
    fingerprint_strings,
    mean_or_none,
    text2mol_similarity,
)
from ada_t5.metrics.resources import TextTokenizer, find_wordnet, load_text_tokenizer, wordnet_missing_message

CLS_PREFIX = "[CLS] "

_REFERENCES = LRUCache(max_entries=4)


@dataclass
class RougeSide:
    """One text as ROUGE sees it: rouge_score tokens, unigram and bigram counts."""

    tokens: list[str]
    unigrams: Counter
    bigrams: Counter

    @classmethod
    def of(cls, text: str) -> RougeSide:
        from rouge_score.tokenize import tokenize  # rouge_score's default tokenizer, no stemming

        tokens = tokenize(text, None)
        return cls(tokens, Counter(tokens), Counter(zip(tokens, tokens[1:])))


@dataclass
class TextReferences:
    """Everything about a reference list that does not depend on the outputs (cached between calls)."""

    tokens: list[list[str]]
    ngrams: list[bleu.NgramCounts]
    rouge: list[RougeSide]
    lcs_masks: list[dict[str, int]]


def _lcs_masks(tokens: Sequence[str]) -> dict[str, int]:
    masks: dict[str, int] = {}
    for position, token in enumerate(tokens):
        masks[token] = masks.get(token, 0) | (1 << position)
    return masks


def lcs_length(tokens: Sequence[str], other_masks: dict[str, int], other_length: int) -> int:
    """Length of the longest common subsequence (Allison-Dix / Hyyro bit-vector recurrence).

    ``other_masks`` maps each token of the other sequence to a bit mask of its positions. The result is the same
    integer as rouge_score's dynamic-programming table, in O(len(tokens)) big-integer operations.
    """
    full = (1 << other_length) - 1
    row = full
    for token in tokens:
        mask = other_masks.get(token)
        if mask:
            matched = row & mask
            row = ((row + matched) | (row - matched)) & full
    return other_length - row.bit_count()


def _ngram_fmeasure(target: Counter, target_count: int, prediction: Counter, prediction_count: int) -> float:
    from rouge_score.scoring import fmeasure

    overlap = sum(map(min, target.values(), map(prediction.get, target.keys(), repeat(0))))
    return fmeasure(overlap / max(prediction_count, 1), overlap / max(target_count, 1))


def rouge_fmeasures(output: RougeSide, reference: RougeSide, reference_masks: dict[str, int]) -> tuple[float, ...]:
    """ROUGE-1/2/L F-measures of ``RougeScorer.score(target=output, prediction=reference)`` (MolT5's order)."""
    from rouge_score.scoring import fmeasure

    n_out, n_ref = len(output.tokens), len(reference.tokens)
    rouge1 = _ngram_fmeasure(output.unigrams, n_out, reference.unigrams, n_ref)
    rouge2 = _ngram_fmeasure(output.bigrams, max(n_out - 1, 0), reference.bigrams, max(n_ref - 1, 0))
    if n_out == 0 or n_ref == 0:
        rouge_l = 0.0
    else:
        lcs = lcs_length(output.tokens, reference_masks, n_ref)
        rouge_l = fmeasure(lcs / n_ref, lcs / n_out)
    return rouge1, rouge2, rouge_l


def build_references(references: Sequence[str], tokenizer: TextTokenizer) -> TextReferences:
    tokens = tokenizer.tokenize_batch(references)
    rouge = [RougeSide.of(text) for text in references]
    return TextReferences(tokens=tokens, ngrams=[bleu.ngram_counts(t, 4) for t in tokens], rouge=rouge,
                          lcs_masks=[_lcs_masks(side.tokens) for side in rouge])


def _meteor_mode(meteor: Any) -> bool | str:
    if isinstance(meteor, str):
        value = meteor.strip().lower()
        if value == "auto":
            return "auto"
        if value in ("true", "1", "yes", "on", "required"):
            return True
        if value in ("false", "0", "no", "off", "none"):
            return False
        raise ValueError(f"meteor must be 'auto', True or False, got {meteor!r}")
    if meteor is None:
        return "auto"
    return bool(meteor)


def strip_cls(output: str) -> str:
    return output[len(CLS_PREFIX):] if output.startswith(CLS_PREFIX) else output


def score_mol2text(outputs: Sequence[str], references: Sequence[str], *, text_tokenizer: Any = "auto",
                   meteor: bool | str = "auto", nltk_data: Any = None, num_proc: int | None = None,
                   cache: bool = True, inputs: Sequence[str] | None = None,
                   text2mol: Text2MolScorer | None = None) -> Scores:
    """Score generated captions against reference captions with MolT5's definitions.

    ``text_tokenizer``: "auto", a vocab.txt path, a folder, a Hub id or a transformers fast tokenizer.
    ``meteor``: "auto" (when WordNet is found), True (required: error without WordNet) or False.
    ``nltk_data``: folder(s) holding corpora/wordnet[.zip]. ``num_proc``: processes to use (default
    min(2, CPUs)); ``num_proc - 1`` workers run METEOR while this process does the rest. ``cache``: reuse
    what depends only on ``references`` across calls. ``inputs`` (SMILES) are only needed by ``text2mol``.
    """
    outputs, references = check_pairs(outputs, references)
    inputs = check_inputs(inputs, len(outputs))
    mode = _meteor_mode(meteor)
    notes: list[str] = []
    location = None
    if mode is not False:
        location = find_wordnet(nltk_data)
        if location is None:
            if mode is True:
                raise MetricResourceError(wordnet_missing_message(nltk_data))
            notes.append(f"meteor: not computed: {wordnet_missing_message(nltk_data)}")
    else:
        notes.append("meteor: not computed (disabled)")
    if text2mol is not None and inputs is None:
        raise ValueError("a text2mol scorer needs inputs= (the source SMILES)")

    tokenizer, tokenizer_notes = load_text_tokenizer(text_tokenizer)
    notes[:0] = tokenizer_notes
    workers = 0
    if location is not None:
        from ada_t5.metrics import meteor as meteor_module

        workers = meteor_module.meteor_workers(parallel.resolve_num_proc(num_proc), len(outputs))
        meteor_module.warm_up_workers(location, workers)  # NLTK + WordNet load there while we tokenize here
    if not outputs:
        notes.append("no examples: nothing to score")
        return Scores("mol2text", dict.fromkeys(MOL2TEXT_KEYS), [], notes)

    outputs = [strip_cls(output) for output in outputs]
    if cache:
        key = fingerprint_strings(references, "mol2text", tokenizer.name)
        refs = _REFERENCES.get_or_create(key, lambda: build_references(references, tokenizer))
    else:
        refs = build_references(references, tokenizer)

    hyp_tokens = tokenizer.tokenize_batch(outputs)
    meteor_pending = None
    if location is not None:  # METEOR runs in the workers while this process does BLEU and ROUGE
        from ada_t5.metrics.meteor import start_meteor

        meteor_pending = start_meteor(refs.tokens, hyp_tokens, location, workers=workers)
    rows = [bleu.row_counts(hyp, ref) for hyp, ref in zip(hyp_tokens, refs.ngrams)]
    rouge = [rouge_fmeasures(RougeSide.of(out), ref, masks)
             for out, ref, masks in zip(outputs, refs.rouge, refs.lcs_masks)]
    meteor_values = meteor_pending() if meteor_pending is not None else None

    aggregate: dict[str, float | None] = {
        "bleu2": bleu.corpus_bleu(rows, bleu.BLEU2_WEIGHTS),
        "bleu4": bleu.corpus_bleu(rows, bleu.BLEU4_WEIGHTS),
        "rouge1": mean_or_none([r[0] for r in rouge]),
        "rouge2": mean_or_none([r[1] for r in rouge]),
        "rougeL": mean_or_none([r[2] for r in rouge]),
        "meteor": mean_or_none(meteor_values) if meteor_values is not None else None,
    }
    per_example = [{"bleu2": bleu.sentence_bleu(row, bleu.BLEU2_WEIGHTS),
                    "bleu4": bleu.sentence_bleu(row, bleu.BLEU4_WEIGHTS),
                    "rouge1": float(r[0]), "rouge2": float(r[1]), "rougeL": float(r[2]),
                    "meteor": None if meteor_values is None else meteor_values[i]}
                   for i, (row, r) in enumerate(zip(rows, rouge))]
    if text2mol is not None:
        aggregate["text2mol"], sims = text2mol_similarity(text2mol, outputs, inputs)
        for row, sim in zip(per_example, sims):
            row["text2mol"] = sim
    else:
        notes.append("text2mol: not computed (no Text2Mol model given; pass text2mol=...)")
    return Scores("mol2text", aggregate, per_example, notes)


def clear_cache() -> None:
    _REFERENCES.clear()
