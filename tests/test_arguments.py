"""Training arguments: the paper's defaults, every shipped YAML, overrides, best-metric direction."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ada_t5.commands.finetune import ARGUMENT_TYPES
from ada_t5.config import ConfigError, parse_config
from ada_t5.arguments import DataArguments, FinetuneTrainingArguments, ModelArguments
from ada_t5.trainer import best_metric_settings

REPO = Path(__file__).resolve().parents[1]
FINETUNE_CONFIGS = sorted((REPO / "configs" / "finetune").glob("*.yaml"))


def test_short_runs_are_not_all_warm_up(tmp_path):
    # a 1,100-step CPU run used to spend 1,000 steps warming up (the paper's absolute default)
    *_, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path),
                                              "--max_steps", "1100"])
    assert train.get_warmup_steps(train.max_steps) == 22
    *_, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path),
                                              "--warmup_steps", "40"])
    assert train.get_warmup_steps(1100) == 40  # an explicit step count stays a step count


def test_defaults_are_the_papers(tmp_path):
    model, data, evals, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir",
                                                              str(tmp_path)])
    assert (train.max_steps, train.learning_rate, train.per_device_train_batch_size) == (50_000, 1e-3, 32)
    assert (train.warmup_steps, train.weight_decay, train.seed) == (0.02, 0.1, 42)
    assert train.get_warmup_steps(50_000) == 1000  # the paper's 1,000 warm-up steps at its length
    assert train.lr_scheduler_type.value == "linear"
    assert FinetuneTrainingArguments.__dataclass_fields__["bf16"].default is True
    assert train.bf16 is torch.cuda.is_bf16_supported()  # falls back to fp32 without a bf16 GPU
    assert train.generation_num_beams == 1 and train.generation_max_new_tokens == 512
    assert (data.max_source_length, data.max_target_length, data.task_prefix) == (512, 512, "")
    assert train.load_best_model_at_end and train.predict_with_generate
    # the fast path
    assert train.train_sampling_strategy == "group_by_length"
    assert "fused" in train.optim.value
    assert train.logging_nan_inf_filter is False and train.remove_unused_columns is False
    assert train.report_to == ["tensorboard"]
    assert evals.do_test


@pytest.mark.parametrize("config", FINETUNE_CONFIGS, ids=lambda p: p.name)
def test_every_shipped_finetune_config_parses(config, tmp_path):
    model, data, evals, train = parse_config(ARGUMENT_TYPES, [str(config), "--output_dir", str(tmp_path)])
    assert data.task in ("mol2text", "text2mol")
    assert bool(model.model_name_or_path) != bool(model.model_shape)
    # every value a config sets carries a comment saying why
    for line in config.read_text().splitlines():
        if line and not line.startswith((" ", "#")) and ":" in line:
            key = line.split(":")[0]
            assert "#" in line or _commented_above(config, line), f"{config.name}: {key} has no reason given"


def _commented_above(config: Path, line: str) -> bool:
    lines = config.read_text().splitlines()
    index = lines.index(line)
    return index > 0 and lines[index - 1].startswith("#")


def test_cli_overrides_the_yaml(tmp_path):
    demo = REPO / "configs" / "finetune" / "demo.yaml"
    _, data, _, train = parse_config(ARGUMENT_TYPES, [str(demo), "--max_steps", "7", "--task", "cap2smiles",
                                                      "--output_dir", str(tmp_path)])
    assert train.max_steps == 7 and data.task == "text2mol"


def test_a_misspelt_yaml_key_is_an_error(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("model_shape: tiny\nlearning_rte: 1e-3\n")
    with pytest.raises(ConfigError, match="learning_rte"):
        parse_config(ARGUMENT_TYPES, [str(config)])


def test_argument_validation():
    with pytest.raises(ValueError, match="exactly one"):
        ModelArguments()
    with pytest.raises(ValueError, match="unknown --model_shape"):
        ModelArguments(model_shape="huge")
    with pytest.raises(ValueError, match="keep"):
        DataArguments(smiles_backslashes="double")
    with pytest.raises(ValueError, match="mol2text or text2mol"):
        DataArguments(task="translate")


def _training_args(tmp_path, **kwargs):
    _, _, _, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path),
                                                   "--bf16", "false",
                                                   *[x for k, v in kwargs.items() for x in (f"--{k}", str(v))]])
    return train


@pytest.mark.parametrize(("metric", "greater"), [(None, True), ("levenshtein", False), ("eval_fcd", False),
                                                 ("exact", True), ("loss", False)])
def test_best_metric_direction(tmp_path, metric, greater):
    args = _training_args(tmp_path, **({"metric_for_best_model": metric} if metric else {}))
    best_metric_settings(args, "text2mol")
    assert args.metric_for_best_model == (metric or "bleu")
    assert args.greater_is_better is greater
