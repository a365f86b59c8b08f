"""Pre-training data: pairs -> both-direction translation rows, corpora -> packed span-corruption rows, mixtures.

Three objectives (``--objective``):

* ``translation`` - the paper's domain adaptation on pseudo molecule-description pairs (PseudoMD-1M): each
  pair is tokenized once into ``smiles_ids`` and ``description_ids`` (512-token truncation, ``</s>`` kept)
  and :class:`ada_t5.pretrain.objectives.BidirectionalPairCollator` makes every batch half SMILES -> description and
  half description -> SMILES.
* ``span_corruption`` - T5's denoising on SMILES, text or both (MolT5's recipe): texts are tokenized (each
  ending with ``</s>``), concatenated and cut into rows of T5's ``tokens_length`` (568 for 512-token inputs)
  that :class:`ada_t5.pretrain.objectives.DataCollatorForT5MLM` corrupts.
* ``mixture`` - both, drawn example by example with ``--span_corruption_ratio`` of span corruption;
  :class:`ada_t5.pretrain.objectives.MixtureCollator` collates each kind and pads them into one batch.

Scale. Tokenization runs once, in ``datasets.map`` worker processes (``--preprocessing_num_workers``), into
Arrow files with int32 token lists; rows are read from memory-mapped Arrow, never held as Python lists of
tensors. The result is saved under ``--data_cache_dir`` (default ``$ADA_T5_CACHE/pretrain``) keyed by the
source (path, size and mtime, or Hub id), the tokenizer and every data setting, so a second run (or a resumed
one, or the other ranks of a multi-process job) starts training without loading or tokenizing anything.
``--streaming`` reads, checks and tokenizes on the fly instead (:mod:`ada_t5.pretrain.stream`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict
from itertools import chain
from pathlib import Path

import numpy as np

from ada_t5.errors import ArgumentError
from ada_t5.pretrain.args import PretrainDataArguments
from ada_t5.pretrain.objectives import compute_input_and_target_lengths
from ada_t5.processes import available_cpus
from ada_t5.tasks import DEFAULT_MAX_LENGTH

logger = logging.getLogger(__name__)

_CACHE_VERSION = 1  # bump when what is cached changes
PACK_BATCH_SIZE = 1000  # texts per packing batch; each batch drops its last partial row (< tokens_length tokens)
# ----------------------------------------------------------------------------------------------- raw data
def load_raw_pairs(args: PretrainDataArguments, *, seed: int):
    """``{"train": Dataset, "validation": Dataset?}`` of (smiles, description, id) pairs."""
    from ada_t5 import data

    options = args.pair_options()
    if args.dataset == "demo":
        demo = data.load_demo_splits(n=args.demo_size, seed=seed)
        splits = {"train": demo["train"], "validation": demo["validation"]}
    elif os.path.isdir(args.dataset) and not (Path(args.dataset) / "dataset_info.json").exists():
        loaded = data.load_splits(args.dataset, **options)
        splits = {name: loaded[name] for name in ("train", "validation") if name in loaded}
    else:
        splits = {"train": data.load_pairs(args.dataset, **options)}
    if args.validation_file:
        splits["validation"] = data.load_pairs(args.validation_file, **options)
    for name, limit in (("train", args.max_train_samples), ("validation", args.max_eval_samples)):
        if limit is not None and name in splits and len(splits[name]) > limit:
            splits[name] = splits[name].select(range(limit))
    from ada_t5.preflight import check_splits

    check_splits(splits, validating=True, testing=False,
                 source=", ".join(filter(None, (args.dataset, args.validation_file))))
    return splits


def _source_fingerprint(source: str | None) -> object:
    """What identifies a data source cheaply: name, size and mtime of each file, the Hub id, or for the demo
    what its content depends on (a describer change must not reuse pairs tokenized from the old text)."""
    if source == "demo":
        from ada_t5.data.demo import demo_fingerprint

        return demo_fingerprint()
    if not source or not os.path.exists(source):
        return source
    paths = [Path(source)] if os.path.isfile(source) else sorted(p for p in Path(source).rglob("*") if p.is_file())
    return [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]


def tokenizer_fingerprint(tokenizer) -> str:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # without the truncation / padding state, which every call with max_length changes
        spec = {k: v for k, v in json.loads(backend.to_str()).items() if k not in ("truncation", "padding")}
        text = json.dumps(spec, sort_keys=True)
    else:
        text = json.dumps(tokenizer.get_vocab(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_key(args: PretrainDataArguments, tokenizer, *, seed: int) -> str:
    settings = {k: v for k, v in asdict(args).items()
                if k not in ("preprocessing_num_workers", "data_cache_dir", "streaming", "shuffle_buffer_size")}
    sources = {name: _source_fingerprint(getattr(args, name)) for name in ("dataset", "validation_file")}
    sources["span_corruption_files"] = [_source_fingerprint(p) for p in split_paths(args.span_corruption_files)]
    blob = json.dumps([_CACHE_VERSION, settings, sources, tokenizer_fingerprint(tokenizer), seed], sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def split_paths(paths: str | None) -> list[str]:
    return [p.strip() for p in (paths or "").split(",") if p.strip()]


def _num_proc(args: PretrainDataArguments, rows: int) -> int | None:
    if args.preprocessing_num_workers is not None:
        return args.preprocessing_num_workers if args.preprocessing_num_workers > 1 else None
    cpus = available_cpus()
    return min(cpus, 16) if rows >= 50_000 and cpus > 1 else None


# ------------------------------------------------------------------------------------------- tokenization
def _map_options(dataset, num_proc: int | None, desc: str) -> dict:
    """``map`` options both kinds of dataset take: a stream (``IterableDataset``) maps lazily in the process
    that iterates it, so it has neither worker processes nor a progress bar."""
    from datasets import IterableDataset

    return {} if isinstance(dataset, IterableDataset) else {"num_proc": num_proc, "desc": desc}


def tokenize_each_side(pairs, tokenizer, *, max_length: int = DEFAULT_MAX_LENGTH, num_proc: int | None = None):
    """``smiles_ids``, ``description_ids`` (int32, ``</s>``-ended, truncated) and ``length`` (their sum).
    ``pairs``: a Dataset (tokenized now) or an IterableDataset (tokenized as it is read)."""
    from datasets import Features, List, Value

    def encode(batch):
        smiles = tokenizer(batch["smiles"], max_length=max_length, truncation=True)["input_ids"]
        text = tokenizer(batch["description"], max_length=max_length, truncation=True)["input_ids"]
        return {"smiles_ids": smiles, "description_ids": text,
                "length": [len(a) + len(b) for a, b in zip(smiles, text)]}

    features = Features({"smiles_ids": List(Value("int32")), "description_ids": List(Value("int32")),
                         "length": Value("int32")})
    return pairs.map(encode, batched=True, remove_columns=pairs.column_names, features=features,
                     **_map_options(pairs, num_proc, "tokenizing pairs (both directions)"))


def pack_for_span_corruption(texts, tokenizer, tokens_length: int, *, num_proc: int | None = None):
    """A ``text`` dataset -> rows of exactly ``tokens_length`` token ids (``input_ids``, int32) and ``length``.

    Texts are tokenized with their ``</s>`` (which separates documents in a row), concatenated and cut;
    each batch of :data:`PACK_BATCH_SIZE` texts drops its last partial row, as T5 and the Flax example do.
    A stream is packed the same way, batch by batch, as it is read.
    """
    from datasets import Features, List, Value

    def pack(batch):
        ids = tokenizer(batch["text"], verbose=False)["input_ids"]
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int32)
        rows = len(flat) // tokens_length
        return {"input_ids": flat[: rows * tokens_length].reshape(rows, tokens_length),
                "length": np.full(rows, tokens_length, dtype=np.int32)}

    features = Features({"input_ids": List(Value("int32"), length=tokens_length), "length": Value("int32")})
    return texts.map(pack, batched=True, batch_size=PACK_BATCH_SIZE, remove_columns=texts.column_names,
                     features=features, **_map_options(texts, num_proc, "packing for span corruption"))


def corpus_texts(pairs, columns: list[str], files: list[str] = (), *, num_proc: int | None = None,
                 streaming: bool = False):
    """One ``text`` column: the chosen pair columns (per batch of pairs: its SMILES, then its descriptions)
    followed by the lines of each extra corpus file (``.smi``: the first whitespace-separated field).
    ``streaming``: the files are read as streams too (``pairs`` is then an IterableDataset)."""
    from datasets import Features, Value, concatenate_datasets, load_dataset

    text = Features({"text": Value("string")})
    parts = []
    if pairs is not None:
        parts.append(pairs.map(lambda b: {"text": list(chain.from_iterable(b[c] for c in columns))}, batched=True,
                               remove_columns=pairs.column_names, features=text,
                               **_map_options(pairs, num_proc, "span-corruption corpus")))
    for path in files:
        lines = load_dataset("text", data_files=path, split="train", streaming=streaming)
        if path.endswith(".smi"):
            lines = lines.map(lambda b: {"text": [t.split()[0] if t.split() else "" for t in b["text"]]},
                              batched=True, features=text, **_map_options(lines, num_proc, "SMILES column"))
        lines = lines.filter(lambda b: [bool(t.strip()) for t in b["text"]], batched=True,
                             **_map_options(lines, num_proc, "dropping blank lines"))
        parts.append(lines)
    return concatenate_datasets(parts) if len(parts) > 1 else parts[0]


def mix(translation, span_corruption, span_ratio: float, *, seed: int):
    """Interleave the two kinds of rows, ``span_ratio`` of them span corruption, until both are used up once."""
    from datasets import Features, List, Value, interleave_datasets

    if span_ratio in (0.0, 1.0):
        return span_corruption if span_ratio == 1.0 else translation
    ids = List(Value("int32"))
    features = Features({"smiles_ids": ids, "description_ids": ids, "input_ids": ids, "length": Value("int32")})
    empty = lambda *names: lambda b: {n: [[]] * len(b["length"]) for n in names}  # noqa: E731
    translation = translation.map(empty("input_ids"), batched=True, features=features)
    span_corruption = span_corruption.cast(Features({"input_ids": ids, "length": Value("int32")}))
    span_corruption = span_corruption.map(empty("smiles_ids", "description_ids"), batched=True, features=features)
    return interleave_datasets([translation, span_corruption], probabilities=[1 - span_ratio, span_ratio], seed=seed,
                               stopping_strategy="all_exhausted")


# ----------------------------------------------------------------------------------------- the datasets
def prepare_split(pairs, args: PretrainDataArguments, tokenizer, *, seed: int, extra_files: list[str] = ()):
    """One split's rows for the objective (``pairs`` may be None when only corpus files feed span corruption)."""
    num_proc = _num_proc(args, len(pairs) if pairs is not None else 0)
    translation = span = None
    if args.objective in ("translation", "mixture"):
        translation = tokenize_each_side(pairs, tokenizer, max_length=args.max_length, num_proc=num_proc)
    if args.uses_span_corruption:
        tokens_length, _ = compute_input_and_target_lengths(args.input_length, args.noise_density,
                                                            args.mean_noise_span_length)
        texts = corpus_texts(pairs, args.corpus_columns, extra_files, num_proc=num_proc)
        span = pack_for_span_corruption(texts, tokenizer, tokens_length, num_proc=num_proc)
        if len(span) == 0:
            raise ArgumentError(f"the span-corruption corpus holds fewer than {tokens_length} tokens: nothing to "
                                "train on")
    if args.objective == "mixture":
        return mix(translation, span, args.span_corruption_ratio, seed=seed)
    return translation if translation is not None else span


