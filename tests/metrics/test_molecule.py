"""text2mol (molecule generation) suite: golden values, equality with the literal scripts, bad inputs, FCD."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from ada_t5.metrics import TEXT2MOL_KEYS, MetricResourceError, molecule, score_text2mol
from ada_t5.metrics import fcd as fcd_module

from . import molt5_literal
from .conftest import FCD_TOLERANCE, GOLDEN_TEXT2MOL, read_rows


def test_golden_values_of_molt5_example(smiles_rows):
    outputs = [r["output"] for r in smiles_rows]
    references = [r["ground truth"] for r in smiles_rows]
    scores = score_text2mol(outputs, references)
    assert tuple(scores.aggregate) == TEXT2MOL_KEYS
    for key, expected in GOLDEN_TEXT2MOL.items():
        # FCD: float32 ChemNet, see FCD_TOLERANCE
        assert scores.aggregate[key] == pytest.approx(expected, abs=FCD_TOLERANCE if key == "fcd" else 1e-9), key
    assert [row["exact"] for row in scores.per_example].count(True) == 1


@pytest.fixture(scope="module")
def base_molecules(predictions_dir):
    rows = read_rows(predictions_dir / "molt5-base-caption2smiles.txt")[:300]
    return [r["output"] for r in rows], [r["ground truth"] for r in rows]


def test_fast_path_equals_literal_molt5_on_real_predictions(base_molecules):
    outputs, references = base_molecules
    molecule.clear_cache()
    parallel_cold = score_text2mol(outputs, references, num_proc=2)
    cached = score_text2mol(outputs, references, num_proc=2)
    in_process = score_text2mol(outputs, references, num_proc=1, cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        literal = molt5_literal.text2mol(outputs, references)
    assert 0 < parallel_cold.aggregate["validity"] < 1  # the slice holds invalid outputs too
    for key in TEXT2MOL_KEYS:  # identical, FCD included (same ChemNet inputs, same order of reduction)
        assert parallel_cold.aggregate[key] == float(literal[key]), key
        assert cached.aggregate[key] == parallel_cold.aggregate[key] == in_process.aggregate[key], key
    assert cached.per_example == parallel_cold.per_example == in_process.per_example


def test_chemnet_activations_equal_fcd_and_ignore_batching():
    from fcd import get_predictions

    model, _ = fcd_module.load_model()
    smiles = ["CCO", "Cl[Na]", "C[Si](C)C", "[Zn+2]", "c1ccccc1Br", "CCO", "Q?", "O=C=O", "C" * 400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = get_predictions(model, smiles, device="cpu")
    assert np.array_equal(fcd_module.activations(model, smiles, device="cpu"), expected)
    order = list(range(len(smiles)))[::-1]
    reversed_acts = fcd_module.activations(model, [smiles[i] for i in order], device="cpu")
    assert np.array_equal(reversed_acts[::-1], expected)


def test_bad_outputs_are_scored_not_fatal():
    garbage = "".join(random.Random(0).choice("xq#$%^&*()[]{}<>.=@+-\u00e9") for _ in range(10_000))
    references = ["CC(=O)O", "c1ccccc1", "CCN", "CCO", "C1CC1"]
    outputs = ["", "not a molecule", garbage, "CCO", "C1CC1"]
    scores = score_text2mol(outputs, references)
    rows = scores.per_example
    # MolT5 semantics: RDKit parses "" to an empty molecule, so it is valid with zero similarity
    assert rows[0]["valid"] and rows[0]["maccs"] == 0.0 and not rows[0]["exact"]
    assert not rows[1]["valid"] and rows[1]["maccs"] is None and not rows[2]["valid"]
    assert rows[2]["levenshtein"] >= 9_990
    assert rows[4]["exact"] and rows[4]["maccs"] == 1.0
    assert scores.aggregate["validity"] == 3 / 5 and scores.aggregate["exact"] == 2 / 5
    assert scores.aggregate["fcd"] is not None  # two valid non-empty outputs reach FCD ("" becomes "[]")


def test_long_valid_output_can_be_kept_out_of_fcd():
    references = ["CCO", "CCN", "CCC", "CCCl"]
    outputs = ["C" * 3000, "CCN", "CCC", "CCO"]
    scores = score_text2mol(outputs, references, fcd_max_length=2000)
    assert scores.per_example[0]["valid"] and scores.aggregate["fcd"] is not None
    assert any("longer than 2000" in note for note in scores.notes)


def test_unparseable_reference_is_left_out_of_similarities():
    scores = score_text2mol(["CCO", "CCN"], ["not smiles", "CCN"], fcd=False)
    assert scores.per_example[0]["maccs"] is None and scores.aggregate["maccs"] == 1.0
    assert any("unparseable reference" in note for note in scores.notes)


def test_fcd_needs_two_valid_molecules_per_side():
    scores = score_text2mol(["CCO", "xx"], ["CCO", "CCN"])
    assert scores.aggregate["fcd"] is None and any(note.startswith("fcd: not computed") for note in scores.notes)
    assert score_text2mol(["CCO"], ["CCO"], fcd=False).aggregate["fcd"] is None


def test_errors_are_clear():
    with pytest.raises(ValueError, match="differ in length"):
        score_text2mol(["CCO"], ["CCO", "CCN"])
    with pytest.raises(MetricResourceError, match="does not exist.*--no_fcd"):
        score_text2mol(["CCO"], ["CCO"], fcd_model="/nonexistent/ChemNet.pt")
    with pytest.raises(ValueError, match="inputs="):
        score_text2mol(["CCO"], ["CCO"], fcd=False, text2mol=lambda texts, smiles: [1.0])
    empty = score_text2mol([], [])
    assert empty.aggregate == dict.fromkeys(TEXT2MOL_KEYS)


def test_missing_fcd_package_is_a_clear_error(monkeypatch):
    from ada_t5.metrics import resources

    real = resources.importlib.util.find_spec
    monkeypatch.setattr(resources.importlib.util, "find_spec", lambda name: None if name == "fcd" else real(name))
    with pytest.raises(MetricResourceError, match="pip install fcd"):
        score_text2mol(["CCO"], ["CCO"])


def test_reference_features_are_computed_once(base_molecules, monkeypatch):
    outputs, references = base_molecules
    molecule.clear_cache()
    seen: list[int] = []
    real = molecule.features_chunk
    monkeypatch.setattr(molecule, "features_chunk", lambda smiles, full: seen.append(len(smiles)) or real(smiles, full))
    score_text2mol(outputs[:40], references[:40], num_proc=1, fcd=False)
    first = sum(seen)
    seen.clear()
    score_text2mol(outputs[:40], references[:40], num_proc=1, fcd=False)
    assert sum(seen) < first and sum(seen) == len(set(outputs[:40]))  # only the outputs again
