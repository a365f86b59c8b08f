"""Where the descriptions come from: an OpenAI-compatible endpoint, a local causal LM, or the rule describer.

Every backend turns a stream of :class:`Request` into groups of ``(request, answer)`` pairs, yielded as soon
as they are ready (in any order): the runner writes each group durably before asking for more.

* :class:`OpenAIBackend`: ``POST {base_url}/chat/completions`` (OpenAI, vLLM, llama.cpp server, Ollama, ...)
  from ``concurrency`` threads, at most ``requests_per_minute``, retrying 429 / 5xx / timeouts / dropped
  connections with exponential backoff and jitter (``Retry-After`` respected), up to ``max_retries`` times.
  401 / 403 / 404 stop the run (:class:`BackendFatal`): every further request would fail the same way. The
  API key is read from the environment variable named ``api_key_env``; it is sent in the ``Authorization``
  header only, and is never logged, returned or written (error texts are scrubbed of it).
* :class:`TransformersBackend`: a local ``AutoModelForCausalLM`` folder, batched, left-padded, greedy unless
  ``temperature > 0``; the tokenizer's chat template is used when it has one.
* :class:`RuleBackend`: :func:`ada_t5.describe.describe`, offline and free; it needs no prompt, so the runner
  skips retrieval for it.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524, 529}
FATAL_STATUS = {401, 403, 404}


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


class BackendFatal(RuntimeError):
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


# --- hosted or served LLMs: OpenAI-compatible chat completions ---


class RateLimiter:
    """At most ``per_minute`` acquisitions per minute, evenly spaced (0: unlimited); thread-safe."""

    def __init__(self, per_minute: float):
        self.interval = 60.0 / per_minute if per_minute and per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key_env: str = "OPENAI_API_KEY", concurrency: int = 8,
                 requests_per_minute: float = 0, max_retries: int = 6, timeout: float = 120.0,
                 temperature: float | None = None, max_tokens: int | None = 512, backoff_base: float = 1.0,
                 backoff_max: float = 60.0, extra_body: dict | None = None):
        if not base_url:
            raise ValueError("the openai backend needs a base URL, e.g. https://api.openai.com/v1")
        if not model:
            raise ValueError("the openai backend needs a model name")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key_env = api_key_env
        self._key = os.environ.get(api_key_env) or None  # held privately; never logged or returned
        if self._key is None:
            logger.warning("environment variable %s is not set: sending requests without an API key", api_key_env)
        self.concurrency = max(1, concurrency)
        self.limiter = RateLimiter(requests_per_minute)
        self.max_retries, self.timeout = max_retries, timeout
        self.temperature, self.max_tokens = temperature, max_tokens
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.extra_body = dict(extra_body or {})
        self._stop = threading.Event()
        self.retries = 0  # how many retries the run needed (all requests)
        self._retry_lock = threading.Lock()

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def _body(self, messages) -> bytes:
        body = {"model": self.model, "messages": messages, **self.extra_body}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        return json.dumps(body).encode("utf-8")

    def _post(self, data: bytes) -> tuple[int, dict | None, str, float | None]:
        """(status, parsed JSON or None, short text for messages, Retry-After seconds or None)."""
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                status = response.status
                retry_after = None
        except urllib.error.HTTPError as err:
            raw = err.read() if err.fp is not None else b""
            status = err.code
            retry_after = _retry_after(err.headers.get("Retry-After") if err.headers else None)
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        return status, parsed, self._scrub(raw[:300].decode("utf-8", "replace")), retry_after

    def complete(self, messages) -> Answer:
        """One chat completion, with retries; never raises except :class:`BackendFatal`."""
        data = self._body(messages)
        last_error = "no attempt made"
        for attempt in range(1, self.max_retries + 2):
            if self._stop.is_set():
                return Answer(error="run stopped", attempts=attempt - 1)
            self.limiter.acquire()
            retry_after = None
            try:
                status, parsed, text, retry_after = self._post(data)
            except (TimeoutError, socket.timeout) as err:
                last_error = f"timeout after {self.timeout:g} s ({type(err).__name__})"
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as err:
                last_error = self._scrub(f"connection error: {getattr(err, 'reason', err)}")
            else:
                if status == 200 and isinstance(parsed, dict) and parsed.get("choices"):
                    return _answer_from(parsed, attempt)
                if status in FATAL_STATUS:
                    self._stop.set()
                    raise BackendFatal(f"{self.url} answered HTTP {status}: {text}")
                last_error = f"HTTP {status}: {text}"
                if status != 200 and status not in RETRYABLE_STATUS:
                    return Answer(error=last_error, attempts=attempt)  # e.g. 400: this prompt will not work
            if attempt > self.max_retries:
                break
            with self._retry_lock:
                self.retries += 1
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.backoff_max))
            logger.debug("retrying in %.2f s after %s", delay, last_error)
            self._stop.wait(delay)
        return Answer(error=f"gave up after {self.max_retries + 1} attempts: {last_error}", attempts=attempt)

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        self._stop.clear()
        pending: dict = {}
        requests = iter(requests)
        exhausted = False
        fatal: BaseException | None = None
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="pseudo-http") as pool:
            try:
                while True:
                    while not exhausted and fatal is None and len(pending) < 2 * self.concurrency:
                        request = next(requests, None)
                        if request is None:
                            exhausted = True
                        else:
                            pending[pool.submit(self.complete, request.messages)] = request
                    if not pending:
                        break
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    group = []
                    for future in done:
                        request = pending.pop(future)
                        try:
                            group.append((request, future.result()))
                        except BackendFatal as err:
                            fatal = fatal or err
                    if group:
                        yield group
            finally:
                self._stop.set()  # on error or early exit: in-flight retries give up at once
        if fatal is not None:
            raise fatal


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _answer_from(parsed: dict, attempts: int) -> Answer:
    choice = parsed["choices"][0] or {}
    message = choice.get("message") or {}
    usage = parsed.get("usage") or {}
    content = message.get("content")
    return Answer(text=content if isinstance(content, str) else "", prompt_tokens=usage.get("prompt_tokens"),
                  completion_tokens=usage.get("completion_tokens"), finish_reason=choice.get("finish_reason"),
                  attempts=attempts)


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
