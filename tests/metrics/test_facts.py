"""The caption fact check: hand-made captions with right and wrong facts, the describer's own captions, and MolT5's
published example predictions (ChEBI's reference captions state nothing the check calls wrong)."""

from __future__ import annotations

import pytest

from ada_t5.metrics.facts import check_caption, fact_check, format_fact_summary, order_by_refuted_facts


def _verdicts(caption: str, smiles: str) -> list[tuple[str, str, bool]]:
    return [(f.kind, f.text, f.correct) for f in check_caption(caption, smiles).facts]


@pytest.mark.parametrize(("caption", "smiles", "expected"), [
    # formula: Hill formula of the molecule (or of one component of a salt), charge included
    ("The molecule has the formula C7H6O2.", "OC(=O)c1ccccc1", [("formula", "C7H6O2", True)]),
    ("The molecule has the formula C10H10O2.", "OC(=O)c1ccccc1", [("formula", "C10H10O2", False)]),
    ("It consists of C2H3O2- and a sodium cation.", "CC(=O)[O-].[Na+]",
     [("formula", "C2H3O2-", True), ("charge", "cation", True)]),
    ("Its components are C2H3O2+ and water.", "CC(=O)[O-].[Na+]", [("formula", "C2H3O2+", False)]),
    # named rings, with and without a count
    ("Its only ring is a benzene ring.", "OC(=O)c1ccccc1", [("ring", "a benzene", True)]),
    ("Its only ring is a pyridine ring.", "OC(=O)c1ccccc1", [("ring", "a pyridine", False)]),
    ("It is built around two benzene rings.", "c1ccccc1-c1ccccc1", [("ring", "two benzene", True)]),
    ("It is built around three benzene rings.", "c1ccccc1-c1ccccc1", [("ring", "three benzene", False)]),
    ("It is a member of quinolines.", "c1ccc2ncccc2c1", [("ring", "quinolines", True)]),
    ("It contains a piperazine ring.", "C1CNCCN1", [("ring", "a piperazine", True)]),
    ("It contains a morpholine ring.", "C1CNCCN1", [("ring", "a morpholine", False)]),
    # ring counts, acyclic
    ("It contains two rings, both aromatic.", "c1ccccc1-c1ccccc1", [("ring count", "two rings", True)]),
    ("It has three aromatic rings.", "c1ccccc1-c1ccccc1", [("ring count", "three aromatic rings", False)]),
    ("It is acyclic.", "CCO", [("ring count", "acyclic", True)]),
    ("It is an acyclic compound.", "C1CCCCC1", [("ring count", "acyclic", False)]),
    # functional groups: SMARTS on the molecule; counts where stated; negations state nothing
    ("It carries a tertiary alcohol.", "CC(C)(C)O", [("group", "a tertiary alcohol", True)]),
    ("It carries a tertiary alcohol.", "CCO", [("group", "a tertiary alcohol", False)]),
    ("It bears an aromatic nitro group and an aryl ether.", "COc1ccc([N+](=O)[O-])cc1",
     [("group", "an aromatic nitro group", True), ("group", "an aryl ether", True)]),
    ("It bears a nitrile.", "CCO", [("group", "a nitrile", False)]),
    ("It is a dicarboxylic acid.", "OC(=O)CCC(=O)O", [("group", "dicarboxylic acid", True)]),
    ("It is a monocarboxylic acid.", "OC(=O)CCC(=O)O", [("group", "monocarboxylic acid", False)]),
    ("It carries two ester groups.", "CCOC(=O)CC(=O)OCC", [("group", "two ester groups", True)]),
    ("It carries no nitro group.", "CCO", []),
    ("It carries two aromatic methoxy groups and a methyl ester group.", "COC(=O)C=Cc1ccc(OC)c(OC)c1",
     [("group", "two aromatic methoxy groups", True), ("group", "a methyl ester group", True)]),
    ("It is a carboxylic ester.", "C=CCOC=O", [("group", "a carboxylic ester", True)]),
    ("It is an organochlorine compound.", "ClCCO", [("group", "organochlorine", True)]),
    ("It is an organobromine compound.", "ClCCO", [("group", "organobromine", False)]),
    # charge
    ("It is a monoanion with a net charge of -1.", "CC(=O)[O-]",
     [("charge", "monoanion", True), ("charge", "net charge of -1", True)]),
    ("It is a dication.", "CC(=O)[O-]", [("charge", "dication", False)]),
    ("It is a zwitterion.", "[NH3+]CC(=O)[O-]", [("charge", "zwitterion", True)]),
    # stereo: counts and CIP labels
    ("It has one stereocentre (S configuration).", "C[C@H](N)C(=O)O",
     [("stereo", "one stereocentre (S configuration)", True)]),
    ("It has one stereocentre (R configuration).", "C[C@H](N)C(=O)O",
     [("stereo", "one stereocentre (R configuration)", False)]),
    ("It has two stereocentres.", "C[C@H](N)C(=O)O", [("stereo", "two stereocentres", False)]),
    # weights: a quantity a caption can state, and the old demo made up
    ("Its molecular weight is 122.12 g/mol.", "OC(=O)c1ccccc1", [("weight", "122.12 g/mol", True)]),
    ("Its molecular weight is 16.256 g/mol.", "OC(=O)c1ccccc1", [("weight", "16.256 g/mol", False)]),
])
def test_hand_made_captions(caption, smiles, expected):
    got = _verdicts(caption, smiles)
    assert [(k, ok) for k, _, ok in got] == [(k, ok) for k, _, ok in expected], got
    assert [text for _, text, _ in got] == [text for _, text, _ in expected]


