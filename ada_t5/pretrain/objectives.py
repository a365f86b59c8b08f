"""The pre-training objectives as collators: T5's span corruption (:class:`DataCollatorForT5MLM`), the paper's
both-direction translation (:class:`BidirectionalPairCollator`) and their mixture (:class:`MixtureCollator`);
:func:`build_collator` picks the one ``--objective`` names.

Given packed rows of ``tokens_length`` token ids, a random 15 % of the tokens, in spans of mean length 3,
are cut out of the input and replaced by one sentinel each; the target lists the sentinels, each followed
by the span it replaced, then ``</s>``::

    tokens   The  cute  dog  walks  in  the  park
    inputs   The  <extra_id_0>  walks  in  <extra_id_1>  park  </s>
    labels   <extra_id_0>  cute  dog  <extra_id_1>  the  </s>

Lineage. The algorithm is T5's (``t5.data.preprocessors``: ``random_spans_helper``,
``random_spans_noise_mask``, ``noise_span_to_unique_sentinel``, ``nonnoise_span_to_unique_sentinel``), by
way of Hugging Face's Flax example ``run_t5_mlm_flax.py`` (``compute_input_and_target_lengths``,
``FlaxDataCollatorForT5MLM``) and its PyTorch port in nanoT5. This is a fresh, batch-vectorised NumPy
implementation of the same distribution, written to avoid the known bugs of those ports:

* **Sentinel ids by token, never by arithmetic.** The Flax example computes sentinel ids as
  ``len(tokenizer) - k``; that is only right for a tokenizer whose sentinels are the top ids in descending
  order *and* whose ``len()`` matches, which breaks for padded vocabularies (T5's 32,128 embedding rows vs
  32,100 tokens) and any tokenizer laid out differently. Here each ``<extra_id_k>`` is looked up by name
  (``convert_tokens_to_ids``) and a tokenizer without all of them is refused.
* **Sentinel order.** Spans are numbered left to right from ``<extra_id_0>`` in both inputs and targets,
  as T5 was pre-trained; ports that counted ids upwards from the lowest sentinel used ``<extra_id_99>``
  first, a mismatch with every released checkpoint.
* **Real pad tokens are kept.** Ports that mark removed tokens with the pad id (or a negative id) and then
  filter "everything equal to pad" also delete genuine ``<pad>`` tokens of the data; here removal is a
  boolean mask over positions, so every token that is not inside a noise span survives, whatever its id.
* **Independent, reproducible randomness.** The noise mask is drawn from a generator seeded with the
  collator's ``seed`` and a hash of the batch's tokens, not from a generator copied into each data-loader
  worker (which repeats masks across workers) or from global RNG state (which a resumed run does not
  replay). The same batch always gets the same mask: on any number of workers and after
  ``--resume_from_checkpoint``; a row gets a fresh mask whenever it lands in a different batch.

Lengths are computed as T5 computes them (:func:`compute_input_and_target_lengths`): 512 model inputs
need 568 raw tokens, which give 114 targets (with ``</s>``) at noise density 0.15 and mean span 3.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import torch

from ada_t5.collators import LABEL_PAD, Seq2SeqCollator

NOISE_DENSITY = 0.15
MEAN_NOISE_SPAN_LENGTH = 3.0


def _split_counts(tokens_length: int, noise_density: float, mean_noise_span_length: float) -> tuple[int, int]:
    """(noise tokens, noise spans) for a row of ``tokens_length`` tokens, as T5's ``random_spans_noise_mask``."""
    num_noise_tokens = int(np.round(tokens_length * noise_density))
    num_noise_tokens = min(max(num_noise_tokens, 1), tokens_length - 1)
    num_noise_spans = max(int(np.round(num_noise_tokens / mean_noise_span_length)), 1)
    # each noise span needs a non-noise span before it (only binds on rows of a few tokens)
    return num_noise_tokens, min(num_noise_spans, tokens_length - num_noise_tokens)