def load_or_build_datasets(args: PretrainDataArguments, tokenizer, *, seed: int, raw_pairs=None):
    """(train, validation or None), from the cache when this exact data was prepared before.

    ``raw_pairs`` (the output of :func:`load_raw_pairs`) saves loading the pairs twice when the caller has
    them already; it is loaded only on a cache miss otherwise. Saving is atomic (a temporary folder renamed
    into place), so an interrupted preparation is redone, never half-read.
    """
    from datasets import load_from_disk

    from ada_t5.data import default_cache_dir

    root = Path(args.data_cache_dir) if args.data_cache_dir else default_cache_dir() / "pretrain"
    folder = root / f"{args.objective}-{cache_key(args, tokenizer, seed=seed)}"
    if (folder / "train").is_dir():
        logger.info("pre-training data: cached in %s (no tokenization needed)", folder)
        train = load_from_disk(str(folder / "train"))
        validation = load_from_disk(str(folder / "validation")) if (folder / "validation").is_dir() else None
        return train, validation
    raw = raw_pairs if raw_pairs is not None else load_raw_pairs(args, seed=seed)
    train = prepare_split(raw["train"], args, tokenizer, seed=seed,
                          extra_files=split_paths(args.span_corruption_files))
    validation = prepare_split(raw["validation"], args, tokenizer, seed=seed) if "validation" in raw else None
    staging = root / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    train.save_to_disk(str(staging / "train"))
    if validation is not None:
        validation.save_to_disk(str(staging / "validation"))
    try:
        os.replace(staging, folder)
    except OSError:  # another process got there first: use its copy
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("pre-training data: %d train rows%s, saved to %s", len(train),
                f", {len(validation)} validation rows" if validation is not None else "", folder)
    train = load_from_disk(str(folder / "train"))  # memory-mapped from the cache, as a later run sees it
    validation = load_from_disk(str(folder / "validation")) if (folder / "validation").is_dir() else None
    return train, validation
