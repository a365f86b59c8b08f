"""Named T5 shapes, fresh models sized to a tokenizer, and `from_pretrained` of any T5 checkpoint."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from ada_t5.errors import AdaT5Error

logger = logging.getLogger(__name__)

# T5 v1.1 shapes (gated-GELU, untied lm_head, no dropout in pre-training) as published by Google;
# "tiny" and "mini" are our own small shapes for tests and the CPU demo.
MODEL_SHAPES: dict[str, dict[str, Any]] = {
    "t5-v1_1-small": dict(d_model=512, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6, d_kv=64),
    "t5-v1_1-base": dict(d_model=768, d_ff=2048, num_layers=12, num_decoder_layers=12, num_heads=12, d_kv=64),
    "t5-v1_1-large": dict(d_model=1024, d_ff=2816, num_layers=24, num_decoder_layers=24, num_heads=16, d_kv=64),
    "mini": dict(d_model=128, d_ff=384, num_layers=3, num_decoder_layers=3, num_heads=4, d_kv=32),
    "tiny": dict(d_model=64, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=2, d_kv=32),
}
_SHAPE_COMMON = dict(
    feed_forward_proj="gated-gelu",
    tie_word_embeddings=False,
    relative_attention_num_buckets=32,
    relative_attention_max_distance=128,
    layer_norm_epsilon=1e-6,
)


class ModelLoadError(AdaT5Error, RuntimeError):
    pass


def shape_config(shape: str, tokenizer, *, dropout_rate: float = 0.1):
    """A `T5Config` of a named shape whose vocabulary and special ids match ``tokenizer``."""
    from transformers import T5Config

    if shape not in MODEL_SHAPES:
        raise ValueError(f"unknown model shape {shape!r}; choose one of {', '.join(MODEL_SHAPES)}")
    return T5Config(
        **MODEL_SHAPES[shape],
        **_SHAPE_COMMON,
        vocab_size=len(tokenizer),
        dropout_rate=dropout_rate,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )


def build_fresh_model(shape: str, tokenizer, *, dropout_rate: float = 0.1, seed: int | None = None):
    """A randomly initialised T5 of ``shape`` sized to ``tokenizer``, with T5 v1.1's separate lm_head."""
    import torch
    from transformers import T5ForConditionalGeneration

    if seed is not None:
        torch.manual_seed(seed)
    model = T5ForConditionalGeneration(shape_config(shape, tokenizer, dropout_rate=dropout_rate))
    # transformers 5 builds every T5 with lm_head tied to the input embedding, v1.1 shapes included; v1.1
    # (and MolT5 / Ada-T5 after it) has its own lm_head. Drawn with std d_model**-0.5 as nanoT5 does, the
    # first logits have unit scale (HF's std 1.0 starts the loss near 150 and can blow up a fresh run).
    head = torch.empty_like(model.shared.weight).normal_(mean=0.0, std=model.config.d_model**-0.5)
    _set_untied_lm_head(model, head)
    return model


def _set_untied_lm_head(model, weight) -> None:
    import torch

    model.lm_head.weight = torch.nn.Parameter(weight)
    model.lm_head.out_features = weight.shape[0]
    # the instance's config must say so, or the next tie_weights() (resizing, some launchers) ties it again
    model.config.tie_word_embeddings = False


def has_untied_lm_head(model) -> bool:
    return model.lm_head.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr()


def resize_vocabulary(model, num_tokens: int) -> None:
    """Grow the embedding (and a separate lm_head) to ``num_tokens`` rows, keeping every trained row.

    transformers 5's ``resize_token_embeddings`` re-ties an untied T5 lm_head to the input embedding,
    silently throwing away a v1.1 checkpoint's trained output layer; this keeps it.
    """
    import torch

    untied = has_untied_lm_head(model)
    old_head = model.lm_head.weight.detach().clone() if untied else None
    model.resize_token_embeddings(num_tokens, mean_resizing=False)
    if untied:
        head = old_head.new_empty(num_tokens, old_head.shape[1]).normal_(0.0, model.config.d_model**-0.5)
        rows = min(num_tokens, old_head.shape[0])
        with torch.no_grad():
            head[:rows] = old_head[:rows]
        _set_untied_lm_head(model, head)


