"""Tasks: names and aliases, and how pairs become model inputs (real tokenizer, real demo rows)."""

from __future__ import annotations

import pytest
from datasets import Dataset

from ada_t5.tasks import TASKS, get_task, tokenize_for_task


def test_paper_aliases_map_to_the_two_tasks():
    assert get_task("smiles2cap").name == "mol2text"
    assert get_task("cap2smiles").name == "text2mol"
    assert get_task("mol2text").source_column == "smiles"
    assert get_task("text2mol").source_column == "description"


def test_unknown_task_names_the_choices():
    with pytest.raises(ValueError, match="mol2text or text2mol"):
        get_task("captioning")


def test_checkpoints_are_selected_by_the_papers_metrics():
    assert TASKS["mol2text"].best_metric == "bleu4"
    assert TASKS["text2mol"].best_metric == "bleu"


@pytest.mark.parametrize("task_name", ["mol2text", "text2mol"])
def test_tokenize_for_task_encodes_source_and_target_without_padding(demo_splits, demo_tokenizer, task_name):
    task = get_task(task_name)
    rows = demo_splits["validation"].select(range(16))
    encoded = tokenize_for_task(rows, task, demo_tokenizer)
    assert set(encoded.column_names) == {"input_ids", "labels", "length"}
    for row, example in zip(rows, encoded):
        # no prefix by default (the paper uses none), EOS closes both sides, lengths vary (no padding)
        assert example["input_ids"] == demo_tokenizer(row[task.source_column])["input_ids"]
        assert example["labels"][-1] == demo_tokenizer.eos_token_id
        assert demo_tokenizer.pad_token_id not in example["labels"]
        assert example["length"] == len(example["input_ids"])
        assert demo_tokenizer.decode(example["labels"], skip_special_tokens=True) == row[task.target_column]
    assert len({len(x) for x in encoded["input_ids"]}) > 1


def test_truncation_and_prefix(demo_tokenizer):
    long = Dataset.from_dict({"smiles": ["CCO"], "description": ["The molecule is an alcohol. " * 100]})
    encoded = tokenize_for_task(long, "text2mol", demo_tokenizer, prefix="Caption to SMILES: ",
                                max_source_length=32, max_target_length=8)
    source = encoded[0]["input_ids"]
    assert len(source) == 32 and source[-1] == demo_tokenizer.eos_token_id
    assert demo_tokenizer.decode(source, skip_special_tokens=True).startswith("Caption to SMILES: The molecule")
    assert len(encoded[0]["labels"]) <= 8


def test_keep_columns_keeps_the_raw_pairs(demo_splits, demo_tokenizer):
    rows = demo_splits["test"].select(range(4))
    encoded = tokenize_for_task(rows, "mol2text", demo_tokenizer, keep_columns=True)
    assert encoded["smiles"] == rows["smiles"]
