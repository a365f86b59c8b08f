"""Pairs as a stream: :func:`stream_pairs` reads any source :func:`~ada_t5.data.load_pairs` reads (and globs of
shard files) as a ``datasets.IterableDataset`` checked row by row as it is read, for corpora too large to load.

Reading. The source is told apart as :func:`~ada_t5.data.load_pairs` tells it (``loader._locate_source``,
``loader._file_format``). JSON Lines, CSV / TSV / MolT5 ``.txt``, Parquet and Hub ids go through
``datasets.load_dataset(..., streaming=True)``. A JSON *list* (the paper's files) does not: datasets' json builder
turns a file starting with ``[`` into JSON Lines by reading and parsing all of it in memory (a 753 MB list costs
gigabytes in every process, on every pass), so such files are read with the incremental reader of
:mod:`ada_t5.data.json_stream` (one value at a time) through ``IterableDataset.from_generator``.

Checking. Every row meets :func:`~ada_t5.data.load_pairs`' checks as it is read (missing, empty or non-string
fields, SMILES RDKit cannot parse when ``validate_smiles``): a bad row raises naming the source and the line
(JSON lists) or the 0-based row, or with ``skip_invalid`` it is dropped, counted and logged.
"""

from __future__ import annotations

import csv
import glob
import logging
import os
from collections.abc import Mapping
from itertools import islice
from pathlib import Path

from ada_t5.data.errors import DataFormatError, Problem, _error, _locate, _short
from ada_t5.data.json_files import _KEY_SAMPLE, _keys_of, is_json_lines
from ada_t5.data.json_stream import _json_rows, _JsonStream
from ada_t5.data.loader import _check_options, _file_format, _locate_source, _split_files
from ada_t5.data.raw import _bad_byte, _not_utf8, _resolve_columns
from ada_t5.data.sources import _is_saved_dataset, _normalise_format

logger = logging.getLogger(__name__)

CHECK_BATCH = 1000  # rows checked (RDKit) per map call
_LOGGED_ROWS = 10  # skipped rows logged one by one; after that, a count at every power of 10
_LISTED = 100  # skipped rows kept in StreamChecker.problems


def stream_pairs(source: str | os.PathLike, *, format: str | None = None,  # noqa: A002 - load_pairs' name
                 columns: Mapping[str, str | None] | None = None, skip_invalid: bool = False,
                 validate_smiles: bool = True, smiles_backslashes: str = "keep", demo_size: int | None = None,
                 seed: int = 42):
    """``(stream, label, checker)``: the train pairs of ``source`` as an ``IterableDataset`` of checked
    ``smiles`` / ``description`` rows in file order, a label for messages, and its :class:`StreamChecker`
    (what ``skip_invalid`` dropped). ``source``: anything :func:`~ada_t5.data.load_pairs` reads (a folder gives
    its train file), a glob of shard files of one format, or ``"demo"`` (``demo_size`` molecules, split by
    ``seed``). The options are :func:`~ada_t5.data.load_pairs`'."""
    from datasets import Features, Value

    _check_options(smiles_backslashes)
    raw, label, fields, names, unit = _open(os.fspath(source), _normalise_format(format), columns,
                                            demo_size=demo_size, seed=seed)
    checker = StreamChecker(label, fields, unit, skip_invalid=skip_invalid, validate_smiles=validate_smiles,
                            unescape=smiles_backslashes == "unescape", names=names)
    pairs = raw.map(checker, batched=True, batch_size=CHECK_BATCH, with_indices=True,
                    remove_columns=_column_names(raw),
                    features=Features({"smiles": Value("string"), "description": Value("string")}))
    return pairs, label, checker


def split_file(source: str | os.PathLike, split: str, format: str | None = None) -> Path | None:  # noqa: A002
    """The file of ``split`` when ``source`` is a folder of split files (as :func:`~ada_t5.data.load_splits` finds
    it), else None: the small validation file beside a streamed train file."""
    path = Path(os.path.expanduser(os.fspath(source)))
    if not path.is_dir() or _is_saved_dataset(path):
        return None
    return _split_files(path, _normalise_format(format)).get(split)


# ------------------------------------------------------------------------------------------------ reading
def _open(source: str, fmt: str | None, columns, *, demo_size, seed):
    """(raw stream, label, {ours: column to read}, {ours: the source's name for it, for messages}, unit of
    positions: "line" or "row")."""
    from datasets import DatasetDict, load_from_disk

    files = None
    if source == "demo":  # already in memory: streamed only so the streaming path can be tried on it
        from ada_t5.data.demo import load_demo_splits

        raw, label = load_demo_splits(n=demo_size, seed=seed)["train"].to_iterable_dataset(), "demo[train]"
    elif any(char in source for char in "*?["):  # a sharded corpus: its files are the stream's shards
        files = sorted(Path(p) for p in glob.glob(os.path.expanduser(source)) if os.path.isfile(p))
        if not files:
            raise FileNotFoundError(f"{source}: no file matches")
        label = source
    else:
        kind, path = _locate_source(source, fmt)
        if kind == "hub":
            raw, label = _hub_stream(source), f"{source}[train]"
        else:
            if kind == "splits":
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


def _file_stream(paths: list[Path], fmt: str | None, label: str, columns):
    """(stream of pair files of one format, one shard each; {ours: the files' keys} when they are JSON lists
    read by our generator, else None)."""
    from datasets import Features, IterableDataset, Value, load_dataset

    fmt = _file_format(paths[0], fmt, label)
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


def _json_list_head(path: str, label: str, columns) -> dict[str, str]:
    """{ours: the file's key} from the keys of the first objects (as load_pairs finds them)."""
    with open(path, "rb") as handle:
        head = list(islice(_json_rows(_JsonStream(handle, label)), _KEY_SAMPLE))
    first = next((line for row, line in head if isinstance(row, dict)), 1)
    return _resolve_columns(_keys_of([row for row, _ in head]), columns, label, f"{label}:{first}")


def _json_list_rows(paths: list[str], fields: dict[str, str]):
    """Rows of JSON lists (or of the one list in a JSON object), read incrementally, each with its file and
    line; a row of the wrong shape carries its problem, for :class:`StreamChecker` to raise or count."""
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

    from ada_t5.data.hub_datasets import _hub_message
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


def _column_names(stream) -> list[str]:
    return list(stream.column_names or next(iter(stream), {}))


# ----------------------------------------------------------------------------------------------- checking
class StreamChecker:
    """:func:`~ada_t5.data.load_pairs`' row checks, applied batch by batch as a stream is read. A bad row
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
        import torch

        worker = torch.utils.data.get_worker_info()
        if worker is not None and worker.num_workers > 1:
            return f" (row counted within data-loader worker {worker.id}'s files)"
        return " (row counted across the files, in order)" if any(c in self.label for c in "*?[") else ""

    def _reject(self, problem, source: str) -> None:
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
