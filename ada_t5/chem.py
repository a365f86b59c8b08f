"""RDKit in one place: parsing, MolT5's escaped backslashes, canonical forms, InChI and fingerprints.

Every function here is total: it returns ``None`` (or ``False``) for an unparseable SMILES instead of
raising, and RDKit's own stderr chatter is silenced, because model outputs are routinely invalid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import AllChem, MACCSkeys


@contextlib.contextmanager
def quiet_rdkit() -> Iterator[None]:
    """Silence RDKit's parse warnings (thousands per validation of an untrained model)."""
    RDLogger.DisableLog("rdApp.*")
    try:
        yield
    finally:
        RDLogger.EnableLog("rdApp.*")


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
        except Exception:  # RDKit raises on a few pathological inputs instead of returning None
            return None


def is_valid_smiles(smiles: str | None) -> bool:
    return mol_from_smiles(smiles) is not None


def canonical_smiles(smiles: str | None) -> str | None:
    """RDKit canonical isomeric SMILES, or ``None`` when the input does not parse."""
    mol = mol_from_smiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


def mol_to_smiles(mol: Chem.Mol) -> str:
    return Chem.MolToSmiles(mol)


def mol_to_inchi(mol: Chem.Mol | None) -> str | None:
    if mol is None:
        return None
    with quiet_rdkit():
        try:
            return Chem.MolToInchi(mol) or None
        except Exception:
            return None


def maccs_fingerprint(mol: Chem.Mol):
    return MACCSkeys.GenMACCSKeys(mol)


def rdk_fingerprint(mol: Chem.Mol):
    return Chem.RDKFingerprint(mol)


def morgan_count_fingerprint(mol: Chem.Mol, radius: int = 2):
    """The count-based (unhashed, sparse) Morgan fingerprint MolT5 uses, not the bit vector."""
    return AllChem.GetMorganFingerprint(mol, radius)


def morgan_bit_fingerprint(mol: Chem.Mol, radius: int = 2, n_bits: int = 2048):
    """A Morgan bit vector, for bulk similarity search (retrieval), where speed matters more."""
    return AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=n_bits)


def tanimoto(fp_a, fp_b) -> float:
    return DataStructs.TanimotoSimilarity(fp_a, fp_b)
