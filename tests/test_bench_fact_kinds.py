"""bench/fact_kinds.py: the fact check of a predictions file by kind and phrase, and with content deleted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_fact_kinds", REPO / "bench" / "fact_kinds.py")
fact_kinds = importlib.util.module_from_spec(_spec)
sys.modules["bench_fact_kinds"] = fact_kinds
_spec.loader.exec_module(fact_kinds)


def test_kinds_phrases_and_deletions(tmp_path, capsys):
    predictions = tmp_path / "test_predictions.tsv"
    predictions.write_text(
        "SMILES\tground truth\toutput\n"
        "CCO\tIt is acyclic.\tIt is acyclic. It has one stereocentre of unspecified configuration.\n"
        "OC(=O)c1ccccc1\tIts only ring is a benzene ring.\t"
        "It contains 2 rings: two benzene rings. It bears a nitrile.\n")
    assert fact_kinds.main([str(predictions)]) == 0
    out = capsys.readouterr().out
    lines = {line[:32].strip(): line for line in out.splitlines() if "precision" in line}
    assert "precision 1.000  facts/caption 1.00" in lines["references"]
    assert "precision 0.200  facts/caption 2.50" in lines["outputs"]  # only "acyclic" of 5 stated facts is right
    assert "stereo 0.00 (1)" in lines["outputs"]
    assert "stereo" not in lines["without the stereo sentence"].split("precision")[1]
    assert "precision 0.250" in lines["without the stereo sentence"]
    assert "ring       # benzene" in out and "1 of    1 wrong" in out
