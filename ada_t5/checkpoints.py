"""Which checkpoint a run resumes from, one rule for fine-tuning and pre-training.

``--resume_from_checkpoint latest`` is the newest *complete* ``checkpoint-N`` of ``--output_dir``: a run
killed while saving leaves a half-written folder, and resuming from it would fail or load a half-written
optimizer. Starting over with ``--overwrite_output_dir`` removes the old run's checkpoints, so a later
``latest`` can never pick a higher-numbered checkpoint of another run. Every resume logs its checkpoint
and step.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

from ada_t5.errors import ArgumentError

logger = logging.getLogger(__name__)

LATEST = ("latest", "last", "true", "True")
STATE_FILE = "trainer_state.json"  # the Trainer writes it last in a checkpoint


def checkpoint_folders(output_dir: str | os.PathLike) -> list[Path]:
    """``checkpoint-N`` folders of ``output_dir``, newest (highest N) first."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"checkpoint-\d+", p.name)]
    return sorted(folders, key=lambda p: int(p.name.split("-")[1]), reverse=True)


def checkpoint_step(folder: str | os.PathLike) -> int | None:
    """The step a checkpoint was saved at (its trainer state), or None when the state is missing or torn."""
    try:
        return int(json.loads((Path(folder) / STATE_FILE).read_text())["global_step"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def last_complete_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The newest ``checkpoint-N`` whose save finished (its ``trainer_state.json``, written last, parses).
    Keep ``save_total_limit`` >= 2 so the previous complete one is still there after a crash while saving."""
    for folder in checkpoint_folders(output_dir):
        try:
            json.loads((folder / STATE_FILE).read_text())
        except (OSError, ValueError):
            logger.warning("%s is incomplete (interrupted while saving?): skipped", folder)
            continue
        return str(folder)
    return None


def resolve_checkpoint_to_resume(training_args) -> str | None:
    """``--resume_from_checkpoint`` (a folder or ``latest``) -> the folder to resume, logged with its step;
    None to start over. Refuses to clobber a run unless ``--overwrite_output_dir``, which then clears the old
    run's checkpoints (main process) so none of them can be mistaken for this run's later."""
    output_dir = training_args.output_dir
    requested = training_args.resume_from_checkpoint
    if requested in LATEST:
        found = last_complete_checkpoint(output_dir)
        if found is None:
            raise ArgumentError(f"--resume_from_checkpoint {requested}: no complete checkpoint-* folder in "
                                f"{output_dir}")
        return _log_resume(found)
    if requested:
        if not os.path.isdir(requested):
            raise ArgumentError(f"--resume_from_checkpoint: {requested} is not a folder")
        return _log_resume(str(requested))
    stale = checkpoint_folders(output_dir)
    if stale and not getattr(training_args, "overwrite_output_dir", False):
        raise ArgumentError(
            f"{output_dir} already holds {stale[0].name}; pass --resume_from_checkpoint latest to continue it, "
            "--overwrite_output_dir true to start over (its checkpoints are removed), or another --output_dir")
    if stale:
        _remove_stale(stale)
    return None


def _log_resume(folder: str) -> str:
    step = checkpoint_step(folder)
    logger.info("resuming from %s (step %s)", folder, "unknown" if step is None else f"{step:,}")
    return folder


def _remove_stale(folders: list[Path]) -> None:
    from accelerate import PartialState

    state = PartialState()
    if state.is_main_process:
        logger.warning("--overwrite_output_dir: starting over; removing the previous run's %s",
                       ", ".join(p.name for p in folders))
        for folder in folders:
            shutil.rmtree(folder)
    state.wait_for_everyone()
