"""Training curves from a run's logs: trainer_state.json, a checkpoint's, or TensorBoard events."""

from __future__ import annotations

import json

import pytest

from ada_t5.plots import NoTrainingLogError, curves, find_log_history, plot_run

HISTORY = [{"step": s, "epoch": s / 100, "loss": 5.0 / (1 + s / 20), "learning_rate": 1e-3 * (1 - s / 200),
            "grad_norm": 1.0} for s in range(10, 201, 10)]
HISTORY += [{"step": s, "eval_loss": 2.0 - s / 400, "eval_bleu4": s / 1000, "eval_rougeL": s / 500,
             "eval_runtime": 1.2, "eval_samples_per_second": 10.0, "epoch": s / 100} for s in (100, 200)]
HISTORY.append({"step": 200, "train_runtime": 50.0, "train_loss": 1.1, "total_flos": 1.0})


def _state(folder, history=HISTORY):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trainer_state.json").write_text(json.dumps({"log_history": history, "global_step": 200}))


def _not_blank(path, size=None):
    from PIL import Image

    with Image.open(path) as image:
        if size:
            assert image.size == size
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or range(10**6)) > 20


def test_curves_keep_losses_learning_rate_and_validation_metrics_only():
    series = curves(HISTORY)
    assert set(series) == {"loss", "learning_rate", "eval_loss", "eval_bleu4", "eval_rougeL"}
    assert [step for step, _ in series["loss"]] == list(range(10, 201, 10))
    assert series["eval_bleu4"] == [(100, 0.1), (200, 0.2)]


def test_plot_run_writes_loss_and_validation_pngs(tmp_path):
    _state(tmp_path / "run")
    written = plot_run(tmp_path / "run", dpi=50)
    assert [p.name for p in written] == ["loss.png", "validation.png"]
    assert all(p.parent == tmp_path / "run" / "plots" for p in written)
    assert _not_blank(written[0], (350, 200)) and _not_blank(written[1])


def test_a_run_without_validation_gets_the_loss_plot_only(tmp_path):
    _state(tmp_path / "run", [e for e in HISTORY if "eval_loss" not in e])
    assert [p.name for p in plot_run(tmp_path / "run", dpi=40)] == ["loss.png"]


def test_the_newest_checkpoint_is_used_when_the_run_has_no_final_state(tmp_path):
    _state(tmp_path / "run" / "checkpoint-100", HISTORY[:10])
    _state(tmp_path / "run" / "checkpoint-200")
    _state(tmp_path / "run" / "checkpoint-50", HISTORY[:5])
    history, source = find_log_history(tmp_path / "run")
    assert source.endswith("checkpoint-200/trainer_state.json") and history == HISTORY


def test_tensorboard_events_are_read_when_there_is_no_trainer_state(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "run" / "runs" / "Jan01_host"))
    for step in (10, 20, 30):
        writer.add_scalar("train/loss", 3.0 / step, step)
        writer.add_scalar("train/learning_rate", 1e-3, step)
    writer.add_scalar("eval/bleu4", 0.25, 30)
    writer.close()
    history, _ = find_log_history(tmp_path / "run")
    series = curves(history)
    assert [s for s, _ in series["loss"]] == [10, 20, 30] and series["eval_bleu4"] == [(30, 0.25)]
    assert [p.name for p in plot_run(tmp_path / "run", dpi=40)] == ["loss.png", "validation.png"]


def test_a_folder_without_logs_is_a_clear_error(tmp_path):
    with pytest.raises(NoTrainingLogError, match="no trainer_state.json"):
        plot_run(tmp_path)
    with pytest.raises(NoTrainingLogError, match="no such folder"):
        plot_run(tmp_path / "missing")
    _state(tmp_path / "empty", [{"step": 5, "train_runtime": 1.0}])
    with pytest.raises(NoTrainingLogError, match="no loss or validation values"):
        plot_run(tmp_path / "empty")