def corrupted_lengths(tokens_length: int, noise_density: float = NOISE_DENSITY,
                      mean_noise_span_length: float = MEAN_NOISE_SPAN_LENGTH) -> tuple[int, int]:
    """(input length, target length), each with its ``</s>``, of one corrupted row of ``tokens_length`` tokens."""
    num_noise_tokens, num_noise_spans = _split_counts(tokens_length, noise_density, mean_noise_span_length)
    num_nonnoise_tokens = tokens_length - num_noise_tokens
    return num_nonnoise_tokens + num_noise_spans + 1, num_noise_tokens + num_noise_spans + 1


def compute_input_and_target_lengths(inputs_length: int, noise_density: float = NOISE_DENSITY,
                                     mean_noise_span_length: float = MEAN_NOISE_SPAN_LENGTH) -> tuple[int, int]:
    """T5's ``random_spans_helper``: the most raw tokens whose corrupted input fits ``inputs_length``.

    Returns ``(tokens_length, targets_length)``: pack the corpus into rows of ``tokens_length`` tokens and
    every corrupted input is exactly ``inputs_length`` long (``</s>`` included), every target
    ``targets_length``. 512 -> (568, 114), as T5 and the Flax example.
    """
    if inputs_length < 3:
        raise ValueError(f"inputs_length={inputs_length}: too short to corrupt")
    if not 0 < noise_density < 1 or mean_noise_span_length < 1:
        raise ValueError("noise_density must be in (0, 1) and mean_noise_span_length at least 1")
    tokens_length = inputs_length
    while corrupted_lengths(tokens_length + 1, noise_density, mean_noise_span_length)[0] <= inputs_length:
        tokens_length += 1
    _, targets_length = corrupted_lengths(tokens_length, noise_density, mean_noise_span_length)
    # T5's tweak: at noise density 0.5, make the targets no longer than the (round-numbered) inputs
    if noise_density == 0.5 and targets_length > inputs_length:
        tokens_length -= 1
        targets_length -= 1
    return tokens_length, targets_length


def _random_segment_ids(rng: np.random.Generator, rows: int, num_items: int, num_segments: int) -> np.ndarray:
    """For each row, split ``num_items`` items into ``num_segments`` non-empty runs uniformly at random;
    returns each item's run number (rows x num_items, non-decreasing from 0 to num_segments - 1)."""
    starts = np.zeros((rows, num_items - 1), dtype=bool)
    starts[:, : num_segments - 1] = True
    starts = rng.permuted(starts, axis=1)  # which of the num_items - 1 gaps start a new run
    segment = np.zeros((rows, num_items), dtype=np.int32)
    np.cumsum(starts, axis=1, out=segment[:, 1:])
    return segment


def random_spans_noise_mask(rows: int, length: int, rng: np.random.Generator,
                            noise_density: float = NOISE_DENSITY,
                            mean_noise_span_length: float = MEAN_NOISE_SPAN_LENGTH) -> np.ndarray:
    """T5's noise mask for ``rows`` rows of ``length`` tokens: ``True`` where a token is noise.

    Each row alternates non-noise and noise spans, starting with non-noise and ending with noise:
    ``num_noise_spans`` spans of each kind, their lengths a uniform random composition of the counts.
    """
    num_noise_tokens, num_noise_spans = _split_counts(length, noise_density, mean_noise_span_length)
    num_nonnoise_tokens = length - num_noise_tokens
    noise_segment = _random_segment_ids(rng, rows, num_noise_tokens, num_noise_spans)
    nonnoise_segment = _random_segment_ids(rng, rows, num_nonnoise_tokens, num_noise_spans)
    # Interleave: non-noise run k, then noise run k. Sorting the keys 2k (non-noise) and 2k+1 (noise)
    # puts every token in its place; a key's parity then says whether that position is noise.
    keys = np.concatenate([2 * nonnoise_segment, 2 * noise_segment + 1], axis=1)
    keys.sort(axis=1)
    return (keys & 1).astype(bool)


