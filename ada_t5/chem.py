"""RDKit in one place: parsing, MolT5's escaped backslashes, canonical forms, InChI and fingerprints.

Every function here is total: it returns ``None`` (or ``False``) for an unparseable SMILES instead of
raising, and RDKit's own stderr chatter is silenced, because model outputs are routinely invalid.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import MACCSkeys, rdFingerprintGenerator


@contextlib.contextmanager
def quiet_rdkit() -> Iterator[None]:
    """Silence RDKit's parse warnings (thousands per validation of an untrained model) for this block only:
    ``rdBase.BlockLogs`` restores the logging state it found, so a user's own RDKit log settings survive.
    Also a decorator (``@quiet_rdkit()``)."""
    block = rdBase.BlockLogs()
    try:
        yield
    finally:
        del block


def unescape_backslashes(smiles: str) -> str:
    """Undo MolT5's doubled backslashes: ``C/C=C\\\\C`` (two characters) -> ``C/C=C\\C``.

    A valid SMILES never holds two bond symbols in a row, so the rewrite is unambiguous; RDKit parses
    both spellings to the same molecule (checked on every ChEBI-20 validation/test row).
    """
    return smiles.replace("\\\\", "\\")


def mol_from_smiles(smiles: str | None) -> Chem.Mol | None:
    """Parse (and sanitize) a SMILES exactly as MolT5's scripts do; ``None`` when RDKit cannot."""
    if not smiles:
        return None
    with quiet_rdkit():
        try:
            return Chem.MolFromSmiles(smiles)
        except Exception:  # noqa: BLE001 - RDKit raises on a few pathological inputs instead of returning None
            return None


def is_valid_smiles(smiles: str | None) -> bool:
    return mol_from_smiles(smiles) is not None


def canonical_smiles(smiles: str | None) -> str | None:
    """RDKit canonical isomeric SMILES, or ``None`` when the input does not parse."""
    mol = mol_from_smiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


def mol_to_smiles(mol: Chem.Mol) -> str:
    return Chem.MolToSmiles(mol)


def maccs_fingerprint(mol: Chem.Mol):
    return MACCSkeys.GenMACCSKeys(mol)


def rdk_fingerprint(mol: Chem.Mol):
    return Chem.RDKFingerprint(mol)


@functools.cache
def morgan_generator(radius: int = 2, n_bits: int = 2048):
    """RDKit's Morgan fingerprint generator, one per setting. It replaces the deprecated
    ``GetMorganFingerprint`` / ``GetMorganFingerprintAsBitVect`` with the same values (same sparse ids and
    counts, same bits: checked on RDKit's 5,000 shipped molecules, and by the MolT5-literal metric tests)."""
    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)


def morgan_count_fingerprint(mol: Chem.Mol, radius: int = 2):
    """The count-based (unhashed, sparse) Morgan fingerprint MolT5 uses, not the bit vector."""
    return morgan_generator(radius).GetSparseCountFingerprint(mol)


def morgan_bit_fingerprint(mol: Chem.Mol, radius: int = 2, n_bits: int = 2048):
    """A Morgan bit vector, for bulk similarity search (retrieval), where speed matters more."""
    return morgan_generator(radius, n_bits).GetFingerprint(mol)


def tanimoto(fp_a, fp_b) -> float:
    return DataStructs.TanimotoSimilarity(fp_a, fp_b)


# --- MolT5-evaluation semantics (used by ada_t5.metrics): these mirror MolT5's scripts, quirks included ---


def molt5_mol(smiles: str) -> Chem.Mol | None:
    """Parse as MolT5's evaluation scripts do: plain ``Chem.MolFromSmiles``, so ``''`` gives an empty (valid)
    molecule, unlike :func:`mol_from_smiles`; ``None`` when RDKit rejects the string (or raises). Call inside
    :func:`quiet_rdkit` when parsing many model outputs."""
    try:
        return Chem.MolFromSmiles(smiles)
    except Exception:  # noqa: BLE001 - RDKit raises its own C++ error types on pathological input
        return None


def molt5_inchi(mol: Chem.Mol) -> str | None:
    """``Chem.MolToInchi`` as MolT5 compares it: the raw string (``''`` when InChI fails), ``None`` if it raises."""
    try:
        return Chem.MolToInchi(mol)
    except Exception:  # noqa: BLE001 - RDKit raises its own C++ error types on pathological input
        return None


# --- bulk validation (used by ada_t5.data) ---


def invalid_smiles_indices(smiles_list: list[str]) -> list[int]:
    """Positions in ``smiles_list`` that RDKit cannot parse and sanitize (one quiet block for the whole list,
    so this is cheap to call per chunk from worker processes). ``''`` counts as valid here, as in RDKit."""
    bad = []
    with quiet_rdkit():
        for index, smiles in enumerate(smiles_list):
            try:
                ok = Chem.MolFromSmiles(smiles) is not None
            except Exception:  # noqa: BLE001 - as above: any RDKit failure means not valid
                ok = False
            if not ok:
                bad.append(index)
    return bad


def smiles_error(smiles: str) -> str | None:
    """Why RDKit rejects ``smiles``, in RDKit's own words (e.g. ``unclosed ring``, ``Explicit valence for
    atom # 0 C, 5, is greater than permitted``); ``None`` when it parses. (The words come from RDKit's
    ``rdBase.CaptureErrorLog``; an RDKit without it just gives ``rejected by RDKit``.)"""
    from rdkit import rdBase

    capture_log = getattr(rdBase, "CaptureErrorLog", None)
    if capture_log is None:
        return None if is_valid_smiles(smiles) else "rejected by RDKit"
    try:
        with capture_log() as capture:
            mol = Chem.MolFromSmiles(smiles)
        messages = capture.messages
    except Exception as error:  # noqa: BLE001 - RDKit raises on a few pathological inputs
        return f"RDKit raised {type(error).__name__}: {error}"
    if mol is not None:
        return None
    reasons = []
    skip = 0
    for line in messages.splitlines():
        line = line.split("] ", 1)[-1].strip()  # drop RDKit's "[hh:mm:ss] " stamp
        if skip:  # the two lines after "check for mistakes around position N:" echo the input and point at it
            skip -= 1
            continue
        line = line.split(" for input: ")[0].split(" while parsing: ")[0].strip()
        line = line.removeprefix("SMILES Parse Error: ")
        if line.startswith("check for mistakes"):
            skip = 2
        if line and not line.startswith("Failed parsing SMILES") and line.rstrip(":") not in reasons:
            reasons.append(line.rstrip(":"))
    return "; ".join(reasons[:3]) or "rejected by RDKit"
