"""Pre-training data: both-direction batches, packing, mixtures, the tokenized-data cache, shipped configs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from datasets import Dataset

from ada_t5.collators import LABEL_PAD
from ada_t5.commands.pretrain import ARGUMENT_TYPES
from ada_t5.config import parse_config
from ada_t5.pretrain import data as pretraining
from ada_t5.pretrain.args import PretrainDataArguments
from ada_t5.pretrain.data import load_or_build_datasets, mix, pack_for_span_corruption
from ada_t5.pretrain.objectives import BidirectionalPairCollator, DataCollatorForT5MLM, MixtureCollator, build_collator

REPO = Path(__file__).resolve().parents[2]
PRETRAIN_CONFIGS = sorted((REPO / "configs" / "pretrain").glob("*.yaml"))


def test_every_batch_is_half_each_direction_by_hand():
    collate = BidirectionalPairCollator(pad_token_id=0)
    batch = collate([
        {"smiles_ids": [11, 12, 1], "description_ids": [21, 22, 23, 1], "length": 7},
        {"smiles_ids": [13, 1], "description_ids": [24, 1], "length": 4},
        {"smiles_ids": [14, 15, 16, 17, 1], "description_ids": [25, 1], "length": 7},
        {"smiles_ids": [18, 1], "description_ids": [26, 27, 28, 1], "length": 6},
    ])
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    # rows 0 and 2: SMILES -> description; rows 1 and 3: description -> SMILES; no prefix
    assert batch["input_ids"].tolist() == [[11, 12, 1, 0, 0], [24, 1, 0, 0, 0], [14, 15, 16, 17, 1],
                                           [26, 27, 28, 1, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]
    P = LABEL_PAD
    assert batch["labels"].tolist() == [[21, 22, 23, 1], [13, 1, P, P], [25, 1, P, P], [18, 1, P, P]]


def test_pair_sides_are_tokenized_once_truncated_with_eos(demo_tokenizer):
    pairs = Dataset.from_dict({"smiles": ["CCO", "C" * 300], "description": ["The molecule is ethanol.", "Long."],
                               "id": ["a", "b"]})
    rows = pretraining.tokenize_each_side(pairs, demo_tokenizer, max_length=16)
    assert rows.column_names == ["smiles_ids", "description_ids", "length"]
    assert rows[0]["smiles_ids"] == demo_tokenizer("CCO")["input_ids"]
    assert len(rows[1]["smiles_ids"]) == 16 and rows[1]["smiles_ids"][-1] == demo_tokenizer.eos_token_id
    assert rows["length"] == [len(r["smiles_ids"]) + len(r["description_ids"]) for r in rows]
    assert rows.features["smiles_ids"].feature.dtype == "int32"


class _CharTokenizer:
    """Token = ord(char) + 10, then </s> = 1: packing can be checked by hand."""

    eos_token_id = 1

    def __call__(self, texts, **kwargs):
        return {"input_ids": [[ord(c) + 10 for c in t] + [1] for t in texts]}


def test_packing_by_hand():
    texts = Dataset.from_dict({"text": ["ab", "cde", "f", "ghij"]})
    packed = pack_for_span_corruption(texts, _CharTokenizer(), 4)
    a, b, c, d, e, f, g = (ord(x) + 10 for x in "abcdefg")
    # ab</s> cde</s> f</s> ghij</s> = 14 tokens -> 3 rows of 4, the last 2 tokens dropped
    assert packed["input_ids"] == [[a, b, 1, c], [d, e, 1, f], [1, g, ord("h") + 10, ord("i") + 10]]
    assert packed["length"] == [4, 4, 4]


def test_corpus_from_pair_columns_and_files(tmp_path):
    pairs = Dataset.from_dict({"smiles": ["CCO", "CCN"], "description": ["ethanol", "ethylamine"], "id": ["1", "2"]})
    smi = tmp_path / "zinc.smi"
    smi.write_text("c1ccccc1 ZINC1\n\nCC(=O)O ZINC2\n")
    texts = pretraining.corpus_texts(pairs, ["smiles", "description"], [str(smi)])
    assert texts["text"] == ["CCO", "CCN", "ethanol", "ethylamine", "c1ccccc1", "CC(=O)O"]
    assert pretraining.corpus_texts(pairs, ["smiles"])["text"] == ["CCO", "CCN"]


def test_mixture_ratio_and_mixed_batches():
    translation = Dataset.from_dict({"smiles_ids": [[5, 1]] * 300, "description_ids": [[6, 7, 1]] * 300,
                                     "length": [5] * 300})
    span = Dataset.from_dict({"input_ids": [list(range(2, 72))] * 100, "length": [70] * 100})
    mixed = mix(translation, span, 0.25, seed=0)
    kinds = np.array([len(row) > 0 for row in mixed["input_ids"]])
    assert 0.2 < kinds.mean() < 0.3  # about a quarter span corruption
    assert set(mixed.column_names) == {"smiles_ids", "description_ids", "input_ids", "length"}
    collate = MixtureCollator(BidirectionalPairCollator(0),
                              DataCollatorForT5MLM(np.arange(199, 99, -1), 1, tokens_length=70))
    batch = collate([translation[0], span[0], translation[1]])
    assert batch["input_ids"].shape == (3, 64) and batch["labels"].shape == (3, 14)
    assert batch["input_ids"][0, :3].tolist() == [5, 1, 0] and batch["input_ids"][1, :3].tolist() == [6, 7, 1]
    assert batch["attention_mask"][0].sum() == 2 and batch["attention_mask"][2].sum() == 64
    assert batch["labels"][0, :4].tolist() == [6, 7, 1, LABEL_PAD] and batch["labels"][2, 0] == 199
    assert mix(translation, span, 0.0, seed=0) is translation


@pytest.mark.parametrize("objective", ["translation", "span_corruption", "mixture"])
def test_data_is_tokenized_once_then_read_from_the_cache(objective, demo_tokenizer, tmp_path, monkeypatch):
    args = PretrainDataArguments(objective=objective, demo_size=300, input_length=64, data_cache_dir=str(tmp_path))
    train, validation = load_or_build_datasets(args, demo_tokenizer, seed=42)
    assert len(train) > 0 and validation is not None
    row = train[0]
    if objective == "span_corruption":
        assert len(row["input_ids"]) == 70
    elif objective == "translation":
        assert row["smiles_ids"][-1] == demo_tokenizer.eos_token_id

    def fail(*args, **kwargs):
        raise AssertionError("data loaded or tokenized again")

    monkeypatch.setattr(pretraining, "load_raw_pairs", fail)
    monkeypatch.setattr(pretraining, "prepare_split", fail)
    again, _ = load_or_build_datasets(args, demo_tokenizer, seed=42)
    assert again[:5] == train[:5] and len(again) == len(train)
    key = pretraining.cache_key(args, demo_tokenizer, seed=42)
    assert [p.name for p in tmp_path.iterdir()] == [f"{objective}-{key}"]
    # any change to the data settings is a different cache entry
    other = PretrainDataArguments(objective=objective, demo_size=300, input_length=64, max_length=32,
                                  data_cache_dir=str(tmp_path))
    assert pretraining.cache_key(other, demo_tokenizer, seed=42) != pretraining.cache_key(args, demo_tokenizer, seed=42)


def test_demo_cache_key_follows_the_describer(demo_tokenizer, monkeypatch):
    """Editing the rule-based describer changes the demo's text: its tokenized pairs must not be reused."""
    from ada_t5.data import demo

    args = PretrainDataArguments(demo_size=300)
    before = pretraining.cache_key(args, demo_tokenizer, seed=42)
    assert pretraining.cache_key(args, demo_tokenizer, seed=42) == before
    real_digest = demo._package_digest
    monkeypatch.setattr(demo, "_package_digest", lambda folder: "edited-" + real_digest(folder))
    assert pretraining.cache_key(args, demo_tokenizer, seed=42) != before


