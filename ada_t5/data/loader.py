"""The public loaders: :func:`load_pairs` (one source: a file, a ``save_to_disk`` folder, a split of a folder,
a Hub id) and :func:`load_splits` (train / validation / test from a folder, a mapping, a DatasetDict or a
Hub id). They pick the reader for the source and hand its rows to :mod:`ada_t5.data.assemble`."""

from __future__ import annotations

import csv
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ada_t5.data.arrow import _dataset_table, _from_arrow, _pick_split, _read_parquet
from ada_t5.data.assemble import _finish
from ada_t5.data.errors import DataFormatError, LoadReport
from ada_t5.data.hub_datasets import _load_hub
from ada_t5.data.json_files import _read_json, _read_jsonl
from ada_t5.data.sources import (
    _MOLECULE_ONLY_SUFFIXES,
    _SUFFIX_FORMATS,
    FORMATS,
    SPLIT_ALIASES,
    _canonical_split,
    _is_saved_dataset,
    _normalise_format,
)
from ada_t5.data.tables import _is_molt5_header, _read_delimited, _sniff_header
from ada_t5.hub import looks_like_hub_id

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict

logger = logging.getLogger(__name__)


def _check_options(smiles_backslashes: str):
    if smiles_backslashes not in ("keep", "unescape"):
        raise ValueError(f"smiles_backslashes={smiles_backslashes!r}: expected 'keep' or 'unescape'")


def load_pairs(
    source: str | os.PathLike,
    *,
    split: str | None = None,
    format: str | None = None,  # noqa: A002 - the natural name for users
    columns: Mapping[str, str | None] | None = None,
    delimiter: str | None = None,
    skip_invalid: bool = False,
    validate_smiles: bool = True,
    smiles_backslashes: Literal["keep", "unescape"] = "keep",
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    return_report: bool = False,
) -> Dataset | tuple[Dataset, LoadReport]:
    """Read one pair source into a ``datasets.Dataset`` with ``smiles``, ``description`` and ``id`` columns.

    ``source``: a pair file, a ``save_to_disk`` folder, a folder of split files (with ``split=``), or a Hub
    dataset id (only when no such local path exists). ``format``: one of :data:`FORMATS`, inferred from
    the suffix when None. ``columns``: ``{"smiles": ..., "description": ..., "id": ...}`` source names
    (default: case-insensitive :data:`COLUMN_ALIASES`). ``delimiter``: for CSV/TSV (default ``,`` /
    tab). ``skip_invalid``: skip and report bad rows instead of raising :class:`DataFormatError`.
    ``validate_smiles``: parse every SMILES with RDKit (``num_proc`` processes; None: automatic).
    ``smiles_backslashes``: ``"keep"`` MolT5's doubled backslashes as stored, or ``"unescape"`` them
    (see the :mod:`ada_t5.data` docstring). ``cache_dir``: the datasets cache for Hub ids. ``return_report``: also
    return the :class:`LoadReport`.
    """
    started = time.perf_counter()
    _check_options(smiles_backslashes)
    fmt = _normalise_format(format)
    label = os.fspath(source)
    kind, path = _locate_source(label, fmt)

    if kind == "hub":
        from datasets import DatasetDict

        dataset = _load_hub(label, split, cache_dir=cache_dir, num_proc=num_proc)
        if isinstance(dataset, DatasetDict):
            dataset = dataset[_pick_split(list(dataset), split, label)]
        fmt, label = "hub", f"{label}[{split or dataset.split}]"
        raw, source_key = _from_arrow(_dataset_table(dataset), label, columns), dataset._fingerprint
    elif kind == "saved":
        from datasets import load_from_disk

        try:
            loaded = load_from_disk(str(path))
        except FileNotFoundError as error:
            raise DataFormatError(f"{label}: not a datasets save_to_disk folder ({error})", path=label) from None
        if isinstance(loaded.column_names, dict):  # a DatasetDict
            name = _pick_split(list(loaded), split, label)
            loaded, label = loaded[name], os.path.join(label, name)
        raw, fmt = _from_arrow(_dataset_table(loaded), label, columns), "arrow"
        source_key = loaded._fingerprint
    elif kind == "splits":
        files = _split_files(path, fmt)
        if split is None:
            names = ", ".join(f.name for f in files.values()) or "none found"
            raise DataFormatError(f"{label} is a folder of splits ({names}): pass split=... or use load_splits()",
                                  path=label)
        name = _pick_split(list(files), split, label)
        kwargs = dict(format=format, columns=columns, delimiter=delimiter, skip_invalid=skip_invalid,
                      validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes,
                      num_proc=num_proc, return_report=return_report)
        return load_pairs(os.path.join(label, files[name].name), **kwargs)
    else:
        stat = path.stat()
        source_key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        fmt = _file_format(path, fmt, label)
        if fmt == "molt5":
            raw = _read_delimited(path, label, delimiter=delimiter or "\t", quoting=csv.QUOTE_NONE,
                                  columns=columns)
        elif fmt in ("csv", "tsv"):
            raw = _read_delimited(path, label, delimiter=delimiter or ("\t" if fmt == "tsv" else ","),
                                  quoting=csv.QUOTE_MINIMAL, columns=columns)
        elif fmt == "json":
            raw = _read_json(path, label, columns=columns)
        elif fmt == "jsonl":
            raw = _read_jsonl(path, label, columns=columns)
        elif fmt == "parquet":
            raw = _read_parquet(path, label, columns=columns)
        else:
            raise DataFormatError(f"{label}: format={fmt!r} needs a folder or a Hub id, not a file", path=label)

    dataset, report = _finish(raw, label, fmt, skip_invalid=skip_invalid, validate_smiles=validate_smiles,
                              smiles_backslashes=smiles_backslashes, num_proc=num_proc, started=started,
                              source_key=source_key)
    return (dataset, report) if return_report else dataset


