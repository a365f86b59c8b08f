"""Where the descriptions come from: an OpenAI-compatible endpoint, a local causal LM, or the rule describer.

Every backend turns a stream of :class:`Request` into groups of ``(request, answer)`` pairs, yielded as soon
as they are ready (in any order): the runner writes each group durably before asking for more.

* :class:`ada_t5.pseudo.openai_chat.OpenAIBackend`: any OpenAI-compatible chat endpoint, hundreds of requests
  in flight over kept-alive connections (its own module);
* :class:`ada_t5.pseudo.openai_batch.BatchBackend`: OpenAI's Batch API (half price, within 24 h), resumable;
* :class:`TransformersBackend`: a local ``AutoModelForCausalLM`` folder, batched, left-padded, greedy unless
  ``temperature > 0``; the tokenizer's chat template is used when it has one.
* :class:`RuleBackend`: :func:`ada_t5.describe.describe`, offline and free; it needs no prompt, so the runner
  skips retrieval for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from ada_t5.errors import AdaT5Error

logger = logging.getLogger(__name__)



@dataclass
class Request:
    key: str  # the molecule's canonical SMILES
    smiles: str
    messages: list[dict[str, str]] = field(default_factory=list)
    job: object = None  # whatever the runner needs back with the answer


@dataclass
class Answer:
    text: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    error: str | None = None  # set when no answer came (the molecule is retried by the next run)
    attempts: int = 1


class BackendFatal(AdaT5Error, RuntimeError):
    """An error every further request would hit too (bad key, wrong URL or model): stop the run."""


class Backend:
    name = "base"
    model = ""
    uses_prompt = True

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _batches(requests: Iterator[Request], size: int) -> Iterator[list[Request]]:
    batch = []
    for request in requests:
        batch.append(request)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- local causal LM ---


class TransformersBackend(Backend):
    name = "local"

    def __init__(self, model: str, *, batch_size: int = 8, max_new_tokens: int = 256, temperature: float = 0.0,
                 device: str | None = None, dtype: str = "auto", seed: int = 42):
        self.model = model
        self.batch_size, self.max_new_tokens = max(1, batch_size), max_new_tokens
        self.temperature, self.device, self.dtype, self.seed = temperature, device, dtype, seed
        self._lm = self._tokenizer = None

    def _load(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = {"auto": "auto", "bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[self.dtype]
        tokenizer = AutoTokenizer.from_pretrained(self.model)
        tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
        tokenizer.truncation_side = "left"  # too long a prompt loses its first example, never the molecule
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        lm = AutoModelForCausalLM.from_pretrained(self.model, dtype=dtype).to(device).eval()
        self._lm, self._tokenizer, self._device = lm, tokenizer, device
        torch.manual_seed(self.seed)

    def _prompt(self, messages) -> str:
        from ada_t5.pseudo.prompts import messages_text

        if getattr(self._tokenizer, "chat_template", None):
            return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return messages_text(messages) + "\n\nDescription:"

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        import torch

        if self._lm is None:
            self._load()
        tokenizer, lm = self._tokenizer, self._lm
        limit = getattr(lm.config, "max_position_embeddings", None) or getattr(lm.config, "n_positions", None)
        max_length = max(16, limit - self.max_new_tokens) if limit else None
        for batch in _batches(requests, self.batch_size):
            encoded = tokenizer([self._prompt(r.messages) for r in batch], return_tensors="pt", padding=True,
                                truncation=max_length is not None, max_length=max_length).to(self._device)
            sample = self.temperature > 0
            with torch.inference_mode():
                output = lm.generate(**encoded, max_new_tokens=self.max_new_tokens, do_sample=sample,
                                     temperature=self.temperature if sample else None,
                                     pad_token_id=tokenizer.pad_token_id)
            new = output[:, encoded["input_ids"].shape[1]:]
            group = []
            for row, request in enumerate(batch):
                tokens = new[row].tolist()
                stopped = tokenizer.eos_token_id in tokens
                if stopped:
                    tokens = tokens[:tokens.index(tokenizer.eos_token_id)]
                text = tokenizer.decode(tokens, skip_special_tokens=True)
                group.append((request, Answer(text=text, prompt_tokens=int(encoded["attention_mask"][row].sum()),
                                              completion_tokens=len(tokens) + int(stopped),
                                              finish_reason="stop" if stopped else "length")))
            yield group


# --- the offline rule-based describer ---


class RuleBackend(Backend):
    name = "rule"
    model = "ada_t5.describe"
    uses_prompt = False

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        from ada_t5.describe import describe

        for batch in _batches(requests, self.batch_size):
            group = []
            for request in batch:
                try:
                    group.append((request, Answer(text=describe(request.smiles), finish_reason="stop")))
                except ValueError as err:
                    group.append((request, Answer(error=str(err))))
            yield group
