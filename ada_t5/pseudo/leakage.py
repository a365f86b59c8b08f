"""The leakage guard: which molecules count as "the same" as a held-out (test) molecule.

A test molecule must never be a pseudo target nor a prompt's example. ``match`` sets how strict "same" is:

* ``smiles`` (default): the same RDKit canonical isomeric SMILES (a stereoisomer, salt or charge form is
  different);
* ``inchikey``: the same standard InChIKey after RDKit's standardizer keeps the largest fragment (drops salts
  and solvents) and neutralizes charges: catches salt and charge forms (and what InChI normalizes: most
  tautomers);
* ``skeleton``: the InChIKey's first block (connectivity) of the standardized molecule: also catches
  stereoisomers and isotopologues.

The default is the strictest level that checks a million molecules in under a minute (issue 13); measured by
``bench/leakage_guard.py``, ``inchikey`` and ``skeleton`` cost ~4-9 minutes per million on one busy core of
this project's machine, so ``smiles`` is the default and the stricter levels are one flag away (the ChEBI-20
configs set ``skeleton``: against ChEBI-20 test it excludes 10% of train + validation, ``smiles`` none).

Standardizing and computing an InChI costs ~1 ms per molecule, ~15 minutes per million on one core, so keys
are computed only for candidates: a molecule can share a key with a test molecule only if one of its
fragments has the signature (heavy-atom formula, and ring count for fragments without metals) of the fragment
the standardizer keeps of one of the test molecules: standardizing keeps one fragment and changes only hydrogens
and charges, and equal InChI main layers mean equal heavy atoms and, without metals (which InChI disconnects),
the same heavy-atom graph. The signature is read from the canonical SMILES text without RDKit. The result is
exactly that of keying every molecule (tested on ChEBI-20), at the cost of the molecules that pass the filter.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ada_t5.errors import ArgumentError
from ada_t5.processes import map_chunks

logger = logging.getLogger(__name__)

LEVELS = ("smiles", "inchikey", "skeleton")
DEFAULT_LEVEL = "smiles"

# a bracket atom (isotope digits, then the element symbol), or an organic-subset atom, aromatic or not
_ATOM = re.compile(r"\[(?:\d*)([A-Z][a-z]?|[a-z][a-z]?|\*)[^\]]*\]|(Cl|Br|[BCNOPSFI]|[bcnops]|\*)")
_BRACKET = re.compile(r"\[[^\]]*\]")
_CHARGED = re.compile(r"\[[^\]]*[+-]")
_RING_BOND = re.compile(r"%\d\d|\d")
# elements InChI never disconnects from their neighbours: for fragments of only these, the ring count (the
# heavy-atom graph's cyclomatic number) is an invariant of the InChI main layer too
_NON_METALS = {"C", "N", "O", "P", "S", "F", "Cl", "Br", "I", "Se"}


def fragment_signatures(smiles: str) -> set[str]:
    """Per '.'-separated fragment: its heavy-atom formula (``C9O4``: hydrogens, charges, isotopes and stereo
    left out) and, when it holds only non-metals, its ring count: the same for every molecule that shares the
    fragment's InChI skeleton, so a molecule none of whose signatures is a held-out one's cannot match it."""
    out = set()
    for fragment in smiles.split("."):
        counts = Counter()
        for bracket, organic in _ATOM.findall(fragment):
            symbol = bracket or organic
            symbol = symbol[0].upper() + symbol[1:]
            if symbol != "H":
                counts[symbol] += 1
        signature = "".join(f"{s}{counts[s]}" for s in sorted(counts))
        if counts.keys() <= _NON_METALS:
            signature += f"|r{len(_RING_BOND.findall(_BRACKET.sub('', fragment))) // 2}"
        out.add(signature)
    return out


_STANDARDIZERS = None


def _standardizers():
    global _STANDARDIZERS
    if _STANDARDIZERS is None:
        from rdkit.Chem.MolStandardize import rdMolStandardize

        _STANDARDIZERS = (rdMolStandardize.LargestFragmentChooser(), rdMolStandardize.Uncharger())
    return _STANDARDIZERS


def standardize(mol):
    """RDKit's standardizer: keep the largest fragment (drop counter-ions, solvents), neutralize charges."""
    from ada_t5 import chem

    chooser, uncharger = _standardizers()
    with chem.quiet_rdkit():
        return uncharger.uncharge(chooser.choose(mol))