def test_names_and_relations_that_are_not_statements_about_the_molecule():
    # "DNA", "HIV-1", "KC8" are not formulas; a conjugate base / parent sentence speaks of another molecule
    assert _verdicts("It inhibits HIV-1 and binds DNA; it is made by strain KC8.", "CCO") == []
    assert _verdicts("It is a conjugate acid of a pyridine-3-carboxylate.", "OC(=O)c1ccccc1") == []
    assert _verdicts("It is an amino acid derived from a piperidine ring opening.", "NCC(=O)O") == []


def test_wrong_facts_carry_what_rdkit_says_and_their_span():
    caption = "The molecule is an aromatic monocarboxylic acid with formula C10H10O2."
    check = check_caption(caption, "CC(O)(CC(=O)O)c1ccc([N+](=O)[O-])cc1")
    wrong = check.wrong
    assert len(wrong) == 1 and wrong[0].truth == "C10H11NO5"
    assert caption[wrong[0].start:wrong[0].end] == "C10H10O2"
    assert check.precision == 0.5


def test_the_describer_states_only_facts_the_check_confirms(demo_splits):
    from ada_t5.describe import describe

    smiles = list(demo_splits["test"]["smiles"])
    for options in ({"quantities": True}, {"quantities": False}):
        captions = [describe(s, **options) for s in smiles]
        aggregate, checks = fact_check(captions, smiles)
        wrong = [(s, f.text, f.truth) for s, c in zip(smiles, checks) for f in c.wrong]
        assert aggregate["precision"] == 1.0, wrong[:5]
        assert aggregate["captions_with_facts"] == len(smiles)
        assert aggregate["facts"] > 5 * len(smiles)  # formula, rings, groups, ... in every caption
        assert ("weight" in aggregate["by_kind"]) is options["quantities"]


def test_aggregate_and_unreadable_smiles():
    aggregate, checks = fact_check(["It contains a benzene ring.", "It is a nitrile.", "Nothing to check here."],
                                   ["c1ccccc1", "not a smiles", "CCO"])
    assert aggregate["facts"] == 1 and aggregate["precision"] == 1.0
    assert aggregate["captions_with_facts"] == 1 and aggregate["unreadable_smiles"] == 1
    assert checks[1].error and checks[2].precision is None
    assert format_fact_summary(aggregate).startswith("fact precision 1.000 (1 of 1 stated facts correct; ring 1.00")
    with pytest.raises(ValueError, match="2 captions but 1 SMILES"):
        fact_check(["a", "b"], ["C"])


def test_molt5_example_predictions(shared_data):
    """MolT5's example file: ChEBI's own captions state no fact the check calls wrong; MolT5's outputs state one
    wrong fact, a sulfoxide for a trifluoromethyl thioether (there is no S=O in the molecule)."""
    from ada_t5.metrics.io import read_predictions

    predictions = read_predictions(shared_data / "molt5_predictions" / "smiles2caption_example.txt")
    references, _ = fact_check(predictions.references, predictions.inputs)
    assert references["precision"] == 1.0 and references["facts"] >= 10
    outputs, checks = fact_check(predictions.outputs, predictions.inputs)
    wrong = [(i, f.text) for i, c in enumerate(checks) for f in c.wrong]
    assert wrong == [(6, "a sulfoxide")]
    assert "S(=O)" not in predictions.inputs[6] and "SC(F)(F)F" in predictions.inputs[6]
    assert outputs["precision"] == pytest.approx((outputs["facts"] - 1) / outputs["facts"])


def test_candidates_order_by_refuted_facts_then_by_the_models_order():
    captions = ["The molecule is a pyridine carrying a carboxylic acid group.",  # two facts refuted for phenol
                "The molecule contains a benzene ring and a nitro group.",  # one refuted
                "The molecule is a member of phenols.",  # none refuted
                "The molecule is an organic compound."]  # nothing checkable: none refuted either
    assert order_by_refuted_facts(captions, "c1ccccc1O") == [2, 3, 1, 0]
