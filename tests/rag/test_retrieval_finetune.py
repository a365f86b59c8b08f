"""Retrieval-augmented fine-tuning end to end: leave-one-out on real train rows, the pool travelling with the
checkpoint, and the same outputs from scripts/test.py and from ada_t5.load in a new process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ada_t5 import chem
from ada_t5.commands import finetune
from ada_t5.commands import test as test_command
from ada_t5.config import parse_config
from ada_t5.metrics import read_predictions
from ada_t5.rag import NEIGHBOUR_TOKEN, RetrievalPool, augment_split
from ada_t5.tasks import get_task

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "configs" / "finetune" / "demo.yaml")
SHORT = ["--model_shape", "tiny", "--max_steps", "30", "--warmup_steps", "3", "--eval_steps", "30",
         "--save_steps", "30", "--logging_steps", "10", "--max_train_samples", "400", "--max_eval_samples", "8",
         "--max_test_samples", "10", "--per_device_eval_batch_size", "10", "--generation_max_new_tokens", "24",
         "--disable_tqdm", "true", "--text_tokenizer", "simple", "--meteor", "false", "--validation_fcd", "false",
         "--tokenizer_vocab_size", "600", "--num_examples_to_show", "0"]


@pytest.mark.parametrize("task", ["mol2text", "text2mol"])
def test_a_train_row_never_sees_its_own_structure(demo_splits, task):
    train = demo_splits["train"].select(range(600))
    pool = RetrievalPool.from_dataset(train)
    augmented = augment_split(train, pool, get_task(task), 3, train=True)
    checked = 0
    for row in augmented:
        source = row["source"]  # the original source, kept beside the augmented one
        own = chem.canonical_smiles(source if task == "mol2text" else row["smiles"])
        parts = row[get_task(task).source_column].split(f" {NEIGHBOUR_TOKEN} ")
        assert parts[0] == source and len(parts) == 4
        if task == "text2mol":  # neighbours are SMILES: none may be this row's molecule
            assert own not in {chem.canonical_smiles(p) for p in parts[1:]}
        else:  # neighbours are descriptions: none may come from a pool row of this structure
            retrieved_rows = pool.nearest_molecules([source], 3)[0]
            assert [n.description for n in retrieved_rows] == parts[1:]
            assert own not in {pool.canonical[n.index] for n in retrieved_rows}
        checked += 1
    assert checked == 600
    if task == "text2mol":  # the control: without leave-one-out a train row's best match is its own row
        plain = pool.nearest_texts(list(train["description"])[:100], 1)
        assert sum(found[0].index == i for i, found in enumerate(plain)) >= 90


@pytest.fixture(scope="module")
def rag_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("rag") / "run"
    finetune.run_finetune(*parse_config(finetune.ARGUMENT_TYPES,
                                        [DEMO, *SHORT, "--retrieval_k", "2", "--output_dir", str(output_dir)]))
    return output_dir


def test_the_pool_and_separator_are_saved_with_the_checkpoint(rag_run):
    settings = json.loads((rag_run / "retrieval" / "retrieval.json").read_text())
    assert settings["k"] == 2 and settings["task"] == "mol2text" and settings["rows"] == 400
    tokenizer_json = (rag_run / "tokenizer.json").read_text()
    assert NEIGHBOUR_TOKEN in tokenizer_json
    neighbours = [json.loads(line) for line in (rag_run / "test_neighbours.jsonl").read_text().splitlines()]
    assert len(neighbours) == 10 and all(len(row) == 2 for row in neighbours)


def test_test_script_and_a_new_process_give_the_runs_outputs(rag_run, tmp_path):
    expected = read_predictions(rag_run / "test_predictions.tsv")
    assert test_command.main([DEMO, "--max_test_samples", "10", "--text_tokenizer", "simple", "--meteor", "false",
                              "--checkpoint", str(rag_run), "--predictions_dir", str(tmp_path),
                              "--max_new_tokens", "24", "--batch_size", "10"]) == 0
    assert read_predictions(tmp_path / "test_predictions.tsv").outputs == expected.outputs
    assert (tmp_path / "test_neighbours.jsonl").read_text() == (rag_run / "test_neighbours.jsonl").read_text()
    code = ("import json, sys, ada_t5\n"
            "m = ada_t5.load(sys.argv[1], device='cpu')\n"
            "preds = m.caption(json.loads(sys.argv[2]), max_new_tokens=24, batch_size=10)\n"
            "print(json.dumps([[p.text, p.neighbours] for p in preds]))\n")
    done = subprocess.run([sys.executable, "-c", code, str(rag_run), json.dumps(expected.inputs)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert [text for text, _ in results] == expected.outputs
    saved = [json.loads(line) for line in (rag_run / "test_neighbours.jsonl").read_text().splitlines()]
    assert [n for _, n in results] == saved


def test_a_plain_checkpoint_is_not_augmented(tmp_path):
    from ada_t5.rag import Augmenter

    assert Augmenter.from_checkpoint(tmp_path) is None


def test_the_report_shows_the_retrieved_neighbours(rag_run, tmp_path):
    from ada_t5.report import write_report
    from ada_t5.report.rows import read_page_data

    page = write_report(rag_run / "test_predictions.tsv", tmp_path / "r.html", text_tokenizer="simple").read_text()
    first = json.loads((rag_run / "test_neighbours.jsonl").read_text().splitlines()[0])
    # the rows travel as embedded data the page's script lays out: each carries its 2 neighbours
    rows = read_page_data(page)["rows"]
    assert len(rows) == 10 and all(len(row["nb"]) == 2 for row in rows)
    assert rows[0]["nb"][0][1] == first[0]["description"]
