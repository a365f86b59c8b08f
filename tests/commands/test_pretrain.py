"""End to end: pre-training runs of a tiny T5 on the embedded demo pairs; crash and resume; 2 processes (DDP and
DeepSpeed ZeRO-2) train as one; fine-tuning starts from a pre-training output folder; the same for a stream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
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
def one_batch_of_8(tmp_path_factory):
    """One process, one batch of the 8 rows a step: the run a data-parallel job of 2 x 4 rows stands in for."""
    output_dir = tmp_path_factory.mktemp("one") / "run"
    _run(output_dir, *SAME_JOB, "--per_device_train_batch_size", "8")
    return output_dir


@pytest.fixture(scope="module")
def accumulated_2x4(tmp_path_factory):
    """One process, the same 8 rows a step in two accumulated halves of 4: exactly what 2 ranks x 4 rows compute.

    A data-parallel rank's loss is the mean over its own tokens, and DDP averages the ranks' gradients; gradient
    accumulation averages the halves' means the same way. One batch of 8 instead takes the mean over all tokens
    (the halves hold different numbers of tokens), so its weights differ from the job's by more than rounding.
    """
    from commands.distributed_pretrain import RecordStart

    output_dir = tmp_path_factory.mktemp("accumulated") / "run"
    _run(output_dir, *SAME_JOB, "--per_device_train_batch_size", "4", "--gradient_accumulation_steps", "2",
         callbacks=[RecordStart()])
    return output_dir


def _two_processes(output_dir: Path, *extra: str, env=None):
    command = [*TORCHRUN, str(REPO / "tests" / "commands" / "distributed_pretrain.py"), DEMO, *SAME_JOB,
               "--per_device_train_batch_size", "4", "--use_cpu", "true", "--output_dir", str(output_dir), *extra]
    # the limit is a safety net: DeepSpeed compiles its CPU ops on first use, and a busy 2-core machine is slow
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ada-t5 pre-training finished") == 1  # one summary, from the main process
    return output_dir


def weight_gap(run: Path, reference: Path) -> float:
    """Largest weight difference between two runs' final models, as a fraction of the largest change training
    made to the reference's weights (from the same initial weights)."""
    initial = load_file(reference / "initial.safetensors")
    expected = load_file(reference / "model.safetensors")
    got = load_file(run / "model.safetensors")
    assert got.keys() >= expected.keys()  # DeepSpeed also writes the tied embedding's copies (encoder/decoder)
    assert all(torch.equal(initial[name], start) for name, start in load_file(run / "initial.safetensors").items()
               if name in initial)  # the same start: differences below come from training alone
    change = max((expected[name] - initial[name]).abs().max().item() for name in expected)
    assert change > 1e-4  # trained, not a comparison of two untouched models
    return max((got[name] - expected[name]).abs().max().item() for name in expected) / change


def float32_gap(run: Path, reference: Path) -> float:
    """Largest weight difference between two runs, per tensor in units of float32's resolution at that tensor's
    scale (eps x its largest weight): about 1 means the runs differ only in the last bits."""
    expected = load_file(reference / "model.safetensors")
    got = load_file(run / "model.safetensors")
    eps = torch.finfo(torch.float32).eps
    return max(((got[name] - t).abs().max() / (eps * t.abs().max())).item() for name, t in expected.items())


def test_two_processes_train_as_one_data_parallel_job(tmp_path, accumulated_2x4, one_batch_of_8):
    """3 AdamW steps of 2 ranks x 4 rows end on the weights of one process running the same 8 rows a step."""
    run = _two_processes(tmp_path / "ddp")
    # usually bit-identical; a fresh clone's CI run once differed by 6e-5 of the change (the last bit of a weight:
    # averaging two ranks' gradients and accumulating two halves may round differently). The negative control
    # without the all-reduce is 1.5 x the change apart, so a float32-rounding bound still catches a missing sync.
    gap, bits = weight_gap(run, accumulated_2x4), float32_gap(run, accumulated_2x4)
    print(f"ddp vs one process (2 x 4 accumulated): max weight difference {gap:.2e} of the change, {bits:.1f} eps")
    assert bits < 4 and gap < 1e-3
    # the logged loss is the ranks' mean, as accumulation's; a mis-scaled loss (e.g. Trainer handing T5 a token
    # count it ignores, see modeling.build_model) would double both, but not one batch of 8's
    assert _losses(run) == pytest.approx(_losses(accumulated_2x4), rel=1e-6)
    assert _losses(run) == pytest.approx(_losses(one_batch_of_8), rel=2e-2)


def test_weight_check_fails_without_gradient_all_reduce(tmp_path, accumulated_2x4):
    """The negative control: each rank steps on its own 4 rows (DDP's all-reduce skipped), and the check above
    sees it at once."""
    run = _two_processes(tmp_path / "no_sync", env={"ADA_T5_TEST_NO_SYNC": "1"})
    gap = weight_gap(run, accumulated_2x4)
    print(f"ddp without all-reduce vs one process: max weight difference {gap:.2e} of the change")
    assert gap > 1e-2


def test_deepspeed_zero2_trains_as_one_process(tmp_path, accumulated_2x4):
    """ZeRO-2 (gradients reduced and optimizer state sharded by DeepSpeed) ends on the same weights, with the
    Trainer's AdamW and its parameter groups: no weight decay on layer norms, as without DeepSpeed."""
    pytest.importorskip("deepspeed")
    # DeepSpeed's CPU accelerator (gloo, its own compiled ops: ~1-2 min the first time, cached after)
    run = _two_processes(tmp_path / "zero2", "--deepspeed", str(REPO / "configs" / "deepspeed" / "zero2.json"),
                         env={"DS_ACCELERATOR": "cpu"})
    groups = json.loads((run / "optimizer_groups.json").read_text())
    assert groups == json.loads((accumulated_2x4 / "optimizer_groups.json").read_text())
    # the Trainer's rule: no decay for layer norms and for anything named *bias (T5's relative_attention_bias)
    assert {name for name, decay in groups.items() if decay == 0} == {
        name for name in groups if "layer_norm" in name or "bias" in name}
    assert {decay for decay in groups.values()} == {0.0, 0.1}
    # DeepSpeed steps a flat fp32 copy of the weights with gradients averaged in its own order (pre-divided by
    # the world size, reduced in buckets), so the last bit of a weight may differ: seen 1.8 eps at each tensor's
    # scale (6e-5 of the change), against 1.5 x the change when the ranks' gradients are not all-reduced
    gap, bits = weight_gap(run, accumulated_2x4), float32_gap(run, accumulated_2x4)
    print(f"zero2 vs one process (2 x 4 accumulated): max weight difference {gap:.2e} of the change, "
          f"{bits:.1f} eps at the tensor's scale")
    assert bits < 4 and gap < 1e-3
    assert _losses(run) == pytest.approx(_losses(accumulated_2x4), rel=1e-6)


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
