"""Quiet logs: DeepSpeed's CPU notice and transformers' max_length/max_new_tokens warning never reach a run's log,
and checkpoints are saved without the Trainer's ``max_length: 20``."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from ada_t5.quiet import unset_default_max_length

_NOTICE = "Setting accelerator to CPU"
_PROBE = "from deepspeed.accelerator import get_accelerator; get_accelerator()"


@pytest.mark.parametrize("import_ada_t5", [True, False])
def test_deepspeed_cpu_notice_is_dropped_once_ada_t5_is_imported(import_ada_t5):
    pytest.importorskip("deepspeed")
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("DeepSpeed only prints the notice when it finds no GPU")
    code = ("import ada_t5; " if import_ada_t5 else "") + _PROBE
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    # the control (no ada_t5) shows the notice exists, so the filtered case proves the filter works
    assert (_NOTICE in run.stdout + run.stderr) is not import_ada_t5


def test_other_messages_of_the_same_loggers_still_pass(caplog):
    import ada_t5  # noqa: F401 - installs the filters

    for name, kept, dropped in (
        ("DeepSpeed", "ZeRO stage 2 enabled", "Setting accelerator to CPU. If you have GPU ..."),
        ("transformers.trainer", "There were missing keys in the checkpoint model loaded: ['lm_head.weight'].",
         ("There were missing keys in the checkpoint model loaded: ['encoder.embed_tokens.weight', "
          "'decoder.embed_tokens.weight'].")),
    ):
        target = logging.getLogger(name)
        handler_records = []
        handler = logging.Handler()
        handler.emit = handler_records.append
        target.addHandler(handler)
        try:
            target.warning(kept)
            target.warning(dropped)
        finally:
            target.removeHandler(handler)
        assert [r.getMessage() for r in handler_records] == [kept]


@pytest.fixture(autouse=True)
def _library_log_levels_reset():
    """A training run earlier in this process may have set library loggers' levels (--log_level); these tests
    are about the filters, so every transformers / DeepSpeed logger starts at its default here."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith(("transformers", "DeepSpeed"))]
    saved = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def _tiny_trainer(tmp_path):
    from datasets import Dataset

    from ada_t5.arguments import FinetuneTrainingArguments
    from ada_t5.modeling import build_model
    from ada_t5.tasks import get_task, tokenize_for_task
    from ada_t5.tokenizer_training import train_tokenizer
    from ada_t5.trainer import build_seq2seq_trainer

    pairs = {"smiles": ["CCO", "c1ccccc1O", "CC(=O)O", "CCN", "CCCl", "OCCO"],
             "description": ["an alcohol", "a phenol", "an acid", "an amine", "a chloride", "a diol"]}
    pairs["id"] = [str(i) for i in range(6)]
    tokenizer = train_tokenizer(pairs["smiles"] * 20 + pairs["description"] * 20, vocab_size=460)
    model = build_model(tokenizer, model_shape="tiny", seed=0)
    data = tokenize_for_task(Dataset.from_dict(pairs), get_task("mol2text"), tokenizer, max_source_length=32,
                             max_target_length=32)
    args = FinetuneTrainingArguments(output_dir=str(tmp_path / "run"), max_steps=1, per_device_eval_batch_size=2,
                                     generation_max_new_tokens=6, generation_engine=False, bf16=False, report_to=[],
                                     disable_tqdm=True, eval_strategy="no", save_strategy="no", use_cpu=True)
    # compute_metrics makes evaluate() generate (without it the Trainer computes the loss only)
    trainer = build_seq2seq_trainer(model, tokenizer, args, train_dataset=data, eval_dataset=data,
                                    compute_metrics=lambda prediction: {"n": len(prediction.predictions)})
    return trainer, model


@pytest.mark.parametrize("with_guard", [True, False])
def test_generated_validation_leaves_max_length_unset_and_does_not_warn(tmp_path, capfd, caplog, with_guard):
    from transformers.utils import logging as hf_logging

    from ada_t5 import quiet

    trainer, model = _tiny_trainer(tmp_path)
    if not with_guard:  # the control: without the callback transformers' behaviour (and warning) shows
        trainer.callback_handler.callbacks = [c for c in trainer.callback_handler.callbacks
                                              if type(c).__name__ != "KeepGenerationLengthUnset"]
    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_warning()
    try:
        capfd.readouterr()
        trainer.evaluate()  # three generated batches of two
        trainer.evaluate()
        captured = capfd.readouterr()
    finally:
        hf_logging.set_verbosity(previous)
    # printed by transformers' own handler, or only recorded when an earlier run reconfigured its handlers
    warned = "seem to have been set" in captured.out + captured.err + caplog.text
    assert warned is not with_guard
    assert (model.generation_config.max_length is None) is with_guard
    trainer.save_model(str(tmp_path / "saved"))
    saved = json.loads((tmp_path / "saved" / "generation_config.json").read_text())
    assert saved["max_new_tokens"] == 6
    assert ("max_length" in saved) is not with_guard
    if not with_guard:  # a checkpoint saved that way is made quiet again by generation itself
        quiet.unset_default_max_length(model)
        assert model.generation_config.max_length is None


def test_unset_default_max_length_keeps_a_lone_max_length():
    from transformers import GenerationConfig

    class Holder:
        generation_config = GenerationConfig(max_length=40)

    unset_default_max_length(Holder)
    assert Holder.generation_config.max_length == 40  # no max_new_tokens: max_length is the only bound
