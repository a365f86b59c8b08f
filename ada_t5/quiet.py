"""Keep a run's log to what tells the user something: drop three library messages that never do.

* DeepSpeed logs "Setting accelerator to CPU. If you have GPU or other accelerator, we were unable to detect it."
  when anything imports it (transformers and accelerate do, at the first save) on a machine without a GPU: on a
  CPU-only machine it is the expected state, and with a GPU torch itself fails first.
* transformers' ``Seq2SeqTrainer`` fills the model's generation config with library defaults after each generated
  validation batch (``max_length=20`` among them); every later ``generate(max_new_tokens=...)`` then warns "Both
  `max_new_tokens` and `max_length` seem to have been set", once per batch, and the saved checkpoints carry
  ``max_length: 20``. :class:`KeepGenerationLengthUnset` puts ``max_length`` back to unset after each prediction
  step, so there is nothing to warn about and the saved ``generation_config.json`` says only ``max_new_tokens``.
* When the Trainer reloads the best checkpoint it warns that ``encoder.embed_tokens.weight`` and
  ``decoder.embed_tokens.weight`` are missing: T5 never saves them, both are the shared embedding, re-tied on load.
  Only that exact key list is dropped; any other missing key is still reported.
"""

from __future__ import annotations

import logging

_DEEPSPEED_CPU_NOTICE = "Setting accelerator to CPU"
_TIED_T5_KEYS = "missing keys in the checkpoint model loaded: ['encoder.embed_tokens.weight', " \
                "'decoder.embed_tokens.weight']"


class _DropMessages(logging.Filter):
    def __init__(self, *fragments: str):
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def install_log_filters() -> None:
    """Attach the filters to the loggers that emit these messages (idempotent; loggers need not exist yet)."""
    for name, fragment in (("DeepSpeed", _DEEPSPEED_CPU_NOTICE), ("transformers.trainer", _TIED_T5_KEYS)):
        target = logging.getLogger(name)
        if not any(isinstance(f, _DropMessages) and fragment in f.fragments for f in target.filters):
            target.addFilter(_DropMessages(fragment))


def unset_default_max_length(model) -> None:
    """Generation is bounded by ``max_new_tokens``; a ``max_length`` beside it is a library default, not a choice."""
    config = getattr(model, "generation_config", None)
    if config is not None and config.max_new_tokens is not None and config.max_length is not None:
        config.max_length = None


def keep_generation_length_unset_callback():
    """A TrainerCallback (built lazily: transformers is imported only when training) that undoes the Trainer's
    ``max_length=20`` after every prediction step and evaluation."""
    from transformers import TrainerCallback

    class KeepGenerationLengthUnset(TrainerCallback):
        def on_prediction_step(self, args, state, control, model=None, **kwargs):
            unset_default_max_length(model)

        def on_evaluate(self, args, state, control, model=None, **kwargs):
            unset_default_max_length(model)

    return KeepGenerationLengthUnset()
