"""Decoding many rows: the decoding options (:class:`GenerationSettings`), batches sorted by length, bf16 on
GPUs, order restored, sharded across ranks. Used by validation, :mod:`ada_t5.scoring` and ``ada_t5.load()``.

The paper's loop generated row by row in fp32; sorting by source length keeps padding (and the
decoder's wasted steps on finished rows) small, and autocast to bf16 halves the memory traffic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ada_t5.quiet import unset_default_max_length

logger = logging.getLogger(__name__)


@dataclass
class GenerationSettings:
    """How to decode; defaults are the paper's (greedy, up to 512 new tokens).

    The one home of the decoding options that validation, ``scripts/test.py`` and ``ada_t5.load()`` share:
    beams, sampling (``do_sample`` with ``temperature`` / ``top_p``), ``num_return_sequences`` candidates per
    row, and the two loop guards of ``transformers`` (``repetition_penalty``, ``no_repeat_ngram_size``).
    """

    max_new_tokens: int = 512
    num_beams: int = 1
    num_return_sequences: int = 1
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    batch_size: int = 32
    max_source_length: int = 512
    prefix: str = ""
    dtype: str = "auto"  # auto: bf16 on a bf16-capable GPU, else fp32
    engine: bool = True  # continuous batching (ada_t5.decoding_engine) where it applies; False: model.generate
    stop_repeats: int = 0  # > 0: end a row repeating one cycle this many times (engine only; changes outputs)
    compile_decoder: bool = False  # torch.compile the engine's fixed-shape decoder step (CUDA graphs on a GPU)
    allowed_token_ids: tuple[int, ...] | None = None  # the only tokens outputs may hold (SELFIES symbols)
    synced_gpus: bool = False  # ZeRO-3 / FSDP: every rank keeps stepping until all are done (model.generate)

    def __post_init__(self):
        problem = decoding_problem({name: getattr(self, name) for name in DECODING_OPTIONS})
        if problem:
            raise ValueError(problem)
        if self.stop_repeats < 0 or self.stop_repeats == 1:
            raise ValueError(f"stop_repeats must be 0 (off) or at least 2 copies of a cycle, not {self.stop_repeats}")
        if (self.stop_repeats or self.compile_decoder) and not self.uses_engine:
            option = "stop_repeats" if self.stop_repeats else "compile_decoder"
            raise ValueError(f"{option} needs the decoding engine: greedy or sampling (num_beams 1), no "
                             "no_repeat_ngram_size, engine on")

    def decoding_options(self) -> dict:
        return {name: getattr(self, name) for name in DECODING_OPTIONS}

    @property
    def uses_engine(self) -> bool:
        """Greedy and sampling run on the engine; beams and n-gram bans fall back to `model.generate`."""
        return self.engine and self.num_beams == 1 and not self.no_repeat_ngram_size

    def generate_kwargs(self) -> dict:
        kwargs = dict(max_new_tokens=self.max_new_tokens, num_beams=self.num_beams,
                      num_return_sequences=self.num_return_sequences, do_sample=self.do_sample)
        if self.do_sample:  # top-k off (transformers would apply 50): temperature and top_p are the knobs
            kwargs.update(temperature=self.temperature, top_p=self.top_p, top_k=0)
        if self.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = self.repetition_penalty
        if self.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = self.no_repeat_ngram_size
        if self.allowed_token_ids is not None:
            kwargs["min_new_tokens"] = 1
        if self.synced_gpus:
            kwargs["synced_gpus"] = True
        return kwargs


DECODING_OPTIONS = ("max_new_tokens", "num_beams", "num_return_sequences", "do_sample", "temperature", "top_p",
                    "repetition_penalty", "no_repeat_ngram_size")


def decoding_problem(values: dict, flag_prefix: str = "") -> str | None:
    """Why these decoding options cannot work together (one line naming the option), or None.

    ``values`` maps :data:`DECODING_OPTIONS` names to values (missing ones take the defaults);
    ``flag_prefix`` is how a command spells them (``--generation_`` for the fine-tuning flags).
    """
    v = {name: getattr(GenerationSettings, name) for name in DECODING_OPTIONS} | values
    flag = (lambda name: flag_prefix + name) if flag_prefix else (lambda name: name)
    for name in ("max_new_tokens", "num_beams", "num_return_sequences"):
        if v[name] < 1:
            return f"{flag(name)} must be at least 1, not {v[name]}"
    n = v["num_return_sequences"]
    if not v["do_sample"] and n > v["num_beams"]:
        return (f"{flag('num_return_sequences')} {n} needs {flag('num_beams')} >= {n} (distinct candidates from "
                f"deterministic decoding) or {flag('do_sample')}")
    if v["temperature"] <= 0:
        return f"{flag('temperature')} must be above 0, not {v['temperature']} (greedy decoding is the default)"
    if not 0 < v["top_p"] <= 1:
        return f"{flag('top_p')} must be in (0, 1], not {v['top_p']}"
    if v["repetition_penalty"] <= 0:
        return f"{flag('repetition_penalty')} must be above 0 (1.0: off), not {v['repetition_penalty']}"
    if v["no_repeat_ngram_size"] < 0:
        return f"{flag('no_repeat_ngram_size')} must be 0 (off) or more, not {v['no_repeat_ngram_size']}"
    return None


def autocast_context(device: torch.device, dtype: str):
    if dtype == "fp32":
        return contextlib.nullcontext()
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()
    if dtype == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ValueError(f"unknown generation dtype {dtype!r}; choose auto, bf16 or fp32")


@torch.inference_mode()
def generate_texts(model, tokenizer, sources: Sequence[str], settings: GenerationSettings | None = None,
                   *, progress: bool = True, desc: str = "generating", stats=None) -> list[list[str]]:
    """Decode every source; returns ``num_return_sequences`` strings per source, in input order.

    ``stats``: an :class:`ada_t5.decoding_engine.EngineStats` to fill (engine runs only).
    """
    settings = settings or GenerationSettings()
    if not sources:
        return []
    encoded = tokenizer([settings.prefix + s for s in sources], max_length=settings.max_source_length,
                        truncation=True)["input_ids"]
    ids = generate_ids(model, tokenizer, encoded, settings, progress=progress, desc=desc, stats=stats)
    return [[text.strip() for text in tokenizer.batch_decode(row, skip_special_tokens=True,
                                                             clean_up_tokenization_spaces=False)] for row in ids]


def source_lengths(tokenizer, sources: Sequence[str], settings: GenerationSettings) -> list[int]:
    """Tokens in each source as `generate_texts` encodes it (prefix and ``</s>`` included) before the cut to
    ``settings.max_source_length``: a length above that limit means the model reads only part of the input."""
    if not sources:
        return []
    encoded = tokenizer([settings.prefix + s for s in sources], verbose=False)["input_ids"]
    return [len(ids) for ids in encoded]


@torch.inference_mode()
def generate_ids(model, tokenizer, encoded: Sequence[Sequence[int]], settings: GenerationSettings, *,
                 progress: bool = True, desc: str = "generating", stats=None) -> list[list[list[int]]]:
    """Token ids in, ``num_return_sequences`` generated id lists per row out (input order).

    Greedy and sampling decode on the continuous-batching engine (``settings.batch_size`` slots); beam search
    and ``no_repeat_ngram_size`` (or ``engine=False``) use ``model.generate`` on length-sorted batches.
    """
    from tqdm.auto import tqdm

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    unset_default_max_length(model)  # a checkpoint saved with transformers' max_length=20 would warn every batch
    bar = tqdm(total=len(encoded), desc=desc, unit="ex", disable=not progress)
    try:
        with autocast_context(device, settings.dtype):
            if settings.uses_engine:
                from ada_t5.decoding_engine import decode_rows

                return decode_rows(model, encoded, max_new_tokens=settings.max_new_tokens,
                                   num_slots=settings.batch_size, num_return_sequences=settings.num_return_sequences,
                                   do_sample=settings.do_sample, temperature=settings.temperature,
                                   top_p=settings.top_p, repetition_penalty=settings.repetition_penalty,
                                   stop_repeats=settings.stop_repeats, compile_decoder=settings.compile_decoder,
                                   allowed_token_ids=settings.allowed_token_ids,
                                   on_row_done=lambda _row: bar.update(1), stats=stats)
            return _generate_batches(model, tokenizer, encoded, settings, device, bar)
    finally:
        bar.close()
        model.train(was_training)


def _generate_batches(model, tokenizer, encoded, settings: GenerationSettings, device, bar) -> list[list[list[int]]]:
    """The path before the engine: ``model.generate`` on batches sorted by source length, longest first."""
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
    results: list = [None] * len(encoded)
    n = settings.num_return_sequences
    special = {model.config.pad_token_id, model.config.eos_token_id}
    for start in range(0, len(order), settings.batch_size):
        rows = order[start : start + settings.batch_size]
        batch = tokenizer.pad({"input_ids": [encoded[i] for i in rows]}, return_tensors="pt")
        batch = {k: v.to(device) for k, v in batch.items()}
        kwargs = settings.generate_kwargs()
        if settings.allowed_token_ids is not None:
            allowed = set(settings.allowed_token_ids) | {model.config.eos_token_id}
            kwargs["suppress_tokens"] = [i for i in range(model.lm_head.out_features) if i not in allowed]
        out = model.generate(**batch, **kwargs)[:, 1:].tolist()  # without the start token
        for j, i in enumerate(rows):
            results[i] = [_until_eos(ids, model.config.eos_token_id, special) for ids in out[j * n : (j + 1) * n]]
        bar.update(len(rows))
    return results


def _until_eos(ids: list[int], eos: int, special: set[int]) -> list[int]:
    """Generated ids up to (not including) end-of-sequence; trailing padding dropped."""
    if eos in ids:
        ids = ids[: ids.index(eos)]
    while ids and ids[-1] in special:
        ids.pop()
    return ids


def settings_for_ranks(settings: GenerationSettings, model, num_processes: int) -> GenerationSettings:
    """Under DeepSpeed ZeRO-3 or FSDP every forward gathers weights from all ranks, so a rank that stops
    generating first hangs the others: as Seq2SeqTrainer does, ``synced_gpus`` (on ``model.generate``)."""
    from transformers.integrations import is_deepspeed_zero3_enabled
    from transformers.integrations.fsdp import is_fsdp_managed_module

    if num_processes > 1 and (is_deepspeed_zero3_enabled() or is_fsdp_managed_module(model)):
        return dataclasses.replace(settings, synced_gpus=True, engine=False)
    return settings


def generate_sharded(model, tokenizer, sources: Sequence[str], settings: GenerationSettings | None = None,
                     *, progress: bool = True, desc: str = "generating") -> list[list[str]]:
    """`generate_texts` split across the processes of an accelerate/torchrun launch, gathered on all ranks."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    state = PartialState()
    settings = settings_for_ranks(settings or GenerationSettings(), model, state.num_processes)
    sharded_weights = settings.synced_gpus
    if state.num_processes == 1:
        return generate_texts(model, tokenizer, sources, settings, progress=progress, desc=desc)
    indices = list(range(len(sources)))
    # sharded weights: equal shards (the last row repeated), so every rank runs the same number of batches
    with state.split_between_processes(indices, apply_padding=sharded_weights) as shard:
        local = generate_texts(model, tokenizer, [sources[i] for i in shard], settings,
                               progress=progress and state.is_main_process, desc=desc)
        pairs = list(zip(shard, local))
    gathered = gather_object(pairs)
    results: list = [None] * len(sources)
    for i, texts in gathered:
        results[i] = texts
    return results


def generate_ids_sharded(model, tokenizer, encoded: Sequence[Sequence[int]], settings: GenerationSettings, *,
                         progress: bool = True, desc: str = "generating") -> list[list[list[int]]]:
    """`generate_ids` split across the processes of a launch, gathered on all ranks (validation's path)."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    state = PartialState()
    settings = settings_for_ranks(settings, model, state.num_processes)
    if state.num_processes == 1:
        return generate_ids(model, tokenizer, encoded, settings, progress=progress, desc=desc)
    with state.split_between_processes(list(range(len(encoded))), apply_padding=settings.synced_gpus) as shard:
        local = generate_ids(model, tokenizer, [encoded[i] for i in shard], settings,
                             progress=progress and state.is_main_process, desc=desc)
        pairs = list(zip(shard, local))
    results: list = [None] * len(encoded)
    for i, ids in gather_object(pairs):
        results[i] = ids
    return results
