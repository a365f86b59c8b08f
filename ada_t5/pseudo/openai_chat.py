"""OpenAI-compatible chat completions at volume (OpenAI, vLLM, llama.cpp server, Ollama, gateways).

:class:`OpenAIBackend` sends ``POST {base_url}/chat/completions`` from one asyncio loop (in a helper thread)
over one aiohttp session: connections are kept alive and reused, so a hosted TLS endpoint pays one handshake
per connection rather than per request, and ``concurrency`` requests (hundreds are fine) are in flight at once
while the calling thread builds prompts and writes answers. It replaces a ``urllib`` thread pool that opened a
new connection per request (issue 13). Unchanged from that client:

* at most ``requests_per_minute`` (evenly spaced; 0: no limit);
* 429 / 5xx / timeouts / dropped connections retried up to ``max_retries`` times with exponential backoff and
  jitter, ``Retry-After`` respected;
* 401 / 403 / 404 stop the run (:class:`BackendFatal`): every further request would fail the same way;
* the API key is read from the environment variable named ``api_key_env``, sent in the ``Authorization``
  header only, and never logged, returned or written (error texts are scrubbed of it).

New: a 400 / 422 before the run's first answer (an unknown model, a parameter the endpoint rejects) and a
refused first connection are fatal at once with the server's own message, instead of one failure per molecule;
after a first answer a 400 is that prompt's problem (e.g. too long) and only that molecule fails. The answer
token limit goes in ``max_completion_tokens`` for api.openai.com and ``max_tokens`` elsewhere (``max_tokens_field``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator

from ada_t5.errors import ArgumentError
from ada_t5.pseudo.backends import Answer, Backend, BackendFatal, Request

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524, 529}
FATAL_STATUS = {401, 403, 404}
BAD_REQUEST_STATUS = {400, 422}  # fatal only before the run's first answer (see OpenAIBackend.complete)


class RateLimiter:
    """At most ``per_minute`` requests per minute, evenly spaced (0: unlimited); usable from threads and tasks."""

    def __init__(self, per_minute: float):
        self.interval = 60.0 / per_minute if per_minute and per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Book the next slot; returns how long to wait for it."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        return start - now

    def acquire(self) -> None:
        delay = self._reserve()
        if delay > 0:
            time.sleep(delay)

    async def wait(self) -> None:
        delay = self._reserve()
        if delay > 0:
            await asyncio.sleep(delay)


MAX_TOKENS_FIELDS = ("auto", "max_completion_tokens", "max_tokens")


def max_tokens_field_for(base_url: str, field: str = "auto") -> str:
    """The body field that carries the answer token limit. OpenAI deprecated ``max_tokens`` for
    ``max_completion_tokens`` (its reasoning models reject the old one); vLLM, llama.cpp and Ollama servers all
    read ``max_tokens``. ``auto``: the new field for api.openai.com, the old one elsewhere."""
    if field not in MAX_TOKENS_FIELDS:
        raise ArgumentError(f"max_tokens_field must be one of {', '.join(MAX_TOKENS_FIELDS)}, not {field!r}")
    if field != "auto":
        return field
    host = urllib.parse.urlsplit(base_url).hostname or ""
    return "max_completion_tokens" if host == "api.openai.com" else "max_tokens"


class OpenAIBackend(Backend):
    """``POST {base_url}/chat/completions`` from one asyncio loop (in a helper thread) over one aiohttp session:
    connections are kept alive and reused, so a hosted TLS endpoint pays one handshake per connection, not per
    request, and ``concurrency`` requests (hundreds are fine) are in flight at once."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key_env: str = "OPENAI_API_KEY", concurrency: int = 8,
                 requests_per_minute: float = 0, max_retries: int = 6, timeout: float = 120.0,
                 temperature: float | None = None, max_tokens: int | None = 512, max_tokens_field: str = "auto",
                 backoff_base: float = 1.0, backoff_max: float = 60.0, extra_body: dict | None = None):
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
        self.max_tokens_field = max_tokens_field_for(base_url, max_tokens_field)
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.extra_body = dict(extra_body or {})
        self.retries = 0  # how many retries the run needed (all requests)
        self.peak_in_flight = 0  # the most HTTP requests open at once
        self._in_flight = 0
        self._answered = False  # a first 200 came: from then on a 400 is this prompt's problem, not the run's
        self._stop: asyncio.Event | None = None

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def body(self, messages) -> dict:
        body = {"model": self.model, "messages": messages, **self.extra_body}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens:
            body[self.max_tokens_field] = self.max_tokens
        return body

    def _headers(self) -> dict:
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    async def _post(self, session, data: bytes) -> tuple[int, dict | None, str, float | None]:
        """(status, parsed JSON or None, short text for messages, Retry-After seconds or None)."""
        async with session.post(self.url, data=data) as response:
            raw = await response.read()
            status = response.status
            retry_after = _retry_after(response.headers.get("Retry-After")) if status != 200 else None
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        return status, parsed, self._scrub(_message(parsed, raw)), retry_after

    async def complete(self, session, slots: asyncio.Semaphore, messages) -> Answer:
        """One chat completion, with retries; never raises except :class:`BackendFatal`."""
        import aiohttp

        data = json.dumps(self.body(messages)).encode("utf-8")
        last_error = "no attempt made"
        attempt = 0
        for attempt in range(1, self.max_retries + 2):
            if self._stop.is_set():
                return Answer(error="run stopped", attempts=attempt - 1)
            retry_after = None
            async with slots:
                await self.limiter.wait()
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                try:
                    status, parsed, text, retry_after = await self._post(session, data)
                except asyncio.TimeoutError as err:
                    last_error = f"timeout after {self.timeout:g} s ({type(err).__name__})"
                except aiohttp.ClientConnectorError as err:
                    if not self._answered:  # a refused first connection: wrong URL or server down
                        raise BackendFatal(self._scrub(f"cannot connect to {self.url}: {err.os_error}")) from None
                    last_error = self._scrub(f"connection error: {err}")
                except (aiohttp.ClientError, OSError) as err:
                    last_error = self._scrub(f"connection error: {type(err).__name__}: {err}")
                else:
                    if status == 200 and isinstance(parsed, dict) and parsed.get("choices"):
                        self._answered = True
                        return _answer_from(parsed, attempt)
                    if status in FATAL_STATUS:
                        raise BackendFatal(f"{self.url} answered HTTP {status}: {text}")
                    if status in BAD_REQUEST_STATUS and not self._answered:
                        raise BackendFatal(f"{self.url} answered HTTP {status} to the first requests, so every "
                                           f"request would fail (a parameter or model it rejects): {text}")
                    last_error = f"HTTP {status}: {text}"
                    if status != 200 and status not in RETRYABLE_STATUS:
                        return Answer(error=last_error, attempts=attempt)  # e.g. 400: this prompt will not work
                finally:
                    self._in_flight -= 1
            if attempt > self.max_retries:
                break
            self.retries += 1
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.backoff_max))
            logger.debug("retrying in %.2f s after %s", delay, last_error)
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
        return Answer(error=f"gave up after {self.max_retries + 1} attempts: {last_error}", attempts=attempt)

    async def _open(self):
        import aiohttp

        self._stop = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=self.concurrency, keepalive_timeout=60)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        return aiohttp.ClientSession(connector=connector, timeout=timeout, headers=self._headers()), \
            asyncio.Semaphore(self.concurrency)

    async def _close(self, session) -> None:
        self._stop.set()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="pseudo-http", daemon=True)
        thread.start()
        finished: queue.SimpleQueue = queue.SimpleQueue()
        session, slots = asyncio.run_coroutine_threadsafe(self._open(), loop).result()
        self._answered = False
        requests = iter(requests)
        pending, exhausted = 0, False
        fatal: BaseException | None = None
        window = 2 * self.concurrency  # prompts built ahead of the connections that will send them
        try:
            while True:
                while not exhausted and fatal is None and pending < window:
                    request = next(requests, None)
                    if request is None:
                        exhausted = True
                        break
                    future = asyncio.run_coroutine_threadsafe(self.complete(session, slots, request.messages), loop)
                    future.add_done_callback(lambda f, r=request: finished.put((r, f)))
                    pending += 1
                if not pending:
                    break
                ready = [_get(finished)]
                while True:
                    try:
                        ready.append(finished.get_nowait())
                    except queue.Empty:
                        break
                group = []
                for request, future in ready:
                    pending -= 1
                    if future.cancelled():
                        continue
                    error = future.exception()
                    if isinstance(error, BackendFatal):
                        if fatal is None:
                            fatal = error
                            loop.call_soon_threadsafe(self._stop.set)  # in-flight retries give up at once
                    elif error is not None:
                        raise error
                    else:
                        group.append((request, future.result()))
                if group:
                    yield group
        finally:
            try:
                asyncio.run_coroutine_threadsafe(self._close(session), loop).result(timeout=30)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout=30)
                if not thread.is_alive():
                    loop.close()
        if fatal is not None:
            raise fatal


def _get(finished: queue.SimpleQueue):
    while True:  # a timeout, so Ctrl-C reaches the main thread promptly
        try:
            return finished.get(timeout=0.5)
        except queue.Empty:
            continue


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _message(parsed, raw: bytes) -> str:
    """The server's own error message when it sent one (OpenAI, vLLM: ``{"error": {"message": ...}}``)."""
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"][:500]
        if isinstance(error, str):
            return error[:500]
        if isinstance(parsed.get("message"), str):
            return parsed["message"][:500]
    return raw[:300].decode("utf-8", "replace")


def _answer_from(parsed: dict, attempts: int) -> Answer:
    choice = parsed["choices"][0] or {}
    message = choice.get("message") or {}
    usage = parsed.get("usage") or {}
    content = message.get("content")
    return Answer(text=content if isinstance(content, str) else "", prompt_tokens=usage.get("prompt_tokens"),
                  completion_tokens=usage.get("completion_tokens"), finish_reason=choice.get("finish_reason"),
                  attempts=attempts)


