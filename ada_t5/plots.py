"""Training curves of a fine-tuning (or pre-training) run folder, drawn to PNG with matplotlib.

The log is the Trainer's ``log_history``: ``RUN_DIR/trainer_state.json`` (written at the end of a run), else
the newest ``checkpoint-*/trainer_state.json`` (a run still going or stopped early), else the TensorBoard
event files under ``RUN_DIR/runs``. Two figures: ``loss.png`` (train loss, validation loss, learning rate on a
second axis) and ``validation.png`` (every validation metric, one panel each).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections import defaultdict
from pathlib import Path

from ada_t5.errors import AdaT5Error

logger = logging.getLogger(__name__)

# logged with every validation, but not metrics of the model
_NOT_METRICS = {"eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "eval_loss", "epoch", "step"}


class NoTrainingLogError(AdaT5Error, FileNotFoundError):
    pass


def find_log_history(run_dir: str | os.PathLike) -> tuple[list[dict], str]:
    """``(log_history, where it came from)`` for a run folder (or a checkpoint folder, or a trainer_state.json)."""
    run_dir = Path(run_dir)
    if run_dir.is_file():
        return json.loads(run_dir.read_text(encoding="utf-8"))["log_history"], str(run_dir)
    if not run_dir.is_dir():
        raise NoTrainingLogError(f"{run_dir}: no such folder")
    candidates = [run_dir / "trainer_state.json"]
    checkpoints = sorted(run_dir.glob("checkpoint-*/trainer_state.json"),
                         key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), reverse=True)
    for path in candidates + checkpoints:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")).get("log_history", []), str(path)
    events = sorted(run_dir.glob("runs/**/events.out.tfevents.*")) or sorted(run_dir.glob("**/events.out.tfevents.*"))
    if events:
        return _history_from_tensorboard(events[-1].parent), str(events[-1].parent)
    raise NoTrainingLogError(f"{run_dir}: no trainer_state.json (in the folder or a checkpoint-*) and no TensorBoard "
                             "logs under runs/: is it a training run's output folder?")


def _history_from_tensorboard(folder: Path) -> list[dict]:
    """TensorBoard scalars (``train/loss``, ``eval/bleu4`` ...) turned back into log_history entries."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    by_step: dict[tuple[str, int], dict] = defaultdict(dict)
    for tag in accumulator.Tags().get("scalars", []):
        prefix, _, name = tag.partition("/")
        if prefix not in ("train", "eval") or not name:
            continue
        key = name if prefix == "train" else f"eval_{name}"
        for event in accumulator.Scalars(tag):
            by_step[(prefix, event.step)][key] = event.value
            by_step[(prefix, event.step)]["step"] = event.step
    return [entry for _, entry in sorted(by_step.items(), key=lambda item: (item[0][1], item[0][0]))]


def curves(history: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """Series name -> [(step, value)]: ``loss``, ``learning_rate``, ``eval_loss`` and every ``eval_<metric>``."""
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for entry in history:
        step = entry.get("step")
        if step is None:
            continue
        for key, value in entry.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                continue
            if key in ("loss", "learning_rate", "eval_loss") or (key.startswith("eval_") and key not in _NOT_METRICS):
                series[key].append((int(step), float(value)))
    return dict(series)


def plot_run(run_dir: str | os.PathLike, output_dir: str | os.PathLike | None = None, *, dpi: int = 110) -> list[Path]:
    """Draw ``loss.png`` and (when the run validated) ``validation.png``; default folder ``RUN_DIR/plots``."""
    try:
        import matplotlib
    except ImportError as error:  # pragma: no cover - matplotlib is in requirements.txt
        raise ImportError("plots need matplotlib: pip install matplotlib") from error
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    history, source = find_log_history(run_dir)
    series = curves(history)
    if not series:
        raise NoTrainingLogError(f"{source}: the log holds no loss or validation values (was logging_steps larger "
                                 "than the run?)")
    base = Path(run_dir) if Path(run_dir).is_dir() else Path(run_dir).parent
    output_dir = Path(output_dir) if output_dir is not None else base / "plots"
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    title = base.name

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label, style in (("loss", "train loss", "-"), ("eval_loss", "validation loss", "o-")):
        if key in series:
            steps, values = zip(*series[key])
            ax.plot(steps, values, style, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if "learning_rate" in series:
        other = ax.twinx()
        steps, values = zip(*series["learning_rate"])
        other.plot(steps, values, ":", color="gray", label="learning rate")
        other.set_ylabel("learning rate")
        other.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        lines = ax.get_legend_handles_labels()
        more = other.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right")
    elif ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right")
    ax.set_title(f"{title}: loss")
    fig.tight_layout()
    written.append(output_dir / "loss.png")
    fig.savefig(written[-1], dpi=dpi)
    plt.close(fig)

    metrics = sorted(key for key in series if key.startswith("eval_") and key != "eval_loss")
    if metrics:
        columns = min(3, len(metrics))
        rows = math.ceil(len(metrics) / columns)
        fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
        for ax, key in zip(axes.flat, metrics):
            steps, values = zip(*series[key])
            ax.plot(steps, values, "o-")
            ax.set_title(key.removeprefix("eval_"))
            ax.set_xlabel("step")
            ax.grid(alpha=0.3)
        for ax in list(axes.flat)[len(metrics):]:
            ax.axis("off")
        fig.suptitle(f"{title}: validation")
        fig.tight_layout()
        written.append(output_dir / "validation.png")
        fig.savefig(written[-1], dpi=dpi)
        plt.close(fig)
    logger.info("plotted %s from %s", ", ".join(p.name for p in written), source)
    return written
