"""Streaming pre-training data (``--streaming true``): pairs read, checked and tokenized as training goes, for
corpora too large to tokenize into the Arrow cache.

Reading and checking: :func:`ada_t5.data.stream_pairs`, which reads every source :func:`ada_t5.data.load_pairs`
reads (and globs of shard files) and checks every row as it is read.

Order. Rows pass a seed-determined shuffle buffer (``--shuffle_buffer_size``) and are tokenized in batches.
:class:`StreamPasses` presents the stream to the Trainer as one endless epoch, starting pass ``n`` with
``set_epoch(n)`` (a new shuffle each pass), so Trainer's resume, which skips as many batches as it trained
from the start of the current epoch, lands on the very row it stopped at after any number of passes.

Processes. Each process reads the whole stream and keeps its share of every global batch (accelerate's
``IterableDatasetShard``: ``dispatch_batches`` off, since per-batch padding gives batches of different
widths that rank 0 could not concatenate); ranks see distinct rows, exactly the rows one process would
see with the whole global batch.
"""

from __future__ import annotations

import logging
from itertools import count, islice

import torch

from ada_t5.errors import ArgumentError
from ada_t5.pretrain.args import PretrainDataArguments
from ada_t5.pretrain.data import (
    corpus_texts,
    mix,
    pack_for_span_corruption,
    prepare_split,
    split_paths,
    tokenize_each_side,
)
from ada_t5.pretrain.objectives import compute_input_and_target_lengths

logger = logging.getLogger(__name__)

TOKENIZER_SAMPLE = 100_000  # pairs from the head of the stream that train a new tokenizer


def check_streaming_run(data_args: PretrainDataArguments, training_args) -> None:
    """Refuse what a stream cannot do, and set the data-loader mode that gives each rank distinct rows."""
    if not training_args.max_steps or training_args.max_steps <= 0:
        raise ArgumentError("--streaming needs --max_steps: a stream has no length, so the number of steps (and the "
                         "learning-rate schedule) cannot be derived from --num_train_epochs")
    accelerator = training_args.accelerator_config
    if accelerator.dispatch_batches:
        raise ArgumentError("--streaming does not work with accelerator_config dispatch_batches=true: rank 0 would "
                         "concatenate the ranks' batches, which per-batch padding makes of different widths; leave "
                         "dispatch_batches unset (each rank then reads the stream and keeps its own rows)")
    accelerator.dispatch_batches = False
    if training_args.train_sampling_strategy != "random":
        logger.info("--streaming: --train_sampling_strategy %s does not apply (it needs every row's length before "
                    "training); rows come in stream order, mixed by --shuffle_buffer_size",
                    training_args.train_sampling_strategy)
    if data_args.shuffle_buffer_size == 0:
        logger.warning("--streaming with --shuffle_buffer_size 0: rows are read in file order, the same on every pass")


# ------------------------------------------------------------------------------------------------ reading
def stream_pairs(args: PretrainDataArguments, *, seed: int):
    """(stream of checked ``smiles`` / ``description`` pairs, label, its :class:`ada_t5.data.stream.StreamChecker`),
    in file order, the first ``--max_train_samples`` valid pairs only when set."""
    from ada_t5 import data

    pairs, label, checker = data.stream_pairs(args.dataset, **args.pair_options(), demo_size=args.demo_size,
                                              seed=seed)
    if args.max_train_samples is not None:
        pairs = pairs.take(args.max_train_samples)
    return pairs, label, checker


def sample_pairs(args: PretrainDataArguments, *, seed: int, limit: int = TOKENIZER_SAMPLE):
    """The first ``limit`` valid pairs of the stream as a Dataset (what a new tokenizer is trained on)."""
    from datasets import Dataset

    rows = list(islice(stream_pairs(args, seed=seed)[0], limit))
    return Dataset.from_dict({name: [row[name] for row in rows] for name in ("smiles", "description")})


# ------------------------------------------------------------------------------------------------ training
class StreamPasses(torch.utils.data.IterableDataset):
    """The stream, pass after pass, as one endless epoch; pass ``n`` runs with ``set_epoch(epoch + n)``, so each
    pass is shuffled anew from the seed. Trainer sees no end, so its resume skip counts batches from the very
    first row and lands where the interrupted run stopped, whichever pass that was in."""

    def __init__(self, stream, label: str):
        self.stream, self.label, self.epoch = stream, label, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        for passes in count():
            self.stream.set_epoch(self.epoch + passes)
            empty = True
            for row in self.stream:
                empty = False
                yield row
            if empty:
                # a data-loader worker left without a shard (file) of its own has nothing to read: not an error
                if passes == 0 and torch.utils.data.get_worker_info() is None:
                    raise ArgumentError(f"{self.label}: the stream holds no training rows")
                return


def build_streaming_datasets(args: PretrainDataArguments, tokenizer, *, seed: int):
    """(training stream as :class:`StreamPasses`, validation Dataset or None). The validation pairs (the
    demo's, ``--validation_file`` or a folder's validation file) are small: loaded and tokenized in memory."""
    pairs, label, _ = stream_pairs(args, seed=seed)

    def shuffled(stream):
        return stream.shuffle(seed=seed, buffer_size=args.shuffle_buffer_size) if args.shuffle_buffer_size else stream

    translation = span = None
    if args.objective in ("translation", "mixture"):
        translation = tokenize_each_side(shuffled(pairs), tokenizer, max_length=args.max_length)
    if args.uses_span_corruption:
        tokens_length, _ = compute_input_and_target_lengths(args.input_length, args.noise_density,
                                                            args.mean_noise_span_length)
        texts = corpus_texts(pairs, args.corpus_columns, split_paths(args.span_corruption_files), streaming=True)
        span = pack_for_span_corruption(shuffled(texts), tokenizer, tokens_length)
    if args.objective == "mixture":
        stream = mix(translation, span, args.span_corruption_ratio, seed=seed)
    else:
        stream = translation if translation is not None else span
    # fail now, not at the first training step, on an empty stream or a bad first row
    if next(iter(stream), None) is None:
        extra = (" (span corruption keeps only whole rows of tokens_length tokens per 1,000 texts)"
                 if args.uses_span_corruption else "")
        raise ArgumentError(f"{label}: the stream holds no training rows{extra}")
    return StreamPasses(stream, label), load_validation(args, tokenizer, seed=seed)


def load_validation(args: PretrainDataArguments, tokenizer, *, seed: int):
    from ada_t5 import data

    pairs = None
    if args.validation_file:
        pairs = data.load_pairs(args.validation_file, **args.pair_options())
    elif args.dataset == "demo":
        pairs = data.load_demo_splits(n=args.demo_size, seed=seed)["validation"]
    else:
        found = data.split_file(args.dataset, "validation", args.data_format)
        pairs = data.load_pairs(str(found), **args.pair_options()) if found else None
    if pairs is None:
        return None
    if args.max_eval_samples is not None and len(pairs) > args.max_eval_samples:
        pairs = pairs.select(range(args.max_eval_samples))
    return prepare_split(pairs, args, tokenizer, seed=seed)
