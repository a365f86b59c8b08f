"""The kinds of pair source and how they are told apart: ``format=`` names, file suffixes, split names,
saved ``datasets`` folders."""

from __future__ import annotations

from pathlib import Path

#: ``format=`` values (``None`` infers it from the suffix).
FORMATS = ("molt5", "json", "jsonl", "csv", "tsv", "parquet", "arrow", "hub")
_SUFFIX_FORMATS = {".txt": "molt5", ".tsv": "tsv", ".csv": "csv", ".json": "json", ".jsonl": "jsonl",
                   ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
_FORMAT_ALIASES = {"txt": "molt5", "disk": "arrow", "datasets": "arrow", "save_to_disk": "arrow",
                   "pq": "parquet", "ndjson": "jsonl", "json_lines": "jsonl"}
_MOLECULE_ONLY_SUFFIXES = (".smi", ".smiles", ".sdf", ".mol", ".mol2")

#: Canonical split names and the file stems / split names that mean them.
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "val", "dev"),
    "test": ("test", "testing"),
}


def _normalise_format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    fmt = _FORMAT_ALIASES.get(fmt.lower().lstrip("."), fmt.lower().lstrip("."))
    if fmt not in FORMATS:
        raise ValueError(f"format={fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


def _canonical_split(name: str) -> str:
    lowered = name.lower()
    for canonical, aliases in SPLIT_ALIASES.items():
        if lowered in aliases:
            return canonical
    return name


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and ((path / "dataset_info.json").is_file() and (path / "state.json").is_file()
                              or (path / "dataset_dict.json").is_file())