def _locate_source(label: str, fmt: str | None) -> tuple[str, Path]:
    """What a pair source is, for :func:`load_pairs` and :func:`ada_t5.data.stream_pairs` alike: ``"hub"`` (an
    id, when no such local path exists), ``"saved"`` (a ``save_to_disk`` folder), ``"splits"`` (a folder of
    split files) or ``"file"``."""
    path = Path(os.path.expanduser(label))
    if fmt == "hub" or (fmt is None and not path.exists() and looks_like_hub_id(label)):
        return "hub", path
    if not path.exists():
        raise FileNotFoundError(f"{label}: no such file or folder")
    if path.is_dir():
        return ("saved" if _is_saved_dataset(path) or fmt == "arrow" else "splits"), path
    return "file", path


def _file_format(path: Path, fmt: str | None, label: str) -> str:
    """A pair file's format: ``fmt`` as given, else its suffix's (a ``.tsv`` with MolT5's header is ``molt5``);
    a file of molecules only, or a suffix that names no format, raises."""
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower()
    if suffix in _MOLECULE_ONLY_SUFFIXES:
        raise DataFormatError(
            f"{label}: a {suffix} file holds molecules without descriptions, so it is not a pair file. "
            "To caption its molecules use a trained model (ada_t5.load(...) / `ada-t5 test`); to make pseudo "
            "pairs describe them with ada_t5.describe.describe_many; pair files are MolT5 .txt, .json, "
            ".jsonl, .csv, .tsv or .parquet", path=label)
    fmt = _SUFFIX_FORMATS.get(suffix)
    if fmt is None:
        raise DataFormatError(f"{label}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
                              f"pass format= (--data_format) one of {', '.join(FORMATS[:-2])}", path=label)
    if fmt == "tsv" and _is_molt5_header(_sniff_header(path)):
        fmt = "molt5"
    return fmt


_PAIR_SUFFIXES = tuple(_SUFFIX_FORMATS)


def _split_files(folder: Path, fmt: str | None) -> dict[str, Path]:
    """{canonical split: file} for split-named pair files (or saved Dataset folders) in ``folder``."""
    family = {fmt} | ({"tsv", "molt5"} if fmt in ("tsv", "molt5") else set())
    wanted = [s for s, f in _SUFFIX_FORMATS.items() if fmt is None or f in family]
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        stem, suffix = (entry.name, "") if entry.is_dir() else (entry.stem, entry.suffix.lower())
        split = _canonical_split(stem)
        if split not in SPLIT_ALIASES:
            continue
        if (entry.is_file() and suffix in wanted) or (entry.is_dir() and _is_saved_dataset(entry)):
            found.setdefault(split, []).append(entry)
    ambiguous = {s: paths for s, paths in found.items() if len(paths) > 1}
    if ambiguous:
        listing = "; ".join(f"{s}: {', '.join(p.name for p in paths)}" for s, paths in ambiguous.items())
        raise DataFormatError(f"{folder}: more than one file per split ({listing}); pass format= or explicit "
                              "files {'train': ..., 'validation': ..., 'test': ...}", path=str(folder))
    return {split: paths[0] for split, paths in found.items()}


