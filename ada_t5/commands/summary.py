"""The summary a training command prints when it finishes: what it did, and where its outputs are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

RULE = "=" * 72


def summary_row(label: str, value) -> str:
    return f"  {label:<20} {value}"


def format_run_summary(title: str, output_dir: Path, train_metrics: dict, *, stats: Sequence[str] = (),
                       after_model: Sequence[str] = (), details: Sequence[str] = ()) -> str:
    """Title, mean train loss, ``stats``, the saved model (then ``after_model``), the TensorBoard logs, then
    ``details`` (test scores, examples), between two rules."""
    lines = ["", RULE, title]
    if train_metrics.get("train_loss") is not None:
        lines.append(summary_row("mean train loss", f"{train_metrics['train_loss']:.4f}"))
    lines += stats
    lines.append(summary_row("model + tokenizer",
                             f"{output_dir}   (T5ForConditionalGeneration.from_pretrained('{output_dir}'))"))
    lines += after_model
    lines.append(summary_row("TensorBoard logs", f"tensorboard --logdir {Path(output_dir) / 'runs'}"))
    lines += details
    lines.append(RULE)
    return "\n".join(lines)
