"""End to end: real fine-tuning runs of a tiny T5 on the embedded demo data, resumed, tested and summarised."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from safetensors.torch import load_file

from ada_t5.commands import finetune
from ada_t5.commands import test as test_command
from ada_t5.config import parse_config
from ada_t5.errors import ArgumentError

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "configs" / "finetune" / "demo.yaml")
# The demo config with a tiny model and a 40-step schedule: checkpoints and validations every 20 steps.
SHORT = ["--model_shape", "tiny", "--max_steps", "40", "--warmup_steps", "5", "--eval_steps", "20",
         "--save_steps", "20", "--logging_steps", "10", "--max_train_samples", "640", "--max_eval_samples", "16",
         "--max_test_samples", "16", "--per_device_eval_batch_size", "16", "--generation_max_new_tokens", "48",
         "--disable_tqdm", "true", "--text_tokenizer", "simple", "--meteor", "false"]


def _run(output_dir: Path, *extra: str):
    model_args, data_args, eval_args, training_args = parse_config(
        finetune.ARGUMENT_TYPES, [DEMO, *SHORT, "--output_dir", str(output_dir), *extra])
    return finetune.run_finetune(model_args, data_args, eval_args, training_args)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("finetune") / "run"
    result = _run(output_dir)
    return output_dir, result


def test_a_run_leaves_model_tokenizer_checkpoints_logs_and_test_scores(finished_run, capsys):
    output_dir, result = finished_run
    for name in ("config.json", "model.safetensors", "tokenizer.json", "train_results.json",
                 "test_predictions.tsv", "test_metrics.json"):
        assert (output_dir / name).is_file(), name
    assert sorted(p.name for p in output_dir.glob("checkpoint-*")) == ["checkpoint-20", "checkpoint-40"]
    assert list((output_dir / "runs").rglob("events.out.tfevents.*")), "no TensorBoard log"
    state = json.loads((output_dir / "checkpoint-40" / "trainer_state.json").read_text())
    evals = [entry for entry in state["log_history"] if "eval_bleu4" in entry]
    assert [entry["step"] for entry in evals] == [20, 40]
    assert state["best_model_checkpoint"].endswith(result.best_checkpoint.split("/")[-1])
    best = max(evals, key=lambda e: e["eval_bleu4"])  # the kept model is the best by validation BLEU-4
    assert result.best_metric == pytest.approx(best["eval_bleu4"])
    metrics = json.loads((output_dir / "test_metrics.json").read_text())
    assert metrics["num_examples"] == 16 and metrics["task"] == "mol2text"
    assert {"bleu2", "bleu4", "rouge1", "rouge2", "rougeL"} <= set(metrics)
    facts = metrics["ada_t5_fact_check"]  # ada-t5's own check, beside (not among) MolT5's metrics
    assert facts["captions"] == 16 and facts["precision"] == result.test.fact_check["precision"]


def test_the_summary_says_where_everything_is(finished_run):
    output_dir, result = finished_run
    from ada_t5.arguments import FinetuneTrainingArguments

    args = FinetuneTrainingArguments(output_dir=str(output_dir), max_steps=40, bf16=False,
                                     metric_for_best_model="bleu4")
    summary = finetune.format_summary(result, "mol2text", args, 60.0)
    assert str(output_dir / "test_predictions.tsv") in summary
    assert str(output_dir / "test_metrics.json") in summary
    assert result.best_checkpoint in summary and "tensorboard --logdir" in summary
    assert summary.count("example ") == 5 and "generated" in summary
    assert "fact check (ada-t5, not a MolT5 metric): fact" in summary
    assert summary.count("\n  facts       ") == 5  # each example's own fact check under it


# Runs scripts/finetune.py's main in a child process that SIGKILLs itself once step KILL_AT_STEP is done.
KILLED_AT_STEP = """
import os, signal, sys
import transformers
from ada_t5.commands import finetune
from ada_t5.errors import run_command