def load_splits(
    data_dir_or_files: str | os.PathLike | Mapping[str, str | os.PathLike | None],
    *,
    format: str | None = None,  # noqa: A002
    columns: Mapping[str, str | None] | None = None,
    delimiter: str | None = None,
    skip_invalid: bool = False,
    validate_smiles: bool = True,
    smiles_backslashes: Literal["keep", "unescape"] = "keep",
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    return_reports: bool = False,
) -> DatasetDict | tuple[DatasetDict, dict[str, LoadReport]]:
    """train / validation / test pair datasets from a folder, a ``{split: path}`` mapping, a saved
    DatasetDict or a Hub id (options as for :func:`load_pairs`).

    A folder is searched for ``train``, ``validation`` (or ``valid``, ``val``, ``dev``) and ``test`` files
    with a pair suffix (MolT5 ``.txt``, the paper's ``.json``, ...); splits without a file are left out of
    the result (logged, with any similarly named file, such as ``train_partial.txt``, which is never taken
    as the split by guessing); a folder with none of them is an error. Mapping keys are split names
    (aliases allowed); None values are ignored.
    """
    from datasets import DatasetDict

    options = dict(format=format, columns=columns, delimiter=delimiter, skip_invalid=skip_invalid,
                   validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes, num_proc=num_proc,
                   cache_dir=cache_dir, return_report=True)
    files: dict[str, str] = {}
    splits, reports = DatasetDict(), {}

    if isinstance(data_dir_or_files, Mapping):
        for name, file in data_dir_or_files.items():
            if file is None:
                continue
            canonical = _canonical_split(str(name))
            if canonical in files:
                raise ValueError(f"two files for the {canonical} split: {files[canonical]} and {file}")
            files[canonical] = os.fspath(file)
    else:
        label = os.fspath(data_dir_or_files)
        path = Path(os.path.expanduser(label))
        fmt = _normalise_format(format)
        if path.is_dir() and (_is_saved_dataset(path) and (path / "dataset_dict.json").is_file()):
            from datasets import load_from_disk

            saved = load_from_disk(str(path))
            for name in saved:
                splits[_canonical_split(name)], reports[_canonical_split(name)] = load_pairs(
                    path, split=name, **options)
            return (splits, reports) if return_reports else splits
        if path.is_dir() and not _is_saved_dataset(path):
            found = _split_files(path, fmt)
            if not found:
                listing = ", ".join(sorted(p.name for p in path.iterdir())) or "nothing"
                raise DataFormatError(
                    f"{label}: no split files found (looked for train / validation|valid|val|dev / test with "
                    f"a suffix {', '.join(_PAIR_SUFFIXES)}); the folder holds {listing}", path=label)
            missing = [s for s in SPLIT_ALIASES if s not in found]
            if missing:
                names = {p.name for p in found.values()}
                for split in missing:
                    related = sorted(p.name for p in path.iterdir() if p.name.lower().startswith(
                        SPLIT_ALIASES[split]) and p.name not in names)
                    hint = (f"; {', '.join(related)} {'is' if len(related) == 1 else 'are'} not taken as the "
                            f"{split} split by guessing: pass the file explicitly ({{'{split}': path}}, "
                            f"--{split}_file)") if related else ""
                    logger.warning("%s: found %s; no %s file%s", label,
                                   ", ".join(p.name for p in found.values()), split, hint)
            files = {split: os.path.join(label, p.name) for split, p in found.items()}
        elif path.exists():
            logger.info("%s is a single source: taken as the train split", label)
            dataset, report = load_pairs(data_dir_or_files, **options)
            splits["train"], reports["train"] = dataset, report
            return (splits, reports) if return_reports else splits
        elif looks_like_hub_id(label) or fmt == "hub":
            hub = _load_hub(label, None, cache_dir=cache_dir, num_proc=num_proc)
            for name in hub:
                raw = _from_arrow(_dataset_table(hub[name]), f"{label}[{name}]", columns)
                dataset, report = _finish(raw, f"{label}[{name}]", "hub", skip_invalid=skip_invalid,
                                          validate_smiles=validate_smiles, smiles_backslashes=smiles_backslashes,
                                          num_proc=num_proc, started=time.perf_counter(),
                                          source_key=hub[name]._fingerprint)
                splits[_canonical_split(name)], reports[_canonical_split(name)] = dataset, report
            return (splits, reports) if return_reports else splits
        else:
            raise FileNotFoundError(f"{label}: no such file or folder")

    for split in sorted(files, key=lambda s: list(SPLIT_ALIASES).index(s) if s in SPLIT_ALIASES else 99):
        splits[split], reports[split] = load_pairs(files[split], **options)
    return (splits, reports) if return_reports else splits