def test_translation_rows_collate_from_the_cached_arrow(demo_tokenizer, tmp_path):
    args = PretrainDataArguments(demo_size=64, data_cache_dir=str(tmp_path))
    train, _ = load_or_build_datasets(args, demo_tokenizer, seed=42)
    batch = build_collator(args, demo_tokenizer, seed=42)([train[i] for i in range(8)])
    decoded = demo_tokenizer.batch_decode(batch["input_ids"][:2], skip_special_tokens=True)
    assert decoded[0] == demo_tokenizer.decode(train[0]["smiles_ids"], skip_special_tokens=True)
    assert decoded[1] == demo_tokenizer.decode(train[1]["description_ids"], skip_special_tokens=True)


def test_argument_validation():
    with pytest.raises(ValueError, match="objective"):
        PretrainDataArguments(objective="mlm")
    with pytest.raises(ValueError, match="span_corruption_columns"):
        PretrainDataArguments(span_corruption_columns="formula")
    with pytest.raises(ValueError, match="between 0 and 1"):
        PretrainDataArguments(span_corruption_ratio=1.5)


def test_pretraining_defaults_are_the_papers(tmp_path):
    model, data, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path)])
    assert (train.max_steps, train.learning_rate, train.per_device_train_batch_size) == (100_000, 1e-3, 128)
    assert (train.warmup_steps, train.weight_decay, train.seed) == (0.01, 0.1, 42)
    assert train.get_warmup_steps(100_000) == 1000  # the paper's 1,000 warm-up steps
    assert data.objective == "translation" and data.max_length == 512
    assert not train.predict_with_generate and not train.load_best_model_at_end