class Kill(transformers.TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == int(os.environ["KILL_AT_STEP"]):
            os.kill(os.getpid(), signal.SIGKILL)

init = transformers.Seq2SeqTrainer.__init__
def with_kill(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self.add_callback(Kill())
transformers.Seq2SeqTrainer.__init__ = with_kill
sys.exit(run_command(finetune.main, sys.argv[1:]))
"""


def test_a_run_killed_mid_way_resumes_to_the_uninterrupted_result(finished_run, tmp_path):
    """SIGKILL at step 30 of 40 (checkpoint-20 saved), plus a half-written checkpoint-30 as a kill during a
    save leaves it: `latest` skips the torn one and the resumed run ends where the uninterrupted one ended."""
    import os
    import signal
    import subprocess
    import sys

    output_dir, _ = finished_run
    killed_dir = tmp_path / "killed"
    done = subprocess.run([sys.executable, "-c", KILLED_AT_STEP, DEMO, *SHORT, "--output_dir", str(killed_dir)],
                          capture_output=True, text=True, timeout=600, cwd=REPO,
                          env={**os.environ, "KILL_AT_STEP": "30", "PYTHONPATH": str(REPO)})
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    assert sorted(p.name for p in killed_dir.glob("checkpoint-*")) == ["checkpoint-20"]
    torn = killed_dir / "checkpoint-30"
    torn.mkdir()
    shutil.copy(killed_dir / "checkpoint-20" / "model.safetensors", torn / "model.safetensors")

    result = _run(killed_dir, "--resume_from_checkpoint", "latest", "--do_test", "false")
    state = json.loads((killed_dir / "checkpoint-40" / "trainer_state.json").read_text())
    assert state["global_step"] == 40
    assert [e["step"] for e in state["log_history"] if "loss" in e] == [10, 20, 30, 40]
    uninterrupted = load_file(output_dir / "checkpoint-40" / "model.safetensors")
    resumed = load_file(killed_dir / "checkpoint-40" / "model.safetensors")
    assert uninterrupted.keys() == resumed.keys()
    for name, tensor in uninterrupted.items():
        assert (tensor - resumed[name]).abs().max().item() < 1e-5, name
    assert result.test is None


def test_an_existing_run_is_not_overwritten(finished_run):
    output_dir, _ = finished_run
    with pytest.raises(ArgumentError, match="resume_from_checkpoint latest"):
        _run(output_dir, "--overwrite_output_dir", "false")


@pytest.mark.parametrize("task", ["mol2text", "text2mol"])
def test_test_script_writes_molt5_prediction_files(finished_run, tmp_path, task, capsys):
    from ada_t5 import data
    from ada_t5.metrics import read_predictions

    output_dir, _ = finished_run
    predictions_dir = tmp_path / "predictions"
    # the run's own YAML gives the data settings; its training settings are ignored
    test_command.main([DEMO, "--checkpoint", str(output_dir), "--task", task, "--max_test_samples", "6",
                       "--max_new_tokens", "24", "--predictions_dir", str(predictions_dir),
                       "--text_tokenizer", "simple", "--meteor", "false"])
    tsv = predictions_dir / "test_predictions.tsv"
    header = tsv.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("SMILES\tground truth\toutput" if task == "mol2text" else "description\tground truth\toutput")
    predictions = read_predictions(tsv)
    test_rows = data.load_demo_splits(seed=42)["test"].select(range(6))
    source, target = ("smiles", "description") if task == "mol2text" else ("description", "smiles")
    assert predictions.task == task
    assert predictions.inputs == test_rows[source] and predictions.references == test_rows[target]
    assert len(predictions.outputs) == 6
    metrics = json.loads((predictions_dir / "test_metrics.json").read_text())
    assert metrics["num_examples"] == 6
    expected = {"bleu4", "rougeL"} if task == "mol2text" else {"exact", "levenshtein", "validity"}
    assert expected <= set(metrics)
    printed = capsys.readouterr().out
    assert str(tsv) in printed and "bleu" in printed.lower()


def test_the_demo_really_learns(tmp_path):
    """`make finetune`'s job, shortened (tiny model, 300 steps): test scores far above an untrained model's."""
    from ada_t5 import data
    from ada_t5.decoding import GenerationSettings
    from ada_t5.modeling import build_model
    from ada_t5.scoring import score_split
    from ada_t5.tokenization import load_tokenizer

    output_dir = tmp_path / "demo"
    args = ["--model_shape", "tiny", "--max_steps", "300", "--warmup_steps", "20", "--eval_strategy", "no",
            "--save_strategy", "no", "--load_best_model_at_end", "false", "--max_test_samples", "64",
            "--generation_max_new_tokens", "128", "--disable_tqdm", "true", "--report_to", "none",
            "--text_tokenizer", "simple", "--meteor", "false", "--output_dir", str(output_dir)]
    trained = finetune.run_finetune(*parse_config(finetune.ARGUMENT_TYPES, [DEMO, *args])).test.metrics

    tokenizer = load_tokenizer(str(output_dir))
    untrained_model = build_model(tokenizer, model_shape="tiny", seed=42)
    test_rows = data.load_demo_splits(seed=42)["test"].select(range(64))
    untrained = score_split(untrained_model, tokenizer, test_rows, "mol2text", progress=False,
                            settings=GenerationSettings(max_new_tokens=128, batch_size=64),
                            metric_kwargs=dict(text_tokenizer="simple", meteor=False)).metrics
    # seen: trained BLEU-4 0.08 / ROUGE-L 0.24 against 0.001 / 0.007 untrained
    assert trained["bleu4"] > 0.04 and trained["bleu4"] > 20 * untrained["bleu4"]
    assert trained["rougeL"] > 0.15 and trained["rougeL"] > 10 * untrained["rougeL"]


def test_two_processes_train_as_one_data_parallel_job(tmp_path):
    """The same script under torchrun (2 CPU processes): one job, twice the batch, one set of outputs."""
    import os
    import subprocess
    import sys

    from ada_t5 import data
    from ada_t5.metrics import read_predictions

    output_dir = tmp_path / "ddp"
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command = [*torchrun, str(REPO / "scripts" / "finetune.py"), DEMO, *SHORT, "--max_steps", "20",
               "--eval_steps", "10", "--save_steps", "10", "--use_cpu", "true", "--output_dir", str(output_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ada-t5 fine-tuning finished") == 1  # the summary comes from the main process only
    state = json.loads((output_dir / "checkpoint-20" / "trainer_state.json").read_text())
    # 640 train rows, 20 steps of 32 rows on each of 2 processes = exactly 2 epochs (1 epoch on one process)
    assert state["epoch"] == pytest.approx(2.0)
    predictions = read_predictions(output_dir / "test_predictions.tsv")
    test_rows = data.load_demo_splits(seed=42)["test"].select(range(16))
    assert predictions.inputs == test_rows["smiles"]  # both ranks' shards gathered back in order


def test_real_chebi20_folder_with_an_explicit_train_file(shared_data):
    """The shipped ChEBI-20 config's data: the shared folder has no train.txt, --train_file supplies it."""
    _, data_args, _, _ = parse_config(finetune.ARGUMENT_TYPES, [
        str(REPO / "configs" / "finetune" / "chebi20-mol2text.yaml"), "--dataset", str(shared_data / "chebi20"),
        "--train_file", str(shared_data / "chebi20" / "train_partial.txt"), "--output_dir", "unused"])
    splits = finetune.load_raw_splits(data_args, seed=42)
    assert {name: len(ds) for name, ds in splits.items()} == {"validation": 3301, "test": 3300, "train": 9958}
    assert splits["test"][0]["id"] and "\\\\" in "".join(splits["test"]["smiles"])  # MolT5's doubled backslashes kept


def test_csv_with_named_columns(tmp_path):
    for split in ("train", "validation", "test"):
        (tmp_path / f"{split}.csv").write_text("mol,caption text\nCCO,The molecule is ethanol.\n"
                                              "c1ccccc1,\"The molecule is benzene, an arene.\"\n")
    _, data_args, _, _ = parse_config(finetune.ARGUMENT_TYPES, [
        "--model_shape", "tiny", "--dataset", str(tmp_path), "--smiles_column", "mol",
        "--description_column", "caption text", "--output_dir", "unused"])
    splits = finetune.load_raw_splits(data_args, seed=42)
    assert splits["validation"]["description"] == ["The molecule is ethanol.", "The molecule is benzene, an arene."]
    assert splits["test"]["smiles"] == ["CCO", "c1ccccc1"]


def test_test_script_decoding_options_and_candidates_file(finished_run, tmp_path, capsys):
    output_dir, _ = finished_run
    common = [DEMO, "--checkpoint", str(output_dir), "--task", "mol2text", "--max_test_samples", "4",
              "--max_new_tokens", "24", "--text_tokenizer", "simple", "--meteor", "false"]
    test_command.main([*common, "--predictions_dir", str(tmp_path / "beams"), "--num_beams", "3",
                       "--num_return_sequences", "3", "--no_repeat_ngram_size", "3"])
    rows = [json.loads(line) for line in (tmp_path / "beams" / "test_candidates.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and all(len(row["candidates"]) == 3 and len(set(row["candidates"])) == 3 for row in rows)
    from ada_t5.metrics import read_predictions

    scored = read_predictions(tmp_path / "beams" / "test_predictions.tsv").outputs
    assert scored == [row["candidates"][0] for row in rows]  # the best candidate is the one scored
    decoding = json.loads((tmp_path / "beams" / "test_metrics.json").read_text())["decoding"]
    assert (decoding["num_beams"], decoding["num_return_sequences"], decoding["no_repeat_ngram_size"]) == (3, 3, 3)
    with pytest.raises(ValueError, match="--num_return_sequences 2 needs --num_beams >= 2"):
        test_command.main([*common, "--num_return_sequences", "2"])


def test_test_script_scores_a_test_file_without_a_train_split(finished_run, tmp_path):
    """Scoring a checkpoint needs only the split it scores: a folder holding test.txt alone is enough."""
    from ada_t5 import data
    from ada_t5.metrics import read_predictions

    output_dir, _ = finished_run
    rows = data.load_demo_splits(seed=42)["test"].select(range(5))
    folder = tmp_path / "only_test"
    folder.mkdir()
    lines = ["CID\tSMILES\tdescription"] + [f"{i}\t{s}\t{d}" for i, (s, d) in
                                            enumerate(zip(rows["smiles"], rows["description"]))]
    (folder / "test.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    test_command.main(["--checkpoint", str(output_dir), "--task", "mol2text", "--dataset", str(folder),
                       "--test_file", str(folder / "test.txt"), "--max_new_tokens", "16",
                       "--predictions_dir", str(tmp_path / "out"), "--text_tokenizer", "simple", "--meteor", "false"])
    assert read_predictions(tmp_path / "out" / "test_predictions.tsv").inputs == list(rows["smiles"])


def test_test_script_ranks_beam_candidates_by_refuted_facts(finished_run, tmp_path):
    """--rank_by_facts N: N beam candidates a molecule; the scored output is the one with the fewest refuted facts."""
    from ada_t5.metrics import read_predictions
    from ada_t5.metrics.facts import check_caption

    output_dir, _ = finished_run
    test_command.main([DEMO, "--checkpoint", str(output_dir), "--task", "mol2text", "--max_test_samples", "8",
                       "--max_new_tokens", "40", "--predictions_dir", str(tmp_path / "ranked"), "--rank_by_facts", "4",
                       "--text_tokenizer", "simple", "--meteor", "false"])
    rows = [json.loads(line) for line in (tmp_path / "ranked" / "test_candidates.jsonl").read_text().splitlines()]
    scored = read_predictions(tmp_path / "ranked" / "test_predictions.tsv").outputs
    for row, output in zip(rows, scored):
        refuted = [len(check_caption(c, row["input"]).wrong) for c in row["candidates"]]
        assert len(refuted) == 4 and refuted == sorted(refuted) and output == row["candidates"][0]
    decoding = json.loads((tmp_path / "ranked" / "test_metrics.json").read_text())["decoding"]
    assert decoding["rank_by_facts"] == 4 and decoding["num_beams"] == 4


def test_zero3_finetuning_starts_from_the_checkpoints_weights(finished_run, tmp_path):
    """DeepSpeed ZeRO-3 (configs/deepspeed/zero3.json, 2 CPU ranks, every weight partitioned) fine-tuning from a
    checkpoint: one step at lr 1e-9 ends on the checkpoint's weights, its own lm_head included, and the validation
    loss before that step is the single-process one. Loaded inside zero.Init the lm_head became the input
    embedding (on these CPU ranks the run crashed first; distributed_finetune.py gives them a GPU's start-up)."""
    import os
    import subprocess
    import sys

    import torch

    pytest.importorskip("deepspeed")
    checkpoint = finished_run[0]
    start = ["--model_name_or_path", str(checkpoint), "--max_steps", "1", "--learning_rate", "1e-9",
             "--warmup_steps", "0", "--eval_on_start", "true", "--eval_strategy", "steps", "--eval_steps", "1000",
             "--save_strategy", "no", "--load_best_model_at_end", "false", "--predict_with_generate", "false",
             "--max_eval_samples", "8", "--per_device_eval_batch_size", "1", "--do_test", "false",
             "--report_to", "none"]
    plain = tmp_path / "plain"
    _run(plain, *start)
    zero3 = tmp_path / "zero3"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(REPO / "tests" / "commands" / "distributed_finetune.py"), DEMO, *SHORT, *start,
               "--deepspeed", str(REPO / "configs" / "deepspeed" / "zero3.json"), "--use_cpu", "true",
               "--output_dir", str(zero3)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "DS_ACCELERATOR": "cpu"})
    assert done.returncode == 0, done.stderr[-3000:]
    saved, got = load_file(checkpoint / "model.safetensors"), load_file(zero3 / "model.safetensors")
    assert not torch.equal(saved["lm_head.weight"], saved["shared.weight"])  # a head of its own to lose
    assert not saved.keys() - got.keys(), f"not saved (tied to another weight?): {saved.keys() - got.keys()}"
    gaps = {name: (got[name] - weight).abs().max().item() for name, weight in saved.items()}
    assert max(gaps.values()) < 1e-6, sorted(gaps.items(), key=lambda item: -item[1])[:3]

    def first_eval_loss(run: Path) -> float:
        history = json.loads((run / "trainer_state.json").read_text())["log_history"]
        return next(entry["eval_loss"] for entry in history if "eval_loss" in entry and entry["step"] == 0)

    assert first_eval_loss(zero3) == pytest.approx(first_eval_loss(plain), rel=1e-5)
