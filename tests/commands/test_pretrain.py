"""End to end: pre-training runs of a tiny T5 on the embedded demo pairs; crash and resume; 2 processes (DDP and
DeepSpeed ZeRO-2) train as one; fine-tuning starts from a pre-training output folder; the same for a stream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file
from transformers import TrainerCallback

from ada_t5.commands import finetune, pretrain
from ada_t5.config import parse_config

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "configs" / "pretrain" / "demo.yaml")
SHORT = ["--demo_size", "400", "--max_eval_samples", "16", "--warmup_steps", "2", "--logging_steps", "1",
         "--disable_tqdm", "true", "--report_to", "none", "--eval_strategy", "no"]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
# the same global batch (8 rows) and data order in every layout: one process x 8, or two processes x 4
SAME_JOB = [*SHORT, "--max_steps", "3", "--save_strategy", "no", "--dropout_rate", "0",
            "--train_sampling_strategy", "random"]


def _run(output_dir: Path, *extra: str, callbacks=None):
    model_args, data_args, training_args = parse_config(pretrain.ARGUMENT_TYPES,
                                                        [DEMO, *SHORT, "--output_dir", str(output_dir), *extra])
    return pretrain.run_pretrain(model_args, data_args, training_args, callbacks=callbacks)


def _losses(output_dir: Path) -> list[float]:
    state = json.loads((output_dir / "trainer_state.json").read_text())
    return [entry["loss"] for entry in state["log_history"] if "loss" in entry]


def test_a_pretraining_output_is_what_finetuning_starts_from(tmp_path, capsys):
    pretrained = tmp_path / "pretrain-demo"
    result = _run(pretrained, "--max_steps", "8", "--save_steps", "4")
    for name in ("config.json", "model.safetensors", "tokenizer.json", "train_results.json"):
        assert (pretrained / name).is_file(), name
    assert sorted(p.name for p in pretrained.glob("checkpoint-*")) == ["checkpoint-4", "checkpoint-8"]
    assert result.train_metrics["train_samples_per_second"] > 0
    assert f'make finetune ARGS="--model_name_or_path {pretrained}"' in capsys.readouterr().out

    # `make finetune ARGS="--model_name_or_path runs/pretrain-demo"`: the demo YAML names a fresh shape too;
    # the checkpoint given on top wins, and its tokenizer comes with it
    finetuned = tmp_path / "finetune"
    args = parse_config(finetune.ARGUMENT_TYPES, [
        str(REPO / "configs" / "finetune" / "demo.yaml"), "--model_name_or_path", str(pretrained),
        "--max_steps", "2", "--eval_strategy", "no", "--save_strategy", "no", "--load_best_model_at_end", "false",
        "--do_test", "false", "--max_train_samples", "64", "--disable_tqdm", "true", "--report_to", "none",
        "--output_dir", str(finetuned)])
    assert args[0].model_shape is None
    finetune.run_finetune(*args)
    start = load_file(pretrained / "model.safetensors")
    after = load_file(finetuned / "model.safetensors")
    assert start.keys() == after.keys() and start["shared.weight"].shape == after["shared.weight"].shape
    assert json.loads((finetuned / "tokenizer.json").read_text())["model"] == \
        json.loads((pretrained / "tokenizer.json").read_text())["model"]


class _Crash(TrainerCallback):
    """Kills the run abruptly after ``step`` optimizer steps, between two checkpoints."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise KeyboardInterrupt(f"killed at step {state.global_step}")


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    """Mixture objective (random span masks, both directions, dropout on): crash at step 9, resume from
    checkpoint-6, and end with the uninterrupted run's weights and losses."""
    common = ["--objective", "mixture", "--input_length", "64", "--max_steps", "12", "--save_steps", "6",
              "--per_device_train_batch_size", "8"]
    uninterrupted = tmp_path / "uninterrupted"
    _run(uninterrupted, *common)
    crashed = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        _run(crashed, *common, callbacks=[_Crash(9)])
    assert sorted(p.name for p in crashed.glob("checkpoint-*")) == ["checkpoint-6"]
    _run(crashed, *common, "--resume_from_checkpoint", "latest")
    assert _losses(crashed) == pytest.approx(_losses(uninterrupted), abs=1e-5)
    expected = load_file(uninterrupted / "model.safetensors")
    resumed = load_file(crashed / "model.safetensors")
    for name, tensor in expected.items():
        assert (tensor - resumed[name]).abs().max().item() < 1e-5, name


