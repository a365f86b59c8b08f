"""The package surface: cheap import, lazy names, score() dispatch, Scores serialisation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ada_t5.metrics as metrics


def test_import_loads_nothing_heavy():
    code = ("import sys, ada_t5.metrics as m; m.Scores; m.MOL2TEXT_KEYS; "
            "print(sorted(k for k in ('torch', 'fcd', 'nltk', 'rdkit', 'transformers', 'tokenizers') "
            "if k in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_lazy_names_and_dispatch():
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None
    with pytest.raises(AttributeError):
        metrics.no_such_thing  # noqa: B018
    with pytest.raises(ValueError, match="unknown task"):
        metrics.score("smiles2caption", [], [])
    scores = metrics.score("text2mol", ["CCO"], ["CCO"], fcd=False)
    assert scores.task == "text2mol" and scores.aggregate["exact"] == 1.0


def test_scores_serialise():
    scores = metrics.Scores("text2mol", {"bleu": 0.5, "fcd": None}, [{"valid": True}], ["fcd: not computed"])
    assert json.loads(scores.to_json()) == {"bleu": 0.5, "fcd": None}
    assert scores.floats() == {"bleu": 0.5} and scores.num_examples == 1
    assert scores.to_dict()["notes"] == ["fcd: not computed"]


def test_evaluate_module_loads_by_local_path():
    evaluate = pytest.importorskip("evaluate")
    from ada_t5.metrics import evaluate_module

    metric = evaluate.load(evaluate_module.__file__, "text2mol")
    metric.add_batch(predictions=["CCO", "CCN"], references=["CCO", "CCC"])
    result = metric.compute(fcd=False, num_proc=1)
    assert result["exact"] == 0.5 and result["fcd"] is None
    with pytest.raises(ValueError, match="task name"):
        evaluate.load(evaluate_module.__file__)


def test_workers_do_not_rerun_an_unguarded_script(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        "print('TOP-LEVEL RAN', flush=True)\n"
        "from ada_t5.metrics import score_text2mol\n"
        "smiles = ['C' * i + 'O' for i in range(1, 401)]\n"
        "scores = score_text2mol(smiles, smiles[::-1], fcd=False, num_proc=2)\n"
        "print('validity', scores.aggregate['validity'])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("TOP-LEVEL RAN") == 1 and "validity 1.0" in done.stdout
    assert "unavailable" not in done.stderr  # the pool really ran
