"""The embedded default data set: RDKit's ~5,000 shipped NCI molecules described by
:func:`ada_t5.describe.describe`, split by seed into train / validation / test, cached under
:func:`default_cache_dir`."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ada_t5 import chem
from ada_t5.processes import available_cpus

if TYPE_CHECKING:
    from datasets import DatasetDict

logger = logging.getLogger(__name__)

_DEMO_VERSION = 1  # bump when load_demo_splits changes what it produces (part of the cache key)


def default_cache_dir() -> Path:
    """``$ADA_T5_CACHE``, else ``~/.cache/ada_t5``."""
    return Path(os.environ.get("ADA_T5_CACHE") or Path.home() / ".cache" / "ada_t5").expanduser()


def _demo_source() -> Path:
    from rdkit import RDConfig

    return Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _package_digest(folder: Path) -> str:
    """A digest of a package's source: the name and bytes of each of its ``.py`` files, sorted by name."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py"), key=lambda p: p.name):
        digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def demo_fingerprint() -> dict:
    """What the demo's content depends on (besides its arguments): a cache key part for anything built on it."""
    import rdkit

    from ada_t5 import describe as describer

    return {"demo": _DEMO_VERSION, "rdkit": rdkit.__version__, "molecules": _file_digest(_demo_source()),
            "describer": _package_digest(Path(describer.__file__).parent)}


def load_demo_splits(
    *,
    n: int | None = None,
    seed: int = 42,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    num_proc: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    quantities: bool = False,
    formula: bool = False,
    stereo: bool = True,
    variant: int | None = None,
) -> DatasetDict:
    """The embedded default data: RDKit's ~5,000 shipped NCI molecules, described by the rule-based
    describer, as train / validation / test.

    Molecules are read from ``RDConfig.RDDataDir/NCI/first_5K.smi`` (``SMILES\\tNCI id``); the ones RDKit
    cannot parse are counted and logged, repeats of a molecule (same canonical SMILES) are dropped after
    their first occurrence, so no molecule sits in two splits. ``n`` keeps the first ``n`` molecules (file
    order) of those. Rows hold the RDKit canonical SMILES, ``describe()``'s text and the id ``NCI<id>``.
    The split is a permutation ordered by SHA-256 of ``seed`` and the canonical SMILES (the same on every
    machine and Python), cut at ``fractions`` (rounded; train takes the remainder); each split keeps file
    order. The result is saved under ``cache_dir`` (default :func:`default_cache_dir`), keyed by the RDKit
    version, the describer's source, the molecule file and the arguments, so later calls only load it.
    ``quantities``, ``formula``, ``stereo`` and ``variant`` are the describer's options
    (:func:`ada_t5.describe.describe`): by default the descriptions say what a model can read off the SMILES
    tokens (class, rings, groups, charge, stereo) and no weights, masses, atom counts or formula, which a small
    model trained for minutes can only make up; fine-tuning's ``--demo_*`` flags choose for the demo.
    """
    from datasets import Dataset, DatasetDict, load_from_disk

    from ada_t5 import describe as describer

    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions={fractions}: expected three non-negative numbers summing to 1")
    if n is not None and n < 1:
        raise ValueError(f"n={n}: expected a positive number of molecules (or None for all)")
    source = _demo_source()
    key_parts = {**demo_fingerprint(), "n": n, "seed": seed, "fractions": fractions, "quantities": quantities,
                 "formula": formula, "stereo": stereo, "variant": variant}
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True).encode()).hexdigest()[:16]
    target = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = target / "demo" / key
    if use_cache and (target / "dataset_dict.json").is_file():
        try:
            cached = load_from_disk(str(target))
            logger.info("demo data from the cache %s: %s", target,
                        ", ".join(f"{s} {len(d):,}" for s, d in cached.items()))
            return cached
        except Exception as error:  # noqa: BLE001 - a broken cache entry is rebuilt, not fatal
            logger.warning("demo cache %s unreadable (%s); rebuilding it", target, error)

    started = time.perf_counter()
    smiles, ids, invalid, repeats = [], [], [], 0
    seen: set[str] = set()
    with open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 2:
                invalid.append(f"line {number}: {len(parts)} fields")
                continue
            canonical = chem.canonical_smiles(parts[0])
            if canonical is None:
                invalid.append(f"NCI{parts[1]} {parts[0]!r}")
                continue
            if canonical in seen:
                repeats += 1
                continue
            seen.add(canonical)
            smiles.append(canonical)
            ids.append(f"NCI{parts[1]}")
    if invalid:
        logger.warning("demo: %d of the molecules in %s are not usable (RDKit cannot parse them): %s%s",
                       len(invalid), source.name, "; ".join(invalid[:5]), " ..." if len(invalid) > 5 else "")
    if repeats:
        logger.info("demo: %d repeated molecules (same canonical SMILES) kept once", repeats)
    if n is not None:
        if n > len(smiles):
            logger.warning("demo: n=%d but only %d distinct molecules are available; using all", n, len(smiles))
        smiles, ids = smiles[:n], ids[:n]

    procs = num_proc if num_proc is not None else (min(available_cpus(), 8) if len(smiles) >= 1000 else 1)
    descriptions = describer.describe_many(smiles, num_proc=procs, errors="none", quantities=quantities,
                                           formula=formula, stereo=stereo, variant=variant)
    failed = [ids[i] for i, text in enumerate(descriptions) if not text]
    if failed:
        logger.warning("demo: the describer could not describe %d molecules (left out): %s%s", len(failed),
                       ", ".join(failed[:5]), " ..." if len(failed) > 5 else "")
    rows = [(s, d, i) for s, d, i in zip(smiles, descriptions, ids) if d]

    order = sorted(range(len(rows)), key=lambda i: hashlib.sha256(f"{seed}\0{rows[i][0]}".encode()).digest())
    n_validation, n_test = round(len(rows) * fractions[1]), round(len(rows) * fractions[2])
    cuts = {"validation": set(order[:n_validation]), "test": set(order[n_validation:n_validation + n_test])}
    splits = DatasetDict()
    for split in ("train", "validation", "test"):
        members = [i for i in range(len(rows)) if (split in cuts and i in cuts[split]) or
                   (split == "train" and not any(i in c for c in cuts.values()))]
        splits[split] = Dataset.from_dict(
            {"smiles": [rows[i][0] for i in members], "description": [rows[i][1] for i in members],
             "id": [rows[i][2] for i in members]})
    logger.info("demo data built in %.1fs: %s", time.perf_counter() - started,
                ", ".join(f"{s} {len(d):,}" for s, d in splits.items()))
    if use_cache:
        _save_atomically(splits, target)
    return splits


def _save_atomically(splits, target: Path):
    """save_to_disk into a sibling folder, then rename: concurrent processes never see half a cache."""
    import datasets as progress

    temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    quiet = not progress.are_progress_bars_disabled()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if quiet:
            progress.disable_progress_bars()  # a few hundred KB: no "Saving the dataset" bars
        try:
            splits.save_to_disk(str(temporary))
        finally:
            if quiet:
                progress.enable_progress_bars()
        try:
            os.rename(temporary, target)
        except OSError:  # another process got there first: keep theirs
            shutil.rmtree(temporary, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        logger.warning("demo: could not cache the data in %s (%s); it will be rebuilt next time", target, error)
