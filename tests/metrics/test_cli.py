"""``ada-t5 evaluate`` end to end, in a subprocess, on MolT5's example files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ada_t5.metrics import MOL2TEXT_KEYS, TEXT2MOL_KEYS

from .conftest import FCD_TOLERANCE, GOLDEN_MOL2TEXT, GOLDEN_TEXT2MOL


def _evaluate(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ada_t5.cli", "evaluate", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


def test_mol2text_file_to_json_and_jsonl(molt5_examples, vocab_txt, wordnet_subset, tmp_path):
    output, per_example = tmp_path / "metrics.json", tmp_path / "rows.jsonl"
    done = _evaluate(molt5_examples / "smiles2caption_example.txt", "--text-tokenizer", vocab_txt,
                     "--nltk-data", wordnet_subset, "--output", output, "--per-example", per_example)
    assert done.returncode == 0, done.stderr
    metrics = json.loads(output.read_text())
    # MolT5's keys, values unchanged, then ada-t5's fact check under its own key
    assert list(metrics) == [*MOL2TEXT_KEYS, "ada_t5_fact_check"]
    facts = metrics.pop("ada_t5_fact_check")
    assert metrics == pytest.approx(GOLDEN_MOL2TEXT, abs=1e-9)
    rows = [json.loads(line) for line in per_example.read_text().splitlines()]
    assert len(rows) == 10 and {"index", "input", "reference", "output", "meteor"} <= set(rows[0])
    assert "mol2text, 10 examples" in done.stdout and "meteor" in done.stdout
    # the one wrong fact of MolT5's example outputs (tests/metrics/test_facts.py), in the aggregate and its row
    assert facts["facts"] - facts["correct"] == 1 and facts["captions"] == 10
    assert [f["text"] for f in rows[6]["ada_t5_fact_check"]["facts"] if not f["correct"]] == ["a sulfoxide"]
    assert "not a MolT5 metric" in done.stdout and f"fact precision {facts['precision']:.3f}" in done.stdout
    skipped = _evaluate(molt5_examples / "smiles2caption_example.txt", "--text-tokenizer", vocab_txt,
                        "--no-meteor", "--no-fact-check", "--output", output)
    assert skipped.returncode == 0 and list(json.loads(output.read_text())) == list(MOL2TEXT_KEYS)
    assert "fact" not in skipped.stdout


def test_text2mol_file_with_explicit_task(molt5_examples, tmp_path):
    output = tmp_path / "metrics.json"
    done = _evaluate(molt5_examples / "caption2smiles_example.txt", "--task", "text2mol", "-o", output,
                     "--num-proc", "1")
    assert done.returncode == 0, done.stderr
    metrics = json.loads(output.read_text())
    assert list(metrics) == list(TEXT2MOL_KEYS)
    for key, expected in GOLDEN_TEXT2MOL.items():
        assert metrics[key] == pytest.approx(expected, abs=FCD_TOLERANCE if key == "fcd" else 1e-9), key


def test_disabled_metrics_are_null(molt5_examples, tmp_path):
    output = tmp_path / "metrics.json"
    done = _evaluate(molt5_examples / "caption2smiles_example.txt", "--no-fcd", "-o", output)
    assert done.returncode == 0, done.stderr
    assert json.loads(output.read_text())["fcd"] is None and "not computed" in done.stdout


@pytest.mark.parametrize("content, expected", [
    ("SMILES\tground truth\toutput\nC\tonly two\n", "bad.tsv:2: expected 3 tab-separated fields"),
    ("smile\tground truth\n", "bad.tsv:1: wrong header"),
])
def test_bad_files_exit_2_with_one_line(tmp_path, content, expected):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    done = _evaluate(path)
    assert done.returncode == 2
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_resource_exits_2(molt5_examples, tmp_path):
    done = _evaluate(molt5_examples / "smiles2caption_example.txt", "--text-tokenizer", tmp_path / "no" / "vocab.txt")
    assert done.returncode == 2 and "huggingface.co" in done.stderr and "Traceback" not in done.stderr
    done = _evaluate(molt5_examples / "smiles2caption_example.txt", "--task", "text2mol")
    assert done.returncode == 2 and "missing column" in done.stderr


def test_an_output_folder_is_refused_before_scoring(molt5_examples, tmp_path):
    done = _evaluate(molt5_examples / "caption2smiles_example.txt", "--output", tmp_path, "--no_fcd")
    assert done.returncode == 2 and "is a folder" in done.stderr and "Traceback" not in done.stderr
    assert "scored in" not in done.stdout  # nothing was scored


def test_captions_scored_as_text2mol_are_flagged_and_rdkit_stays_quiet(molt5_examples, tmp_path):
    """A text2mol header over captions: validity 0 must not pass silently, and RDKit's per-molecule parse
    warnings are silenced for the scoring call (rdBase.BlockLogs), not printed by the dozen."""
    rows = (molt5_examples / "smiles2caption_example.txt").read_text(encoding="utf-8").splitlines()[1:]
    captions = tmp_path / "captions.tsv"
    captions.write_text("description\tground truth\toutput\n" + "".join(
        f"{smiles}\t{caption}\t{output}\n" for smiles, caption, output in (r.split("\t") for r in rows)),
        encoding="utf-8")
    done = _evaluate(captions, "--no_fcd", "--num_proc", "1")
    assert done.returncode == 0, done.stderr
    assert "warning: scored as text2mol, but 100% of the outputs and 100% of the references are not valid SMILES" \
        in done.stderr
    assert "SMILES Parse Error" not in done.stderr and "Explicit valence" not in done.stderr


def test_empty_outputs_count_as_valid_with_a_note(molt5_examples, tmp_path):
    rows = (molt5_examples / "caption2smiles_example.txt").read_text(encoding="utf-8").splitlines()
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n".join([rows[0]] + [row.rsplit("\t", 1)[0] + "\t" for row in rows[1:]]) + "\n",
                     encoding="utf-8")
    done = _evaluate(empty, "--no_fcd", "-o", tmp_path / "m.json", "--num_proc", "1")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "m.json").read_text())["validity"] == 1.0
    assert "10 empty output(s) counted as valid" in done.stdout
