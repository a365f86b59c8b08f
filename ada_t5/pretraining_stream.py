"""Streaming pre-training data (``--streaming true``): pairs read, checked and tokenized as training goes, for
corpora too large to tokenize into the Arrow cache.

Reading. JSON Lines, CSV / TSV / MolT5 ``.txt``, Parquet and Hub ids go through ``datasets.load_dataset(...,
streaming=True)``. A JSON *list* (the paper's files) does not: datasets' json builder turns a file starting
with ``[`` into JSON Lines by reading and parsing all of it in memory (a 753 MB list costs gigabytes in
every process, on every pass), so such files are read with ada-t5's own incremental reader
(:mod:`ada_t5.data.json_stream`, one value at a time) through ``IterableDataset.from_generator``.

Checking. Every row meets :func:`ada_t5.data.load_pairs`' checks as it is read (missing, empty or non-string
fields, SMILES RDKit cannot parse when ``--validate_smiles``): a bad row raises naming the source and the
line (JSON lists) or the 0-based row, or with ``--skip_invalid`` it is dropped, counted and logged.

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

import csv
import glob
import logging
import os
from itertools import count, islice
from pathlib import Path

import torch

from ada_t5.errors import ArgumentError
from ada_t5.pretraining import (
    PretrainDataArguments,
    _split_paths,
    corpus_texts,
    mix,
    pack_for_span_corruption,
    pair_columns,
    pair_options,
    prepare_split,
    tokenize_pair_sides,
)
from ada_t5.span_corruption import compute_input_and_target_lengths

logger = logging.getLogger(__name__)

TOKENIZER_SAMPLE = 100_000  # pairs from the head of the stream that train a new tokenizer
CHECK_BATCH = 1000  # rows checked (RDKit) per map call
_LOGGED_ROWS = 10  # skipped rows logged one by one; after that, a count at every power of 10
_LISTED = 100  # skipped rows kept in StreamChecker.problems


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
def _json_list_head(path: str, label: str, columns: dict | None) -> dict[str, str]:
    """{ours: the file's key} from the keys of the first objects (as load_pairs finds them)."""
    from ada_t5.data.json_files import _KEY_SAMPLE, _keys_of
    from ada_t5.data.json_stream import _json_rows, _JsonStream
    from ada_t5.data.raw import _resolve_columns

    with open(path, "rb") as handle:
        head = list(islice(_json_rows(_JsonStream(handle, label)), _KEY_SAMPLE))
    first = next((line for row, line in head if isinstance(row, dict)), 1)
    return _resolve_columns(_keys_of([row for row, _ in head]), columns, label, f"{label}:{first}")


def _json_list_rows(paths: list[str], fields: dict[str, str]):
    """Rows of JSON lists (or of the one list in a JSON object), read incrementally, each with its file and
    line; a row of the wrong shape carries its problem, for :class:`StreamChecker` to raise or count."""
    from ada_t5.data.json_stream import _json_rows, _JsonStream
    from ada_t5.data.raw import _bad_byte, _not_utf8

    for path in paths:
        with open(path, "rb") as handle:
            stream = _JsonStream(handle, path)
            for row, line in _json_rows(stream):
                out = {"smiles": None, "description": None, "_source": path, "_line": line, "_field": None,
                       "_problem": None}
                if not isinstance(row, dict):
                    out["_problem"] = f"expected an object with smiles and description, got {type(row).__name__}"
                for ours in ("smiles", "description") if isinstance(row, dict) else ():
                    value = row.get(fields[ours])
                    if value is not None and not isinstance(value, str):
                        out["_field"], out["_problem"] = fields[ours], f"expected a string, got {type(value).__name__}"
                    elif value is not None and stream.bad_utf8 and _not_utf8(value) is not None:
                        out["_field"], out["_problem"] = fields[ours], _bad_byte(value, _not_utf8(value))
                    if out["_problem"]:
                        break
                    out[ours] = value
                yield out


def _hub_stream(hub_id: str):
    import datasets

    from ada_t5.data.hub import _hub_message
    from ada_t5.hub import hub_offline, hub_unavailable_reason

    if hub_offline(datasets_too=True):
        raise FileNotFoundError(f"{hub_id!r}: streaming reads a Hub dataset over the network, and offline mode is on "
                                "(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE); pass a local copy of its files instead, or "
                                "train without --streaming from the datasets cache")
    why = hub_unavailable_reason()
    if why is None:
        try:
            return datasets.load_dataset(hub_id, split="train", streaming=True)
        except (ConnectionError, FileNotFoundError, OSError) as error:  # DatasetNotFoundError included
            why = f"the Hub has no such dataset, or it is private, gated or unreachable ({error})"
    raise FileNotFoundError(_hub_message(hub_id, why, False))


def open_pair_stream(args: PretrainDataArguments, *, seed: int):
    """(raw stream, label, {ours: column to read}, {ours: the source's name for it, for messages}, unit of
    positions: "line" or "row") for ``--dataset``."""
    from datasets import DatasetDict, load_from_disk

    from ada_t5 import data
    from ada_t5.data.errors import DataFormatError
    from ada_t5.data.loader import _split_files
    from ada_t5.data.raw import _resolve_columns
    from ada_t5.data.sources import _is_saved_dataset, _normalise_format
    from ada_t5.hub import looks_like_hub_id

    source, fmt, columns = args.dataset, _normalise_format(args.data_format), pair_columns(args)
    path = Path(os.path.expanduser(source))
    files = None
    if source == "demo":  # already in memory: streamed only so the streaming path can be tried on it
        raw, label = data.load_demo_splits(n=args.demo_size, seed=seed)["train"].to_iterable_dataset(), "demo[train]"
    elif any(char in source for char in "*?["):  # a sharded corpus: its files are the stream's shards
        files = sorted(Path(p) for p in glob.glob(os.path.expanduser(source)) if os.path.isfile(p))
        if not files:
            raise FileNotFoundError(f"{source}: no file matches")
        label = source
    elif fmt == "hub" or (fmt is None and not path.exists() and looks_like_hub_id(source)):
        raw, label = _hub_stream(source), f"{source}[train]"
    elif not path.exists():
        raise FileNotFoundError(f"{source}: no such file or folder")
    else:
        if path.is_dir() and not _is_saved_dataset(path):
            splits = _split_files(path, fmt)
            if "train" not in splits:
                raise DataFormatError(f"{source}: no train file to stream (found {sorted(splits) or 'none'})",
                                      path=source)
            path = splits["train"]
        label = str(path)
        if path.is_dir():  # a save_to_disk folder: Arrow on disk already, streamed for uniformity
            saved = load_from_disk(str(path))
            raw = (saved["train"] if isinstance(saved, DatasetDict) else saved).to_iterable_dataset()
        else:
            files = [path]
    if files is not None:
        raw, fields = _file_stream(files, fmt, label, columns)
        if fields is not None:  # JSON lists: read by our generator, which names the columns ours
            return raw, label, {"smiles": "smiles", "description": "description"}, fields, "line"
    fields = _resolve_columns(_column_names(raw), columns, label, label)
    return raw, label, fields, fields, "row"


def _file_stream(paths: list[Path], fmt: str | None, label: str, columns: dict | None):
    """(stream of pair files of one format, one shard each; {ours: the files' keys} when they are JSON lists
    read by our generator, else None)."""
    from datasets import Features, IterableDataset, Value, load_dataset

    from ada_t5.data.errors import DataFormatError
    from ada_t5.data.json_files import is_json_lines
    from ada_t5.data.sources import _SUFFIX_FORMATS
    from ada_t5.data.tables import _is_molt5_header, _sniff_header

    suffix = paths[0].suffix.lower()
    fmt = fmt or _SUFFIX_FORMATS.get(suffix)
    if fmt is None:
        raise DataFormatError(f"{label}: cannot tell the format from the suffix {suffix or '(none)'!r}; pass "
                              "--data_format", path=label)
    if fmt == "tsv" and _is_molt5_header(_sniff_header(paths[0])):
        fmt = "molt5"
    files = [str(p) for p in paths]
    if fmt == "json" and not is_json_lines(paths[0], columns):
        fields = _json_list_head(files[0], files[0], columns)
        features = Features({"smiles": Value("string"), "description": Value("string"), "_source": Value("string"),
                             "_line": Value("int64"), "_field": Value("string"), "_problem": Value("string")})
        return IterableDataset.from_generator(_json_list_rows, features=features,
                                              gen_kwargs={"paths": files, "fields": fields}), fields
    if fmt in ("json", "jsonl"):
        return load_dataset("json", data_files=files, split="train", streaming=True), None
    if fmt in ("csv", "tsv", "molt5"):
        delimiter = "," if fmt == "csv" else "\t"
        with open(paths[0], newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), [])
        # every column a string (pandas would guess numbers chunk by chunk) and empty fields kept as ""
        return load_dataset("csv", data_files=files, split="train", streaming=True, sep=delimiter,
                            quoting=csv.QUOTE_NONE if fmt == "molt5" else csv.QUOTE_MINIMAL, na_filter=False,
                            encoding="utf-8-sig", features=Features({name: Value("string") for name in header})), None
    if fmt == "parquet":
        return load_dataset("parquet", data_files=files, split="train", streaming=True), None
    raise DataFormatError(f"{label}: --data_format {fmt} cannot be streamed", path=label)


