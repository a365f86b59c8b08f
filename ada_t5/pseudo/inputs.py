"""Read the molecules to describe, the described example pool and the excluded (test) molecules.

Molecule files (:func:`read_molecules`):

* ``.smi`` / ``.smiles`` / plain ``.txt``: one ``SMILES [id]`` per line (whitespace separated, RDKit's
  convention); ``#`` comments, blank lines and a ``smiles`` header line are skipped;
* a table with a header (``.csv``, ``.tsv``, or a ``.txt`` whose first line names a ``SMILES`` field, as
  MolT5's ``CID\\tSMILES\\tdescription``): the SMILES column is ``smiles_column`` or found by name
  (:data:`ada_t5.data.COLUMN_ALIASES`), the id column likewise;
* ``.jsonl``: one object per line with a ``smiles`` key (description optional);
* any other pair source (``.json``, ``.parquet``, a ``save_to_disk`` folder) through
  :func:`ada_t5.data.load_pairs` (its SMILES column only).

Every SMILES is parsed and canonicalized (in worker processes for large inputs). One that RDKit rejects is
never dropped silently: it comes back as a :class:`Problem` naming ``file:line`` and RDKit's reason, and the
runner writes them all to ``<output>.invalid.tsv`` and counts them in the summary.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ada_t5 import chem
from ada_t5.jsonl import read_jsonl
from ada_t5.processes import map_chunks

logger = logging.getLogger(__name__)

SMI_SUFFIXES = {".smi", ".smiles", ".ism", ".can"}
TABLE_SUFFIXES = {".csv", ".tsv"}
_SMILES_NAMES = ("smiles", "canonical_smiles", "isomeric_smiles", "isosmiles", "smi", "molecule")
_ID_NAMES = ("id", "cid", "chebi_id", "name", "mol_id", "identifier")
PARALLEL_THRESHOLD = 20_000  # below this, worker start-up costs more than it saves


@dataclass(frozen=True)
class Molecule:
    id: str  # as the file names it, or "<file>:<line>" when it names none
    smiles: str  # as written in the file
    canonical: str  # RDKit canonical isomeric SMILES: the key for de-duplication, resume and leakage checks
    where: str  # "file:line" (or "file:row N"), for messages


@dataclass(frozen=True)
class Problem:
    where: str
    smiles: str
    reason: str


@dataclass(frozen=True)
class Described(Molecule):
    description: str = ""


def _raw_rows(path: Path, smiles_column: str | None, id_column: str | None,
              description_column: str | None = None) -> list[tuple[str, str | None, str, str | None]]:
    """(smiles, id or None, where, description or None) for every molecule row of ``path``."""
    suffix = path.suffix.lower()
    name = path.name
    if path.is_file() and suffix == ".jsonl":
        rows = []
        for number, obj in read_jsonl(path):
            key = smiles_column or next((k for k in obj if k.lower() in _SMILES_NAMES), None)
            if key is None or not isinstance(obj.get(key), str):
                raise ValueError(f"{path}:{number}: no SMILES field (looked for {smiles_column or _SMILES_NAMES})")
            id_key = id_column or next((k for k in obj if k.lower() in _ID_NAMES), None)
            desc = obj.get(description_column or "description")
            rows.append((obj[key], None if id_key is None or obj.get(id_key) is None else str(obj[id_key]),
                         f"{name}:{number}", desc if isinstance(desc, str) else None))
        return rows
    if path.is_file() and (suffix in TABLE_SUFFIXES or suffix in SMI_SUFFIXES or suffix == ".txt"):
        with path.open(encoding="utf-8", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            delimiter = "," if suffix == ".csv" else "\t"
            header = [field.strip() for field in first.rstrip("\r\n").split(delimiter)]
            lowered = [field.lower() for field in header]
            is_table = suffix in TABLE_SUFFIXES or (
                suffix == ".txt" and (smiles_column in header or any(f in _SMILES_NAMES for f in lowered))
                and len(header) > 1)
            if is_table:
                return _table_rows(handle, path, delimiter, header, smiles_column, id_column, description_column)
            return _smi_rows(handle, name)
    from ada_t5 import data

    columns = {"smiles": smiles_column, "id": id_column} if smiles_column or id_column else None
    dataset = data.load_pairs(path, validate_smiles=False, columns=columns)
    return [(row["smiles"], row.get("id"), f"{name}:row {i}", row.get("description"))
            for i, row in enumerate(dataset)]


def _table_rows(handle, path, delimiter, header, smiles_column, id_column, description_column):
    lowered = [field.lower() for field in header]

    def find(wanted: str | None, aliases: Sequence[str], required: bool) -> int | None:
        if wanted is not None:
            if wanted not in header:
                raise ValueError(f"{path}:1: no column {wanted!r} (columns: {', '.join(header)})")
            return header.index(wanted)
        for alias in aliases:
            if alias in lowered:
                return lowered.index(alias)
        if required:
            raise ValueError(f"{path}:1: no SMILES column among {', '.join(header)} (name it with smiles_column)")
        return None

    s_col = find(smiles_column, _SMILES_NAMES, True)
    i_col = find(id_column, _ID_NAMES, False)
    d_col = find(description_column, ("description", "caption", "text"), False)
    reader = csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE)
    next(reader)
    rows = []
    for number, fields in enumerate(reader, 2):
        if not fields or not any(f.strip() for f in fields):
            continue
        smiles = fields[s_col].strip() if s_col < len(fields) else ""
        ident = fields[i_col].strip() if i_col is not None and i_col < len(fields) else None
        desc = fields[d_col].strip() if d_col is not None and d_col < len(fields) else None
        rows.append((smiles, ident or None, f"{path.name}:{number}", desc))
    return rows


def _smi_rows(handle, name):
    rows = []
    for number, line in enumerate(handle, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(None, 1)
        if number == 1 and parts[0].lower() in _SMILES_NAMES:
            continue
        rows.append((parts[0], parts[1].strip() if len(parts) > 1 else None, f"{name}:{number}", None))
    return rows


def _canonicalize_chunk(smiles: list[str]) -> list[str | None]:
    with chem.quiet_rdkit():
        return [chem.canonical_smiles(s) for s in smiles]


def canonicalize_many(smiles: list[str], num_proc: int = 1) -> list[str | None]:
    """Canonical SMILES for each input (``None`` where RDKit rejects it), in ``num_proc`` processes if large."""
    if num_proc <= 1 or len(smiles) < PARALLEL_THRESHOLD:
        return _canonicalize_chunk(smiles)
    # spawn: the pseudo runner's backend (HTTP client threads, a local torch model) already exists here
    return map_chunks(_canonicalize_chunk, smiles, num_proc, "spawn", min_chunk=1000)


def read_molecules(paths: Sequence[str | os.PathLike], *, smiles_column: str | None = None,
                   id_column: str | None = None, num_proc: int = 1, with_descriptions: bool = False,
                   ) -> tuple[list[Molecule], list[Problem]]:
    """All molecules of ``paths`` in file order, and the rows RDKit rejects (or that are empty).

    ``with_descriptions``: return :class:`Described` molecules and report rows without a description as
    problems (for the example pool).
    """
    raw: list[tuple[str, str | None, str, str | None]] = []
    for path in paths:
        path = Path(os.path.expanduser(os.fspath(path)))
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
        raw.extend(_raw_rows(path, smiles_column, id_column))
    canonical = canonicalize_many([r[0] for r in raw], num_proc=num_proc)
    molecules: list[Molecule] = []
    problems: list[Problem] = []
    for (smiles, ident, where, desc), canon in zip(raw, canonical):
        if canon is None:
            reason = "empty SMILES" if not smiles else (chem.smiles_error(smiles) or "rejected by RDKit")
            problems.append(Problem(where, smiles, reason))
        elif with_descriptions:
            if not desc or not desc.strip():
                problems.append(Problem(where, smiles, "no description"))
            else:
                molecules.append(Described(ident or where, smiles, canon, where, desc.strip()))
        else:
            molecules.append(Molecule(ident or where, smiles, canon, where))
    return molecules, problems


def write_problems(path: str | os.PathLike, problems: Sequence[Problem]) -> None:
    """``where<TAB>smiles<TAB>reason`` per rejected row (the file is rewritten, so a rerun gives the same)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("where\tsmiles\treason\n")
        for problem in problems:
            handle.write(f"{problem.where}\t{problem.smiles}\t{problem.reason}\n")
