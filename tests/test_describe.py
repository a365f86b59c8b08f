"""The rule-based describer: facts on hand-picked molecules, then the English over RDKit's NCI set."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from ada_t5 import describe as d
from ada_t5.chem import mol_from_smiles
from ada_t5.describe import describe, describe_many, facts

REPO_ROOT = Path(__file__).resolve().parents[1]


def _nci_first_5k() -> list[str]:
    from rdkit import RDConfig

    path = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
    if not path.is_file():
        pytest.skip(f"RDKit's NCI sample is not installed at {path}")
    return [line.split("\t")[0] for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def nci() -> list[str]:
    return _nci_first_5k()


@pytest.fixture(scope="module")
def nci_described(nci) -> list[str | None]:
    """Every molecule of first_5K.smi described once (about 6 s on one core), shared by several tests."""
    return describe_many(nci, errors="none")


# --------------------------------------------------------------------------------------------------
# facts


def test_benzoic_acid_facts():
    f = facts("OC(=O)c1ccccc1")
    assert f.formula == "C7H6O2"
    assert round(f.molecular_weight, 2) == 122.12
    assert round(f.exact_mass, 4) == 122.0368
    assert f.heavy_atoms == 9
    assert (f.ring_count, f.aromatic_ring_count, f.ring_sizes) == (1, 1, (6,))
    assert [s.name for s in f.aromatic_systems] == ["benzene"]
    assert f.formal_charge == 0 and not f.is_zwitterion and f.num_fragments == 1
    # the most specific hierarchy node, not its parent
    assert f.group_labels == {"CarboxylicAcid.Aromatic": 1}
    assert f.functional_groups[0].source == "rdkit"
    assert f.compound_class == "aromatic monocarboxylic acid"
    assert f.stereocentres == () and f.double_bond_stereo == ()
    for variant in range(7):
        text = describe("OC(=O)c1ccccc1", variant=variant)
        assert "C7H6O2" in text and "122.12 g/mol" in text and "benzene ring" in text
        assert "carboxylic acid" in text


@pytest.mark.parametrize(
    ("smiles", "labels"),
    [
        ("C[C@H](N)C(=O)O", ("S",)),  # L-alanine
        ("C[C@@H](N)C(=O)O", ("R",)),  # D-alanine
        ("CC(N)C(=O)O", ("?",)),  # racemic / unspecified
    ],
)
def test_alanine_stereocentre(smiles, labels):
    f = facts(smiles)
    assert f.stereocentres == labels
    assert f.defined_stereocentres + f.undefined_stereocentres == 1
    assert "CarboxylicAcid.AlphaAmino" in f.group_labels
    assert f.compound_class == "alpha-amino acid"
    if labels[0] != "?":
        assert f"({labels[0]} configuration)" in describe(smiles)
    else:
        assert "unspecified configuration" in describe(smiles)


def test_double_bond_stereo():
    assert facts("C/C=C/C").double_bond_stereo == ("E",)
    assert facts("C/C=C\\C").double_bond_stereo == ("Z",)
    assert facts("CC=CC").double_bond_stereo == ("?",)


def test_charged_species():
    acetate = facts("CC(=O)[O-]")
    assert acetate.formal_charge == -1 and acetate.formula == "C2H3O2-"
    assert acetate.group_counts == {"aliphatic carboxylate group": 1}
    assert acetate.compound_class == "monocarboxylic acid anion"
    for variant in range(3):
        text = describe("CC(=O)[O-]", variant=variant)
        assert "monoanion" in text and "-1" in text

    glycine = facts("[NH3+]CC(=O)[O-]")
    assert glycine.formal_charge == 0 and glycine.is_zwitterion
    assert (glycine.positive_atoms, glycine.negative_atoms) == (1, 1)
    assert "zwitterion" in describe("[NH3+]CC(=O)[O-]")

    nitrobenzene = facts("[O-][N+](=O)c1ccccc1")  # charge-separated bond, not a zwitterion
    assert nitrobenzene.formal_charge == 0 and not nitrobenzene.is_zwitterion
    assert nitrobenzene.group_labels == {"Nitro.Aromatic": 1}


def test_aromatic_systems():
    naphthalene = facts("c1ccc2ccccc2c1")
    assert naphthalene.aromatic_ring_count == 2
    assert len(naphthalene.fused_aromatic_systems) == 1
    system = naphthalene.fused_aromatic_systems[0]
    assert (system.rings, system.name, system.atoms) == (2, "naphthalene", 10)

    biphenyl = facts("c1ccccc1-c1ccccc1")
    assert biphenyl.aromatic_ring_count == 2 and biphenyl.fused_aromatic_systems == ()
    assert [s.name for s in biphenyl.aromatic_systems] == ["benzene", "benzene"]

    names = {
        "c1ccc2ncccc2c1": "quinoline",
        "c1ccc2cnccc2c1": "isoquinoline",
        "c1ccc2[nH]ccc2c1": "indole",
        "c1ccc2cc3ccccc3cc2c1": "anthracene",
        "c1ccc2c(c1)ccc1ccccc12": "phenanthrene",
        "c1ccc2c(c1)[nH]c1ccccc12": "carbazole",
        "Cn1cnc2c1c(=O)n(C)c(=O)n2C": "purinedione",  # caffeine
        "c1ccncc1": "pyridine",
        "c1cscn1": "thiazole",
    }
    for smiles, name in names.items():
        assert [s.name for s in facts(smiles).aromatic_systems] == [name], smiles


def test_ring_counts_and_aliphatic_rings():
    assert facts("C1CCOC1").aliphatic_rings == ("tetrahydrofuran ring",)
    assert facts("O=C1CCCN1").aliphatic_rings == ("pyrrolidinone ring",)
    assert facts("CC1=CC(=O)C=CC1=O").aliphatic_rings == ("cyclohexadienedione ring",)
    norbornane = facts("C1CC2CCC1C2")  # SSSR, not RDKit's symmetrized set of three
    assert norbornane.ring_count == 2
    assert facts("CCO").ring_count == 0
    assert "heterocycle" in facts("C1CCNC(=O)CCC1").aliphatic_rings[0]


def test_salt_with_two_fragments():
    f = facts("[Na+].[O-]C(=O)c1ccccc1")
    assert f.num_fragments == 2 and f.is_salt
    assert f.fragments == ("C7H5O2-", "Na+")
    assert f.formal_charge == 0
    assert f.compound_class == "aromatic monocarboxylic acid anion"  # class of the largest component
    text = describe("[Na+].[O-]C(=O)c1ccccc1")
    assert "salt" in text and "sodium cation" in text

    mixture = facts("CCO.O")
    assert mixture.num_fragments == 2 and not mixture.is_salt


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CCOC(=O)C", {"Ester": 1}),
        ("CC(=O)Nc1ccccc1", {"Amide.Secondary": 1}),
        ("Oc1ccccc1", {"Alcohol.Aromatic": 1}),
        ("CCO", {"Alcohol.Aliphatic.Primary": 1}),
        ("CC(C)(C)O", {"Alcohol.Aliphatic.Tertiary": 1}),
        ("Nc1ccccc1", {"Amine.Primary.Aromatic": 1}),
        ("CCN(CC)CC", {"Amine.Tertiary.Aliphatic": 1}),
        ("CC#N", {"Nitrile": 1}),
        ("CC(C)=O", {"Ketone": 1}),
        ("CC=O", {"Aldehyde.Aliphatic": 1}),
        ("NS(=O)(=O)c1ccccc1", {"Sulfonyl.Sulfonamide": 1}),
        ("COc1ccccc1", {"Ether.Aromatic.Methoxy": 1}),
        ("O=C1CCCCO1", {"Ester.Lactone": 1}),
        ("O=C1NC(=O)c2ccccc12", {"Amide.Imide": 1}),  # one imide, not two amides
        ("c1ccccc1N=Nc1ccccc1", {"Azo": 1}),  # RDKit's amine pattern also matches azo N: filtered
        ("OC(=O)C(F)(F)F", {"CarboxylicAcid.Aliphatic": 1, "Polyhalo": 1}),
        ("CSSC", {"Disulfide": 1}),
        ("C=CC=C", {"Alkene": 2}),
    ],
)
def test_functional_groups(smiles, expected):
    assert facts(smiles).group_labels == expected


def test_group_names_and_sources():
    f = facts("Clc1ccc(CBr)cc1")
    assert f.group_counts == {"aryl chloride": 1, "alkyl bromide": 1}
    assert {g.source for g in f.functional_groups} == {"rdkit"}
    assert facts("OC(=O)C(F)(F)F").group_counts["trifluoromethyl group"] == 1
    assert {g.source for g in facts("CCOC(C)=O").functional_groups} == {"ada_t5"}
    assert facts("Clc1ccc(Cl)cc1").halogens == {"Cl": 2}
    # every extra SMARTS compiles and every label lands in the tree
    labels = set()

    def walk(node):
        labels.add(node.label)
        for child in node.children:
            walk(child)

    for root in d._group_tree():
        walk(root)
    assert {e.label for e in d.EXTRA_GROUPS} <= labels
    assert {"CarboxylicAcid.Aromatic", "Amine.Primary.Aromatic", "Nitro"} <= labels


def test_invalid_smiles_raises_value_error_naming_it():
    for bad in ("C1CC", "not a smiles", ""):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            describe(bad)
        with pytest.raises(ValueError):
            facts(bad)
    with pytest.raises(ValueError, match="C1CC"):
        describe_many(["CCO", "C1CC"])
    assert describe_many(["CCO", "C1CC"], errors="none")[1] is None


# --------------------------------------------------------------------------------------------------
# English


def test_english_helpers():
    assert d._count(1, "ring") == "a ring"
    assert d._count(2, "ring") == "2 rings"
    assert d._count(2, "ring", words=True) == "two rings"
    assert d._count(1, "ester group") == "an ester group"
    assert d._count(1, "urea group") == "a urea group"
    assert d._count(1, "eight-membered carbocycle") == "an eight-membered carbocycle"
    assert d._count(3, "six-membered heterocycle containing nitrogen") == (
        "3 six-membered heterocycles containing nitrogen"
    )
    assert d._join(["a", "b", "c"]) == "a, b and c"
    assert d._join(["a", "b"]) == "a and b"


SAMPLE = [
    "OC(=O)c1ccccc1",
    "C[C@H](N)C(=O)O",
    "CC(=O)[O-].[Na+]",
    "c1ccc2ccccc2c1",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
    "CC(=O)Oc1ccccc1C(=O)O",
    "C/C=C/C(O)C",
    "[NH3+]CC(=O)[O-]",
    "ClC1=CC=C(NC2=C3C=NN(C4=CC=CC=C4)C3=NC=N2)C=C1",
    "CCOP(=O)(CCBr)OCC",
]


def test_deterministic_across_processes():
    here = [describe(s) for s in SAMPLE] + [describe(s, variant=3) for s in SAMPLE]
    code = (
        "import json, sys\n"
        "import ada_t5.describe as d\n"
        "assert d._group_tree.cache_info().currsize == 0, 'import compiled the SMARTS patterns'\n"
        "smiles = json.loads(sys.argv[1])\n"
        "print(json.dumps([d.describe(s) for s in smiles] + [d.describe(s, variant=3) for s in smiles]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")  # str hashing differs from this process
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(SAMPLE)],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == here


def test_canonicalization_invariance():
    from rdkit import Chem

    spellings = [
        ("OC(=O)c1ccccc1", "c1ccccc1C(O)=O", "O=C(O)C1=CC=CC=C1"),
        ("C[C@H](N)C(=O)O", "N[C@@H](C)C(O)=O", "OC(=O)[C@H](C)N"),
        ("CC(=O)[O-].[Na+]", "[Na+].[O-]C(C)=O"),
        ("C/C=C/C(O)C", "CC(O)/C=C/C"),
    ]
    for group in spellings:
        texts = {describe(s) for s in group}
        assert len(texts) == 1, group
        assert len({facts(s) for s in group}) == 1, group
    mol = Chem.AddHs(Chem.MolFromSmiles("OC(=O)c1ccccc1"))
    assert describe(mol) == describe("OC(=O)c1ccccc1")


def test_variant_override():
    smiles = "CC(=O)Oc1ccccc1C(=O)O"
    texts = {describe(smiles, variant=v) for v in range(5)}
    assert len(texts) >= 4
    # another spelling of the molecule gets the same text, with a variant and without
    assert describe("OC(=O)c1ccccc1OC(C)=O", variant=2) == describe(smiles, variant=2)
    assert describe("OC(=O)c1ccccc1OC(C)=O") == describe(smiles)


def _opening_template(text: str, f) -> str:
    first = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]
    for value in (f.compound_class, f.formula, f"{f.molecular_weight:.2f}"):
        first = first.replace(value, "#")
    return re.sub(r"\b(a|an)\s+#", "#", first)


def test_variety_of_openings(nci, nci_described):
    templates = set()
    for smiles, text in zip(nci[:500], nci_described[:500]):
        if text is not None:
            templates.add(_opening_template(text, facts(smiles)))
    assert len(templates) >= 6, templates
    assert len(set(nci_described[:500])) >= 490


def test_length_bounds(nci_described):
    texts = [t for t in nci_described[:1000] if t is not None]
    lengths = [len(t.split()) for t in texts]
    assert max(lengths) <= d.MAX_WORDS
    assert min(lengths) >= 15
    assert 30 <= statistics.median(lengths) <= 90
    for text in texts:
        sentences = re.findall(r"[.;](?:\s|$)", text)
        assert 2 <= len(re.findall(r"\.(?:\s|$)", text)) <= d.MAX_SENTENCES, text
        assert sentences and text.startswith(("The molecule", "This ", "With the formula")), text
        assert "  " not in text and " ." not in text and ",," not in text


def test_all_of_first_5k(nci, nci_described):
    """Every molecule is described; only the SMILES RDKit cannot parse fail, and they fail as ValueError."""
    unparseable = [s for s in nci if mol_from_smiles(s) is None]
    failed = [s for s, t in zip(nci, nci_described) if t is None]
    assert failed == unparseable
    assert len(failed) < 20
    assert len(nci_described) == len(nci) == 4999


def test_describe_many_in_processes(nci):
    batch = nci[:80]
    assert describe_many(batch, num_proc=2, errors="none") == describe_many(batch, errors="none")


def test_quantities_and_formula_are_options():
    smiles = [
        "OC(=O)c1ccccc1", "CC(O)(CC(=O)O)c1ccc([N+](=O)[O-])cc1", "CC(=O)[O-].[Na+]", "C[C@H](N)C(=O)O",
        "c1ccc2ccccc2c1", "CCO",
    ]
    for s in smiles:
        f = facts(s)
        for variant in range(8):
            full = describe(s, variant=variant)
            lean = describe(s, variant=variant, quantities=False)
            bare = describe(s, variant=variant, quantities=False, formula=False)
            for text in (lean, bare):
                assert "g/mol" not in text and " Da" not in text and "heavy atom" not in text, text
            assert f.formula in lean
            assert f.formula not in bare
            # everything else is said the same way: rings, groups, charge, stereo
            kept = [x for x in re.split(r"(?<=\.) ", full)[1:] if not re.search(r"g/mol|Da\b|heavy atom|made of", x)]
            assert kept and all(sentence in lean and sentence in bare for sentence in kept), (full, lean)


def test_stereo_is_an_option():
    """stereo=False drops the stereo sentence and nothing else."""
    for s in ("C[C@H](N)C(=O)O", "F/C=C/c1ccccc1", "CC(O)CC(=O)O"):
        for variant in range(3):
            full = describe(s, variant=variant, quantities=False)
            bare = describe(s, variant=variant, quantities=False, stereo=False)
            assert re.search(r"stereo", full) and not re.search(r"stereo|configuration|geometry", bare), (full, bare)
            assert [x for x in re.split(r"(?<=\.) ", full) if "stereo" not in x.lower()] == re.split(r"(?<=\.) ", bare)


def test_the_demo_data_has_no_weights_by_default(demo_splits):
    texts = list(demo_splits["train"]["description"][:500])
    assert not any("g/mol" in t or "monoisotopic" in t or "formula" in t or "heavy atom" in t for t in texts)
    assert sum("ring" in t for t in texts) > 400  # the structure is still described


def test_the_demo_flags_choose_the_descriptions(tmp_path, monkeypatch):
    """Fine-tuning's --demo_stereo false --demo_varied_phrasing false: no stereo sentence, one phrasing for all."""
    from ada_t5.arguments import DataArguments
    from ada_t5.commands.finetune import load_raw_splits

    monkeypatch.setenv("ADA_T5_CACHE", str(tmp_path))
    lean = DataArguments(demo_size=300, demo_stereo=False, demo_varied_phrasing=False)
    texts = list(load_raw_splits(lean, seed=42)["train"]["description"])
    assert not any("stereo" in t for t in texts)
    assert all(t.startswith("The molecule is ") for t in texts)  # the same opening template for every molecule
    assert all(" It bears " in t or "no common functional group" in t or t.count(". ") == 1 for t in texts)
    full = list(load_raw_splits(DataArguments(demo_size=300), seed=42)["train"]["description"])
    assert any("stereo" in t for t in full) and not all(t.startswith("The molecule is ") for t in full)