def _column_names(stream) -> list[str]:
    return list(stream.column_names or next(iter(stream), {}))


# ----------------------------------------------------------------------------------------------- checking
class StreamChecker:
    """:func:`ada_t5.data.load_pairs`' row checks, applied batch by batch as a stream is read. A bad row
    raises :class:`~ada_t5.data.DataFormatError` (source, line or 0-based row, field, reason), or with
    ``skip_invalid`` is dropped and counted (``skipped``, every pass; the first ``_LISTED`` distinct rows in
    ``problems``), the first few logged one by one, then the count at every power of 10: never silently."""

    def __init__(self, label: str, fields: dict[str, str], unit: str, *, skip_invalid: bool, validate_smiles: bool,
                 unescape: bool, names: dict[str, str] | None = None):
        self.label, self.fields, self.unit, self.names = label, fields, unit, names or fields
        self.skip_invalid, self.validate_smiles, self.unescape = skip_invalid, validate_smiles, unescape
        self.skipped = 0
        self.problems: list[str] = []
        self._seen_through: dict[str, int] = {}  # per file, the last position listed (they restart each pass)

    def __call__(self, batch: dict, indices: list[int]) -> dict:
        from ada_t5 import chem
        from ada_t5.data.errors import Problem, _short

        smiles_column, description_column = self.fields["smiles"], self.fields["description"]
        smiles_name, description_name = self.names["smiles"], self.names["description"]
        positions = batch["_line"] if "_line" in batch else indices
        found = zip(batch.get("_field") or [None] * len(positions), batch.get("_problem") or [None] * len(positions))
        bad: dict[int, Problem] = {}
        for i, (smiles, description, (field_name, problem)) in enumerate(
                zip(batch[smiles_column], batch[description_column], found)):
            if problem:
                bad[i] = Problem(positions[i], field_name, problem)
                continue
            for name, value in ((smiles_name, smiles), (description_name, description)):
                reason = ("missing" if value is None else f"expected a string, got {type(value).__name__}"
                          if not isinstance(value, str) else "empty" if not value.strip() else None)
                if reason:
                    bad[i] = Problem(positions[i], name, reason)
                    break
        smiles = [chem.unescape_backslashes(s) if self.unescape and i not in bad else s
                  for i, s in enumerate(batch[smiles_column])]
        if self.validate_smiles:
            candidates = [i for i in range(len(smiles)) if i not in bad]
            for j in chem.invalid_smiles_indices([smiles[i] for i in candidates]):
                i = candidates[j]
                detail = chem.smiles_error(smiles[i])
                bad[i] = Problem(positions[i], smiles_name, f"RDKit cannot parse {_short(batch[smiles_column][i])!r}"
                                 + (f" ({detail})" if detail else ""))
        sources = batch.get("_source") or [self.label] * len(smiles)
        for i in sorted(bad):
            self._reject(bad[i], sources[i])
        keep = [i for i in range(len(smiles)) if i not in bad]
        return {"smiles": [smiles[i] for i in keep], "description": [batch[description_column][i] for i in keep]}

    def _row_scope(self) -> str:
        """What a 0-based row counts when the stream is more than one file (shard): data-loader workers each
        read their own files, and one process reads them in order."""
        if self.unit != "row":
            return ""
        worker = torch.utils.data.get_worker_info()
        if worker is not None and worker.num_workers > 1:
            return f" (row counted within data-loader worker {worker.id}'s files)"
        return " (row counted across the files, in order)" if any(c in self.label for c in "*?[") else ""

    def _reject(self, problem, source: str) -> None:
        from ada_t5.data.errors import _error, _locate

        where = self._row_scope()
        if not self.skip_invalid:
            raise _error(source, problem, self.unit, where + " (--skip_invalid true skips such rows, counted and "
                                                             "logged)")
        self.skipped += 1
        # a later pass meets the same rows again: counted, not listed again
        first_sight = problem.line > self._seen_through.get(source, -1)
        if first_sight:
            self._seen_through[source] = problem.line
        text = _locate(source, problem.line, self.unit, problem.field, problem.reason) + where
        if first_sight and len(self.problems) < _LISTED:
            self.problems.append(text)
        if first_sight and len(self.problems) <= _LOGGED_ROWS:
            logger.warning("skipped an invalid row (--skip_invalid): %s", text)
        elif str(self.skipped).rstrip("0") == "1":  # 10, 100, 1000, ...: bounded logging
            logger.warning("%s: %s invalid rows skipped so far (each pass over the stream counts them again)",
                           self.label, f"{self.skipped:,}")