def sentinel_ids(tokenizer, count: int = 100) -> np.ndarray:
    """Ids of ``<extra_id_0>`` ... ``<extra_id_{count-1}>``, looked up by token; an error if one is missing."""
    from ada_t5.tokenization import sentinel_token

    tokens = [sentinel_token(i) for i in range(count)]
    ids = tokenizer.convert_tokens_to_ids(tokens)
    missing = [t for t, i in zip(tokens, ids) if i is None or i == tokenizer.unk_token_id]
    if missing:
        raise ValueError(f"the tokenizer lacks the T5 sentinel tokens {missing[:3]}{'...' if len(missing) > 3 else ''}"
                         " that span corruption needs; use a T5 tokenizer or ada_t5.tokenizer_training.train_tokenizer")
    return np.asarray(ids, dtype=np.int64)


@dataclass
class DataCollatorForT5MLM:
    """Span-corrupts packed rows: ``input_ids`` (``tokens_length`` each) -> ``input_ids``, ``labels``.

    Every row of a batch must hold exactly ``tokens_length`` tokens (see
    :func:`ada_t5.pretrain.data.pack_for_span_corruption`); inputs then come out ``input_length`` long and
    labels ``target_length`` long, so no padding and no ``-100`` is needed. Build it with
    :meth:`for_tokenizer`. Extra dataset columns are ignored.
    """

    sentinel_ids: np.ndarray
    eos_token_id: int
    tokens_length: int
    noise_density: float = NOISE_DENSITY
    mean_noise_span_length: float = MEAN_NOISE_SPAN_LENGTH
    seed: int = 42
    input_length: int = field(init=False)
    target_length: int = field(init=False)

    def __post_init__(self):
        self.sentinel_ids = np.asarray(self.sentinel_ids, dtype=np.int64)
        self.input_length, self.target_length = corrupted_lengths(self.tokens_length, self.noise_density,
                                                                  self.mean_noise_span_length)
        spans = _split_counts(self.tokens_length, self.noise_density, self.mean_noise_span_length)[1]
        if spans > len(self.sentinel_ids):
            raise ValueError(f"{self.tokens_length}-token rows make {spans} noise spans but the tokenizer has only "
                             f"{len(self.sentinel_ids)} sentinels; use shorter rows")

    @classmethod
    def for_tokenizer(cls, tokenizer, input_length: int = 512, *, noise_density: float = NOISE_DENSITY,
                      mean_noise_span_length: float = MEAN_NOISE_SPAN_LENGTH, seed: int = 42) -> DataCollatorForT5MLM:
        """A collator whose corrupted inputs are ``input_length`` tokens (rows of T5's ``tokens_length``)."""
        tokens_length, _ = compute_input_and_target_lengths(input_length, noise_density, mean_noise_span_length)
        return cls(sentinel_ids(tokenizer), tokenizer.eos_token_id, tokens_length, noise_density,
                   mean_noise_span_length, seed)

    def rng_for(self, ids: np.ndarray) -> np.random.Generator:
        digest = hashlib.blake2b(np.ascontiguousarray(ids).tobytes(), digest_size=16).digest()
        return np.random.default_rng([self.seed, *np.frombuffer(digest, dtype=np.uint32).tolist()])

    def corrupt(self, ids: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply a noise mask (rows x tokens_length, ``True`` = noise) to token ids: (inputs, labels)."""
        rows = ids.shape[0]
        previous = np.zeros_like(noise)
        previous[:, 1:] = noise[:, :-1]
        noise_start = noise & ~previous  # first token of each noise span
        clean_start = ~noise & previous  # first token of each non-noise span after a noise span
        eos = np.full((rows, 1), self.eos_token_id, dtype=np.int64)
        # inputs: clean tokens, and one sentinel in place of each noise span (numbered left to right)
        span_number = np.cumsum(noise_start, axis=1) - 1
        with_sentinels = np.where(noise_start, self.sentinel_ids[np.maximum(span_number, 0)], ids)
        inputs = with_sentinels[~noise | noise_start].reshape(rows, -1)
        # labels: sentinel k, then the tokens of noise span k, ..., then </s>
        keep = noise | clean_start
        keep[:, 0] = True  # the row's first (clean) token stands for <extra_id_0>
        is_sentinel = clean_start.copy()
        is_sentinel[:, 0] = True
        target_number = np.cumsum(is_sentinel, axis=1) - 1
        with_sentinels = np.where(is_sentinel, self.sentinel_ids[target_number], ids)
        labels = with_sentinels[keep].reshape(rows, -1)
        return np.concatenate([inputs, eos], axis=1), np.concatenate([labels, eos], axis=1)

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        try:
            ids = np.asarray([f["input_ids"] for f in features], dtype=np.int64)
        except ValueError:  # ragged rows
            ids = None
        if ids is None or ids.ndim != 2 or ids.shape[1] != self.tokens_length:
            lengths = sorted({len(f["input_ids"]) for f in features})
            raise ValueError(f"span corruption needs packed rows of exactly {self.tokens_length} tokens, got lengths "
                             f"{lengths[:5]}; pack the corpus with ada_t5.pretrain.data.pack_for_span_corruption")
        noise = random_spans_noise_mask(len(ids), self.tokens_length, self.rng_for(ids), self.noise_density,
                                        self.mean_noise_span_length)
        inputs, labels = self.corrupt(ids, noise)
        return {"input_ids": torch.from_numpy(inputs), "attention_mask": torch.ones_like(torch.from_numpy(inputs)),
                "labels": torch.from_numpy(labels)}


# ------------------------------------------------------------------------------- translation, mixture
@dataclass
class BidirectionalPairCollator:
    """The paper's domain adaptation: every batch of molecule-description pairs trains both directions.

    Each feature holds both sides of one pair, tokenized once (``smiles_ids``, ``description_ids``, each
    ending with ``</s>`` and truncated to 512 tokens). Rows alternate: even positions of the batch become
    SMILES -> description examples, odd positions description -> SMILES, so every batch is half of each
    (one extra SMILES -> description row when the batch is odd). Alternating rather than halving matters
    under length-grouped sampling, whose batches arrive sorted by length: halves would send the longer
    pairs one way only. The sampler reshuffles every epoch, so each pair meets both directions over a run.
    No task prefix (as the paper); inputs padded with the pad id, labels with -100.
    """

    pad_token_id: int
    pad_to_multiple_of: int | None = None

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        sources, targets = [], []
        for row, feature in enumerate(features):
            smiles, description = feature["smiles_ids"], feature["description_ids"]
            source, target = (smiles, description) if row % 2 == 0 else (description, smiles)
            sources.append(source)
            targets.append(target)
        return Seq2SeqCollator(self.pad_token_id, self.pad_to_multiple_of)(
            [{"input_ids": s, "labels": t} for s, t in zip(sources, targets)])


@dataclass
class MixtureCollator:
    """Collates a batch holding both kinds of rows: pairs (``smiles_ids``) through the translation collator,
    packed rows (non-empty ``input_ids``) through span corruption; pads both into one batch."""

    translation: BidirectionalPairCollator
    span_corruption: DataCollatorForT5MLM

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        # a streamed packed row holds a numpy array (no Arrow round trip), a cached one a list
        is_packed = [f.get("input_ids") is not None and len(f["input_ids"]) > 0 for f in features]
        packed = [f for f, p in zip(features, is_packed) if p]
        pairs = [f for f, p in zip(features, is_packed) if not p]
        parts = [collate(group) for collate, group in ((self.translation, pairs), (self.span_corruption, packed))
                 if group]
        if len(parts) == 1:
            return parts[0]
        pads = {"input_ids": self.translation.pad_token_id, "attention_mask": 0, "labels": LABEL_PAD}
        batch = {}
        for name, pad in pads.items():
            width = max(p[name].shape[1] for p in parts)
            batch[name] = torch.cat([torch.nn.functional.pad(p[name], (0, width - p[name].shape[1]), value=pad)
                                     for p in parts])
        return batch


def build_collator(args, tokenizer, *, seed: int, pad_to_multiple_of: int | None = None):
    translation = BidirectionalPairCollator(tokenizer.pad_token_id, pad_to_multiple_of)
    if args.objective == "translation":
        return translation
    span = DataCollatorForT5MLM.for_tokenizer(tokenizer, args.input_length, noise_density=args.noise_density,
                                              mean_noise_span_length=args.mean_noise_span_length, seed=seed)
    return span if args.objective == "span_corruption" else MixtureCollator(translation, span)