@pytest.mark.parametrize("config", PRETRAIN_CONFIGS, ids=lambda p: p.name)
def test_every_shipped_pretrain_config_parses(config, tmp_path):
    model, data, train = parse_config(ARGUMENT_TYPES, [str(config), "--output_dir", str(tmp_path)])
    assert bool(model.model_name_or_path) != bool(model.model_shape)
    for line in config.read_text().splitlines():  # every value a config sets carries a comment saying why
        if line and not line.startswith((" ", "#")) and ":" in line:
            assert "#" in line, f"{config.name}: {line.split(':')[0]} has no reason given"
    if config.stem.startswith("ada-t5"):  # the paper's recipe
        size = config.stem.split("-")[-1]
        assert model.model_name_or_path == f"google/t5-v1_1-{size}" and data.dataset == "SCIR-HI/PseudoMD-1M"
        assert (train.max_steps, train.learning_rate, train.warmup_steps, train.weight_decay, train.seed) == \
               (100_000, 1e-3, 1000, 0.1, 42)
        assert train.per_device_train_batch_size * train.gradient_accumulation_steps == 128
        assert data.objective == "translation"


@pytest.mark.parametrize("name", ["zero2", "zero3"])
def test_deepspeed_configs_leave_shared_values_to_the_trainer(name):
    config = json.loads((REPO / "configs" / "deepspeed" / f"{name}.json").read_text())
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps",
                "gradient_clipping"):
        assert config[key] == "auto", key
    assert config["bf16"]["enabled"] == "auto"
    # no optimizer: the Trainer's AdamW (biases and layer norms without weight decay) is the one DeepSpeed
    # shards; an "optimizer" section makes DeepSpeed build its own over one group, decaying the layer norms too
    # (the groups really used: tests/commands/test_pretrain.py::test_deepspeed_zero2_trains_as_one_process)
    assert "optimizer" not in config
    assert "scheduler" not in config  # the Trainer's linear schedule (WarmupDecayLR would warm up logarithmically)
    assert config["zero_optimization"]["stage"] == int(name[-1])
    if name == "zero3":
        assert config["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True


def test_accelerate_configs_leave_precision_to_the_trainer():
    import yaml

    configs = sorted((REPO / "configs" / "accelerate").glob("*.yaml"))
    assert {p.stem for p in configs} >= {"single_gpu", "multi_gpu", "deepspeed_zero2", "deepspeed_zero3",
                                          "multi_node"}
    for path in configs:
        config = yaml.safe_load(path.read_text())
        assert config.get("mixed_precision", "no") == "no", path.name
