"""Which checkpoint a run resumes: complete ones only, never another run's, always logged."""

from __future__ import annotations

import json
import logging

import pytest

from ada_t5.checkpoints import last_complete_checkpoint, resolve_checkpoint_to_resume
from ada_t5.commands.finetune import ARGUMENT_TYPES
from ada_t5.config import parse_config
from ada_t5.errors import ArgumentError


def _training_args(tmp_path, **kwargs):
    _, _, _, train = parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path),
                                                   "--bf16", "false",
                                                   *[x for k, v in kwargs.items() for x in (f"--{k}", str(v))]])
    return train


def _checkpoint(root, step, state=None):
    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    if state is not False:
        (folder / "trainer_state.json").write_text(state if state is not None else json.dumps({"global_step": step}))
    return folder


def test_last_complete_checkpoint_skips_a_half_written_one(tmp_path):
    for step, state in ((10, "{}"), (20, "{}"), (30, '{"global_st')):
        _checkpoint(tmp_path, step, state)
    _checkpoint(tmp_path, 40, state=False)  # killed before anything was written
    (tmp_path / "checkpoint-7-old").mkdir()  # not a checkpoint name
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-20")
    assert last_complete_checkpoint(tmp_path / "none") is None


def test_resume_latest_is_the_last_complete_checkpoint_and_logs_its_step(tmp_path, caplog):
    _checkpoint(tmp_path, 5)
    _checkpoint(tmp_path, 10)
    _checkpoint(tmp_path, 15, state=False)
    with caplog.at_level(logging.INFO, logger="ada_t5.checkpoints"):
        found = resolve_checkpoint_to_resume(_training_args(tmp_path, resume_from_checkpoint="latest"))
    assert found == str(tmp_path / "checkpoint-10")
    assert f"resuming from {tmp_path / 'checkpoint-10'} (step 10)" in caplog.text
    with pytest.raises(ArgumentError, match="not a folder"):
        resolve_checkpoint_to_resume(_training_args(tmp_path, resume_from_checkpoint=tmp_path / "nope"))
    with pytest.raises(ArgumentError, match="no complete checkpoint"):
        resolve_checkpoint_to_resume(_training_args(tmp_path / "empty", resume_from_checkpoint="latest"))


def test_a_finished_run_is_never_clobbered_without_overwrite(tmp_path):
    _checkpoint(tmp_path, 10)
    with pytest.raises(ArgumentError, match="resume_from_checkpoint latest"):
        resolve_checkpoint_to_resume(_training_args(tmp_path))
    assert (tmp_path / "checkpoint-10").is_dir()


def test_starting_over_removes_the_old_runs_checkpoints_so_latest_cannot_pick_them(tmp_path):
    """Issue 11, bad case 2: an older run's higher-numbered checkpoint must not be resumed by `latest`."""
    _checkpoint(tmp_path, 800)
    _checkpoint(tmp_path, 400)
    (tmp_path / "test_metrics.json").write_text("{}")  # not a checkpoint: left alone
    assert resolve_checkpoint_to_resume(_training_args(tmp_path, overwrite_output_dir="true")) is None
    assert not list(tmp_path.glob("checkpoint-*"))
    assert (tmp_path / "test_metrics.json").is_file()
    _checkpoint(tmp_path, 20)  # the new run's first save
    assert resolve_checkpoint_to_resume(_training_args(tmp_path, resume_from_checkpoint="latest")) == \
        str(tmp_path / "checkpoint-20")
