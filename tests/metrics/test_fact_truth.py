"""What the fact check takes as true of a caption's molecule: formulas of the whole and of each component, and
the named rings counted as systems and as the rings of fused systems (a purinone is also a purine)."""

from __future__ import annotations

from collections import Counter

from ada_t5.metrics.fact_truth import molecule_truth, parse_formula


def test_formulas_parse_with_their_charge_and_names_do_not():
    assert parse_formula("C2H3O2-") == (Counter({"C": 2, "H": 3, "O": 2}), -1)
    assert parse_formula("Ca+2") == (Counter({"Ca": 1}), 2)
    assert parse_formula("C10H11NO5") == (Counter({"C": 10, "H": 11, "N": 1, "O": 5}), 0)
    assert parse_formula("DNA") is None  # D and A are no element symbols
    assert parse_formula("c1ccccc1") is None


def test_a_salt_is_true_of_the_whole_and_of_each_component():
    truth = molecule_truth("CC(=O)[O-].[Na+]")
    assert truth.fragment_formulas == ((Counter({"C": 2, "H": 3, "O": 2, "Na": 1}), 0),
                                       (Counter({"C": 2, "H": 3, "O": 2}), -1), (Counter({"Na": 1}), 1))
    assert truth.fragment_charges == (-1, 1)


def test_fused_systems_name_their_rings_but_count_as_one_system():
    truth = molecule_truth("c1ccc2ncccc2c1")
    assert truth.ring_names == Counter({"quinoline": 1, "benzene": 1, "pyridine": 1})
    assert truth.ring_systems == Counter({"quinoline": 1})
    oxo = molecule_truth("O=c1[nH]c2ccccc2[nH]1")  # a benzimidazolone is a benzimidazole too
    assert oxo.ring_systems == Counter({"benzimidazolone": 1, "benzimidazole": 1})
    assert molecule_truth("O=C1CCCCC1").ring_names["cyclohexane"] == 1


def test_an_unreadable_molecule_has_no_truth():
    assert molecule_truth("not a smiles") is None