def load_pretrained_model(name_or_path: str, tokenizer=None, *, dropout_rate: float | None = None):
    """`T5ForConditionalGeneration.from_pretrained` with clear errors, resized to ``tokenizer`` if needed."""
    from transformers import T5ForConditionalGeneration

    from ada_t5.hub import hub_unavailable_reason

    kwargs = {} if dropout_rate is None else {"dropout_rate": dropout_rate}
    why_local = None if os.path.exists(name_or_path) else hub_unavailable_reason()
    if why_local is not None:  # the cache only: from_pretrained would otherwise retry for minutes
        kwargs["local_files_only"] = True
    if os.path.isdir(name_or_path) and any(Path(name_or_path).glob("*.safetensors")):
        kwargs["use_safetensors"] = True  # never unpickle a .bin lying beside safetensors weights
    try:
        with _quiet_untied_head_warning(), _loaded_whole_under_zero3():
            model = T5ForConditionalGeneration.from_pretrained(name_or_path, **kwargs)
    except pickle.UnpicklingError:  # torch's weights_only load refused objects other than tensors
        raise ModelLoadError(
            f"{name_or_path!r}: its pytorch_model.bin holds objects other than tensors, which torch refuses to load "
            "safely, so nothing was loaded. Use a checkpoint saved as model.safetensors (re-save a model you trust "
            "with save_pretrained); never load an untrusted pickle") from None
    except OSError as err:
        where = "local folder" if os.path.isdir(name_or_path) else "Hub id"
        hint = (f" It is not in the local Hugging Face cache and {why_local}; download it on a connected machine "
                f"(`hf download {name_or_path}`) or pass a local folder." if why_local else "")
        raise ModelLoadError(f"cannot load a T5 checkpoint from {where} {name_or_path!r}: {err}.{hint}") from err
    if has_untied_lm_head(model):  # a v1.1-style checkpoint: keep its own lm_head through later tie_weights()
        model.config.tie_word_embeddings = False
    if tokenizer is not None:
        if len(tokenizer) > model.get_input_embeddings().num_embeddings:
            logger.warning(
                "tokenizer has %d tokens but the checkpoint's embedding has %d rows: resizing",
                len(tokenizer),
                model.get_input_embeddings().num_embeddings,
            )
            with _loaded_whole_under_zero3():
                resize_vocabulary(model, len(tokenizer))
        for name in ("pad_token_id", "eos_token_id"):
            expected = getattr(tokenizer, name)
            if getattr(model.config, name) != expected:
                raise ModelLoadError(
                    f"{name_or_path!r}: model {name}={getattr(model.config, name)} but tokenizer {name}={expected};"
                    " the tokenizer does not belong to this checkpoint"
                )
    return model


@contextlib.contextmanager
def _loaded_whole_under_zero3():
    """While the Trainer's ZeRO-3 config is alive, load (and resize) the model whole, not inside ``zero.Init``;
    ``deepspeed.initialize`` partitions it afterwards.

    Inside ``zero.Init`` (transformers 5.24, DeepSpeed 0.19.8) the checkpoint's own lm_head was dropped and tied to
    the input embedding (T5Config claims tied embeddings), so fine-tuning started from other weights than saved,
    silently; on CPU ranks it did not even start (zero.Init's batch check ran before DeepSpeed's process group).
    tests/commands/test_finetune.py runs both. The cost: each rank holds the whole model once while loading.
    """
    from transformers.integrations import deepspeed as hf_deepspeed

    if not hf_deepspeed.is_deepspeed_zero3_enabled():
        yield
        return
    config = hf_deepspeed._hf_deepspeed_config_weak_ref()  # the Trainer's HfTrainerDeepSpeedConfig; no public getter
    hf_deepspeed.unset_hf_deepspeed_config()
    try:
        yield
    finally:
        hf_deepspeed.set_hf_deepspeed_config(config)


@contextlib.contextmanager
def _quiet_untied_head_warning():
    """transformers 5's T5Config always claims tied embeddings, so loading any checkpoint with its own lm_head
    (T5 v1.1, MolT5, Ada-T5, ours) warns that the config is wrong; the load itself is right (kept untied)."""
    import logging as std_logging

    class _Filter(std_logging.Filter):
        def filter(self, record):
            return "lm_head.weight, but both are present" not in record.getMessage()

    target = std_logging.getLogger("transformers.modeling_utils")
    quiet = _Filter()
    target.addFilter(quiet)
    try:
        yield
    finally:
        target.removeFilter(quiet)


def build_model(tokenizer, *, model_name_or_path: str | None = None, model_shape: str | None = None,
                dropout_rate: float | None = None, seed: int | None = None):
    """The one entry point: a checkpoint when ``model_name_or_path`` is given, else a fresh ``model_shape``."""
    if bool(model_name_or_path) == bool(model_shape):
        raise ValueError("give exactly one of model_name_or_path (a checkpoint) or model_shape (a fresh model)")
    if model_name_or_path:
        model = load_pretrained_model(model_name_or_path, tokenizer, dropout_rate=dropout_rate)
    else:
        model = build_fresh_model(model_shape, tokenizer, dropout_rate=0.1 if dropout_rate is None else dropout_rate,
                                  seed=seed)
    # Under gradient accumulation or DDP, Trainer would otherwise hand T5 a token count it does not use,
    # and the reported/optimised loss is mis-scaled.
    model.accepts_loss_kwargs = False
    return model


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def set_generation_defaults(model, *, max_new_tokens: int = 512, num_beams: int = 1, do_sample: bool = False,
                            temperature: float = 1.0, top_p: float = 1.0, repetition_penalty: float = 1.0,
                            no_repeat_ngram_size: int = 0) -> None:
    """Decoding for `model.generate` without arguments (validation); the paper's: greedy, up to 512 new tokens."""
    config = model.generation_config
    config.max_new_tokens = max_new_tokens
    config.max_length = None
    config.num_beams = num_beams
    config.do_sample = do_sample
    # sampling knobs only when sampling: transformers warns about a temperature set for greedy decoding
    config.temperature = temperature if do_sample else None
    config.top_p = top_p if do_sample else None
    config.top_k = 0 if do_sample else None  # top-k off: temperature and top_p are the sampling knobs
    config.repetition_penalty = repetition_penalty
    config.no_repeat_ngram_size = no_repeat_ngram_size
    config.decoder_start_token_id = model.config.decoder_start_token_id
    config.eos_token_id = model.config.eos_token_id
    config.pad_token_id = model.config.pad_token_id