@pytest.fixture(scope="module")
def one_process_losses(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("one") / "run"
    _run(output_dir, *SAME_JOB, "--per_device_train_batch_size", "8")
    return _losses(output_dir)


def _two_processes(output_dir: Path, *extra: str, env=None):
    command = [*TORCHRUN, str(REPO / "scripts" / "pretrain.py"), DEMO, *SAME_JOB, "--per_device_train_batch_size",
               "4", "--use_cpu", "true", "--output_dir", str(output_dir), *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ada-t5 pre-training finished") == 1  # one summary, from the main process
    return _losses(output_dir)


def test_two_processes_train_as_one_data_parallel_job(tmp_path, one_process_losses):
    losses = _two_processes(tmp_path / "ddp")
    assert len(losses) == len(one_process_losses) == 3
    # the same rows per step; only the mean over tokens differs (per-rank means, averaged)
    assert losses == pytest.approx(one_process_losses, rel=2e-2)


def test_deepspeed_zero2_trains_as_one_process(tmp_path, one_process_losses):
    pytest.importorskip("deepspeed")
    # DeepSpeed's CPU accelerator (gloo, its own compiled ops: ~1-2 min the first time, cached after)
    losses = _two_processes(tmp_path / "zero2", "--deepspeed", str(REPO / "configs" / "deepspeed" / "zero2.json"),
                            env={"DS_ACCELERATOR": "cpu"})
    assert len(losses) == 3
    assert losses == pytest.approx(one_process_losses, rel=2e-2)


def test_pseudo_data_pretrains_unchanged(tmp_path, capsys):
    """Issue 5's hand-off: `ada-t5 pseudo` output is a pair file the `translation` objective takes as is."""
    from rdkit import RDConfig

    from ada_t5 import cli

    molecules = tmp_path / "molecules.smi"  # the first 300 of RDKit's shipped molecules, `SMILES\tNCI id`
    shipped = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
    molecules.write_text("".join(shipped.read_text().splitlines(keepends=True)[:300]))
    pseudo = tmp_path / "pseudo.jsonl"
    assert cli.main(["pseudo", "--backend", "rule", "--input", str(molecules), "--k", "0", "--output", str(pseudo),
                     "--no_progress"]) == 0
    described = [json.loads(line) for line in pseudo.read_text().splitlines()]
    assert len(described) > 250 and all(row["description"] for row in described)

    # published as the paper published PseudoMD-1M (a Hub dataset: card + parquet), it loads and trains the same
    staged = tmp_path / "hub"
    assert cli.main(["pseudo", "push", str(pseudo), "--repo_id", "me/pseudo", "--dry_run", "--dry_run_dir",
                     str(staged)]) == 0
    parquet = staged / "data" / "train-00000-of-00001.parquet"
    from ada_t5 import data

    as_jsonl, as_parquet = data.load_pairs(pseudo), data.load_pairs(parquet)
    assert as_parquet["smiles"] == as_jsonl["smiles"] and as_parquet["description"] == as_jsonl["description"]

    output_dir = tmp_path / "pretrain"
    result = _run(output_dir, "--dataset", str(parquet), "--max_steps", "3", "--save_strategy", "no",
                  "--data_cache_dir", str(tmp_path / "cache"))
    assert result.train_rows == len(described)
    assert (output_dir / "model.safetensors").is_file()
    assert f"translation on {parquet}" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ streaming
@pytest.fixture(scope="module")
def pair_stream(tmp_path_factory) -> Path:
    """The train pairs of a 400-molecule demo as a JSON Lines file, the way a large corpus would be streamed."""
    from ada_t5 import data

    train = data.load_demo_splits(n=400, seed=42)["train"]
    path = tmp_path_factory.mktemp("stream") / "pairs.jsonl"
    path.write_text("".join(json.dumps({"smiles": s, "description": d}) + "\n"
                            for s, d in zip(train["smiles"], train["description"])))
    return path


def test_a_killed_streaming_run_resumes_to_the_uninterrupted_result(tmp_path, pair_stream):
    """A streamed mixture (shuffle buffer, random span masks, both directions, dropout on) of 8 pairs a pass
    (with their packed span-corruption rows, about 30 rows), so 12 steps of 8 rows make about 3 passes, each
    shuffled anew. Crash at step 9; the resume from checkpoint-6 skips 48 rows from the stream's start, past
    the end of the first pass, and must end with the uninterrupted run's losses and weights. The tokenizer
    is trained on the head of the stream."""
    from ada_t5.pretrain.stream import build_streaming_datasets
    from ada_t5.tokenization import load_tokenizer

    common = ["--dataset", str(pair_stream), "--streaming", "true", "--max_train_samples", "8",
              "--shuffle_buffer_size", "16", "--objective", "mixture", "--input_length", "64", "--max_steps", "12",
              "--save_steps", "6", "--per_device_train_batch_size", "8"]
    uninterrupted = tmp_path / "uninterrupted"
    result = _run(uninterrupted, *common)
    assert result.train_rows is None  # a stream's length is not known
    crashed = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        _run(crashed, *common, callbacks=[_Crash(9)])
    assert sorted(p.name for p in crashed.glob("checkpoint-*")) == ["checkpoint-6"]
    _run(crashed, *common, "--resume_from_checkpoint", "latest")
    assert len(_losses(crashed)) == 12
    assert _losses(crashed) == pytest.approx(_losses(uninterrupted), abs=1e-5)
    expected = load_file(uninterrupted / "model.safetensors")
    resumed = load_file(crashed / "model.safetensors")
    for name, tensor in expected.items():
        assert (tensor - resumed[name]).abs().max().item() < 1e-5, name

    data_args = parse_config(pretrain.ARGUMENT_TYPES, [DEMO, *SHORT, *common, "--output_dir", str(tmp_path)])[1]
    train, _ = build_streaming_datasets(data_args, load_tokenizer(str(uninterrupted)), seed=42)
    train.stream.set_epoch(0)
    assert len(list(train.stream)) < 6 * 8  # the resume skip did cross into the second pass


_RECORDING_DRIVER = """
import json, os, sys

from ada_t5.pretrain import objectives
from ada_t5.commands import pretrain

real = objectives.build_collator


def recording(*args, **kwargs):  # what each rank trains on, batch by batch
    collate = real(*args, **kwargs)
    out = os.path.join(os.environ["ROWS_DIR"], "rows-" + os.environ.get("RANK", "0") + ".jsonl")

    def record(features):
        with open(out, "a") as handle:
            handle.write(json.dumps([[int(t) for t in f["smiles_ids"]] for f in features]) + "\\n")
        return collate(features)

    return record


objectives.build_collator = recording
sys.exit(pretrain.main(sys.argv[1:]))
"""


def _recorded(path: Path) -> list[list[list[int]]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_two_processes_stream_distinct_rows_as_one_process_would(tmp_path, pair_stream, demo_tokenizer_dir,
                                                                monkeypatch):
    """Translation streamed by 2 processes x 4 rows (torchrun, DDP on CPU) and by 1 process x 8: per step, the
    ranks' rows are disjoint and together are exactly the one process's batch; the losses agree. The default
    length-grouped sampling strategy is left on: it does not apply to a stream and must not break it."""
    from ada_t5.pretrain import objectives

    job = ["--max_steps", "3", "--save_strategy", "no", "--dropout_rate", "0", "--dataset", str(pair_stream),
           "--streaming", "true", "--shuffle_buffer_size", "32", "--tokenizer_name_or_path", str(demo_tokenizer_dir)]
    driver = tmp_path / "driver.py"
    driver.write_text(_RECORDING_DRIVER)
    done = subprocess.run([*TORCHRUN, str(driver), DEMO, *SHORT, *job, "--per_device_train_batch_size", "4",
                           "--use_cpu", "true", "--output_dir", str(tmp_path / "two")], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1", "ROWS_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]

    one, real = [], objectives.build_collator  # the same recording, in this process

    def recording(*args, **kwargs):
        collate = real(*args, **kwargs)

        def record(features):
            one.append([[int(t) for t in f["smiles_ids"]] for f in features])
            return collate(features)

        return record

    monkeypatch.setattr(objectives, "build_collator", recording)
    _run(tmp_path / "one", *job, "--per_device_train_batch_size", "8")

    rank0, rank1 = _recorded(tmp_path / "rows-0.jsonl"), _recorded(tmp_path / "rows-1.jsonl")
    # the data loader fetches one batch ahead: a 4th batch may be recorded, never trained on
    assert len(one) >= 3 and len(rank0) >= 3 and len(rank1) >= 3
    for step in range(3):
        assert len(rank0[step]) == len(rank1[step]) == 4
        assert not {tuple(r) for r in rank0[step]} & {tuple(r) for r in rank1[step]}
        assert rank0[step] + rank1[step] == one[step]
    assert _losses(tmp_path / "two") == pytest.approx(_losses(tmp_path / "one"), rel=2e-2)