def stream_pairs(args: PretrainDataArguments, *, seed: int):
    """(stream of checked ``smiles`` / ``description`` pairs, label, its :class:`StreamChecker`), in file order,
    the first ``--max_train_samples`` valid pairs only when set."""
    from datasets import Features, Value

    raw, label, fields, names, unit = open_pair_stream(args, seed=seed)
    checker = StreamChecker(label, fields, unit, skip_invalid=args.skip_invalid, validate_smiles=args.validate_smiles,
                            unescape=args.smiles_backslashes == "unescape", names=names)
    pairs = raw.map(checker, batched=True, batch_size=CHECK_BATCH, with_indices=True, remove_columns=_column_names(raw),
                    features=Features({"smiles": Value("string"), "description": Value("string")}))
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
        translation = tokenize_pair_sides(shuffled(pairs), tokenizer, max_length=args.max_length)
    if args.uses_span_corruption:
        tokens_length, _ = compute_input_and_target_lengths(args.input_length, args.noise_density,
                                                            args.mean_noise_span_length)
        texts = corpus_texts(pairs, args.corpus_columns, _split_paths(args.span_corruption_files), streaming=True)
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
    from ada_t5.data.loader import _split_files
    from ada_t5.data.sources import _is_saved_dataset, _normalise_format

    pairs = None
    if args.validation_file:
        pairs = data.load_pairs(args.validation_file, **pair_options(args))
    elif args.dataset == "demo":
        pairs = data.load_demo_splits(n=args.demo_size, seed=seed)["validation"]
    elif os.path.isdir(args.dataset) and not _is_saved_dataset(Path(args.dataset)):
        found = _split_files(Path(args.dataset), _normalise_format(args.data_format)).get("validation")
        pairs = data.load_pairs(str(found), **pair_options(args)) if found else None
    if pairs is None:
        return None
    if args.max_eval_samples is not None and len(pairs) > args.max_eval_samples:
        pairs = pairs.select(range(args.max_eval_samples))
    return prepare_split(pairs, args, tokenizer, seed=seed)
