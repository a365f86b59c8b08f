"""bench/significance.py: the paired bootstrap that says whether one arm really beats another."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_significance", REPO / "bench" / "significance.py")
significance = importlib.util.module_from_spec(_spec)
sys.modules["bench_significance"] = significance
_spec.loader.exec_module(significance)

REFERENCES = ["CCO", "CC(=O)O", "c1ccccc1O", "CCN", "CCCC", "C1CCCCC1", "CC(C)O", "OCC(O)CO"] * 5
WORSE = ["CCC", "CC(=O)C", "c1ccccc1", "CCO", "CCC", "C1CCCC1", "CC(C)C", "OCCO"] * 5


def test_an_arm_against_itself_differs_by_nothing():
    report = significance.compare("text2mol", WORSE, WORSE, REFERENCES, resamples=50)
    for row in report.values():
        assert row["diff"] == row["low"] == row["high"] == 0.0 and row["a_better"] == 0.0


def test_the_references_beat_a_worse_arm_in_every_resample():
    report = significance.compare("text2mol", REFERENCES, WORSE, REFERENCES, resamples=100)
    assert report["bleu"]["a"] > report["bleu"]["b"] and report["bleu"]["low"] > 0
    assert report["levenshtein"]["diff"] < 0 and report["levenshtein"]["high"] < 0  # lower is better
    assert report["levenshtein"]["a_better"] == 1.0 and report["morgan"]["a_better"] == 1.0


def test_the_full_sample_scores_are_molt5s(tmp_path):
    from ada_t5 import metrics

    report = significance.compare("text2mol", WORSE, REFERENCES, REFERENCES, resamples=10)
    official = metrics.score("text2mol", WORSE, REFERENCES, fcd=False).aggregate
    for key in ("bleu", "levenshtein", "morgan", "maccs"):
        assert report[key]["a"] == pytest.approx(official[key])


def test_files_with_different_rows_are_refused(tmp_path, capsys):
    from ada_t5.metrics import write_predictions

    a = write_predictions(tmp_path / "a.tsv", "text2mol", ["x", "y"], ["CCO", "CCN"], ["CCO", "CCN"])
    b = write_predictions(tmp_path / "b.tsv", "text2mol", ["x", "z"], ["CCO", "CCN"], ["CCO", "CCN"])
    assert significance.main([str(a), str(b)]) == 2
    assert "same inputs" in capsys.readouterr().err
