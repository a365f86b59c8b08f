"""The leakage guard's match levels on real RDKit and InChI: salts, charges, stereoisomers, and the formula
pre-filter giving exactly what keying every molecule gives (ChEBI-20)."""

import pytest

from ada_t5 import chem
from ada_t5.pseudo.leakage import LeakageGuard, fragment_signatures, structure_key

HELD_OUT = ["C[C@H](N)C(=O)O",  # L-alanine
            "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
            "C[N+](C)(C)CCO"]  # choline (a permanent cation)
QUERIES = {
    "C[C@H](N)C(=O)O": ("smiles", "inchikey", "skeleton"),  # itself
    "C[C@@H](N)C(=O)O": ("skeleton",),  # D-alanine: a stereoisomer
    "CC(N)C(=O)O": ("skeleton",),  # racemic / unspecified
    "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]": ("inchikey", "skeleton"),  # the sodium salt
    "CC(=O)Oc1ccccc1C(=O)O.O": ("inchikey", "skeleton"),  # a hydrate
    "C[N+](C)(C)CCO.[Cl-]": ("inchikey", "skeleton"),  # choline chloride
    "[2H]C([2H])([2H])[C@H](N)C(=O)O": ("skeleton",),  # an isotopologue
    "CC(=O)Oc1ccccc1C(=O)OC": (),  # the methyl ester: another molecule
    "NCC(=O)O": (),  # glycine
}


@pytest.mark.parametrize("level", ["smiles", "inchikey", "skeleton"])
def test_levels(level):
    guard = LeakageGuard([chem.canonical_smiles(s) for s in HELD_OUT], level)
    queries = [chem.canonical_smiles(s) for s in QUERIES]
    hits = guard.matches(queries)
    expected = [level in levels for levels in QUERIES.values()]
    assert hits == expected, [q for q, h, e in zip(QUERIES, hits, expected) if h != e]


def test_fragment_signatures_read_from_smiles_text():
    assert fragment_signatures("CC(=O)Oc1ccccc1C(=O)[O-].[Na+]") == {"C9O4|r1", "Na1"}
    assert fragment_signatures("[2H]C([2H])([2H])[C@H](N)C(=O)O") == {"C3N1O2|r0"}
    assert fragment_signatures("c1cc[nH]c1Cl.[Se]Br") == {"C4Cl1N1|r1", "Br1Se1|r0"}
    assert fragment_signatures("C1CC2CCC1C2.[Fe]") == {"C7|r2", "Fe1"}
    assert fragment_signatures("C1CCCCCCCCC%10CCCCCCCC1%10") == {"C18|r2"}


def test_unknown_level():
    with pytest.raises(ValueError, match="exclude_match must be one of smiles, inchikey, skeleton"):
        LeakageGuard(["CCO"], "inchi")


@pytest.mark.parametrize("level", ["inchikey", "skeleton"])
def test_formula_prefilter_is_exact_on_chebi(shared_data, level):
    """The guard keys only the formula filter's survivors; its answers equal keying every molecule."""
    chebi = shared_data / "chebi20"
    test = [chem.canonical_smiles(r.split("\t")[1]) for r in (chebi / "test.txt").read_text().splitlines()[1:1501]]
    rows = (chebi / "validation.txt").read_text().splitlines()[1:601]
    queries = [c for c in (chem.canonical_smiles(r.split("\t")[1]) for r in rows) if c]
    queries += [q + ".[Na+]" for q in test[:40]] + [q.replace("@@", "@") for q in test[:200] if "@@" in q]
    guard = LeakageGuard([t for t in test if t], level)
    hits = guard.matches(queries)
    keys = {structure_key(t, level) for t in test if t} - {None}
    brute = [q in guard.smiles or structure_key(q, level) in keys for q in queries]
    assert hits == brute
    assert sum(hits) >= 40 and guard.keyed < 0.6 * len(queries)  # positives exist; many molecules not keyed