def structure_key(smiles: str, match: str) -> str | None:
    """The ``inchikey`` or ``skeleton`` key of a SMILES after standardizing; ``None`` if RDKit/InChI fail."""
    from rdkit import Chem

    from ada_t5 import chem

    mol = chem.mol_from_smiles(smiles)  # (outside quiet_rdkit: its own quiet block re-enables logging on exit)
    if mol is None:
        return None
    try:
        if "." in smiles or _CHARGED.search(smiles):  # else the standardizer would change nothing
            mol = standardize(mol)
        with chem.quiet_rdkit():
            key = Chem.MolToInchiKey(mol)
    except Exception:  # noqa: BLE001 - RDKit raises on a few pathological molecules; they keep the SMILES match
        return None
    if not key:
        return None
    return key if match == "inchikey" else key.split("-")[0]


def chosen_signature(smiles: str) -> str | None:
    """The signature of the fragment the standardizer keeps (the only one a match can come from)."""
    from rdkit import Chem

    from ada_t5 import chem

    if "." not in smiles:
        return next(iter(fragment_signatures(smiles)))
    mol = chem.mol_from_smiles(smiles)
    if mol is None:
        return None
    return next(iter(fragment_signatures(Chem.MolToSmiles(standardize(mol)))))


def _keys_chunk(match: str, smiles: list[str]) -> list[str | None]:
    return [structure_key(s, match) for s in smiles]


def structure_keys(smiles: Sequence[str], match: str, num_proc: int = 1) -> list[str | None]:
    if num_proc <= 1 or len(smiles) < 5000:
        return _keys_chunk(match, list(smiles))
    # spawn: the pseudo runner's backend (HTTP client threads, a local torch model) already exists here
    return map_chunks(functools.partial(_keys_chunk, match), smiles, num_proc, "spawn", min_chunk=500)


class LeakageGuard:
    """Decides which canonical SMILES match a held-out set at the chosen ``match`` level.

    :attr:`keyed` counts the molecules whose structure key had to be computed (the formula filter's survivors).
    """

    def __init__(self, held_out: Iterable[str], match: str = DEFAULT_LEVEL, num_proc: int = 1):
        if match not in LEVELS:
            raise ArgumentError(f"exclude_match must be one of {', '.join(LEVELS)}, not {match!r}")
        self.match, self.num_proc = match, num_proc
        self.smiles = set(held_out)
        self.keyed = 0
        self.signatures: set[str] = set()
        self.keys: set[str] = set()
        if match != "smiles" and self.smiles:
            ordered = sorted(self.smiles)
            self.signatures = {chosen_signature(s) for s in ordered} - {None}
            self.keys = {k for k in structure_keys(ordered, match, num_proc) if k}

    def __bool__(self) -> bool:
        return bool(self.smiles)

    def matches(self, canonical: Sequence[str]) -> list[bool]:
        """For each canonical SMILES: is it (at this level) one of the held-out molecules?"""
        hits = [s in self.smiles for s in canonical]
        if self.match == "smiles" or not self.keys:
            return hits
        candidates = [i for i, s in enumerate(canonical)
                      if not hits[i] and not fragment_signatures(s).isdisjoint(self.signatures)]
        self.keyed += len(candidates)
        keys = structure_keys([canonical[i] for i in candidates], self.match, self.num_proc)
        for i, key in zip(candidates, keys):
            if key is not None and key in self.keys:
                hits[i] = True
        return hits
