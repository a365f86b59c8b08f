"""OpenAI's Batch API as a backend: half the price of live requests, answers within 24 hours, resumable.

``ada-t5 pseudo --backend openai-batch`` sends the same chat requests as the ``openai`` backend, but as files:

1. the pending requests go into JSONL chunks of at most ``max_requests`` lines and ``max_bytes`` (the API's
   limits: 50,000 requests, 200 MB per file), written under ``<output>.batches/`` with a sidecar that holds each
   request's molecule and examples (the provenance, without keeping a million prompts in memory);
2. each chunk is uploaded (``POST /files``, purpose ``batch``) and a batch created (``POST /batches``);
3. batches are polled (``GET /batches/{id}``) until they end; the output and error files are downloaded and
   every answer goes through the runner's filters into the same store, with the same provenance.

Every step is recorded (appended + fsync-ed) in ``<output>.batches.jsonl`` before the next starts, so a restart
at any point goes on where the last run stopped and never pays twice:

* a chunk whose upload was not recorded is uploaded again (an unused file costs nothing);
* a chunk uploaded but whose batch creation was not recorded is looked up among the account's batches by its
  input file id before a new batch is created;
* molecules of a recorded batch that has not been merged are never submitted again: the batch is polled and
  merged; molecules already in the output (a merge cut short by a kill) are not written twice;
* requests of a failed batch (validation error), an expired batch (the part not done in 24 h), a cancelled one,
  or lines the API answered with an error are written nowhere, so the next run submits them again.

``wait=False`` submits and merges what has finished, then returns: run the same command later to collect.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

from ada_t5.pseudo.backends import Answer, Backend, BackendFatal, Request
from ada_t5.pseudo.openai_chat import FATAL_STATUS, _answer_from, max_tokens_field_for

logger = logging.getLogger(__name__)

MAX_REQUESTS = 50_000  # per batch (OpenAI's limit)
MAX_BYTES = 190 * 1024 * 1024  # per input file; the limit is 200 MB
ENDED = {"completed", "failed", "expired", "cancelled"}


def custom_id(key: str) -> str:
    """A short, stable id for a molecule's request (its canonical SMILES can be long)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


class BatchClient:
    """The few Files and Batches endpoints the backend needs, over plain HTTPS (a handful of calls per run)."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 300.0):
        self.base, self._key, self.timeout = base_url.rstrip("/"), api_key, timeout

    def _call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> bytes:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as err:
            text = (err.read() or b"")[:500].decode("utf-8", "replace")
            if self._key:
                text = text.replace(self._key, "***")
            if err.code in FATAL_STATUS or err.code in (400, 422):
                raise BackendFatal(f"{method} {self.base}{path} answered HTTP {err.code}: {text}") from None
            raise
        except urllib.error.URLError as err:
            raise BackendFatal(f"cannot reach {self.base}{path}: {err.reason}") from None

    def _json(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        return json.loads(self._call(method, path, body, "application/json" if body else None))

    def upload(self, path: str) -> str:
        boundary = uuid.uuid4().hex
        with open(path, "rb") as handle:
            content = handle.read()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(path)}\""
                f"\r\nContent-Type: application/jsonl\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        answer = json.loads(self._call("POST", "/files", body, f"multipart/form-data; boundary={boundary}"))
        return answer["id"]

    def create(self, file_id: str, metadata: dict) -> dict:
        return self._json("POST", "/batches", {"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                                               "completion_window": "24h", "metadata": metadata})

    def get(self, batch_id: str) -> dict:
        return self._json("GET", f"/batches/{batch_id}")

    def find(self, file_id: str) -> dict | None:
        """The batch created from ``file_id``, if any (recovers a creation a kill kept us from recording)."""
        after = None
        for _ in range(100):  # newest first; 10,000 batches back at most
            page = self._json("GET", "/batches?limit=100" + (f"&after={after}" if after else ""))
            for batch in page.get("data", []):
                if batch.get("input_file_id") == file_id:
                    return batch
            if not page.get("has_more") or not page.get("data"):
                return None
            after = page["data"][-1]["id"]
        return None

    def content(self, file_id: str) -> bytes:
        return self._call("GET", f"/files/{file_id}/content")


class Journal:
    """``<output>.batches.jsonl``: one JSON line per step (chunk written, uploaded, batch created, merged)."""

    def __init__(self, path: str):
        self.path = path
        self.chunks: dict[int, dict] = {}
        if os.path.exists(path):
            from ada_t5.pseudo import store

            store.repair(path)
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        event = json.loads(line)
                        self.chunks.setdefault(event["chunk"], {}).update(event)

    def record(self, chunk: int, **fields) -> None:
        self.chunks.setdefault(chunk, {}).update(fields)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"chunk": chunk, **fields}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


class BatchBackend(Backend):
    name = "openai-batch"

    def __init__(self, base_url: str, model: str, output: str, *, api_key_env: str = "OPENAI_API_KEY",
                 temperature: float | None = None, max_tokens: int | None = 512, max_tokens_field: str = "auto",
                 max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES, poll_interval: float = 60.0,
                 wait: bool = True, extra_body: dict | None = None):
        if not model:
            raise ValueError("the openai-batch backend needs a model name")
        self.model, self.output = model, os.fspath(output)
        self.client = BatchClient(base_url, os.environ.get(api_key_env) or None)
        self.temperature, self.max_tokens = temperature, max_tokens
        self.max_tokens_field = max_tokens_field_for(base_url, max_tokens_field)
        self.max_requests, self.max_bytes = max(1, max_requests), max_bytes
        self.poll_interval, self.wait = poll_interval, wait
        self.extra_body = dict(extra_body or {})
        self.folder = self.output + ".batches"
        self.journal_path = self.output + ".batches.jsonl"
        self.batches_submitted = self.batches_pending = 0
        self.retries = 0

    def _line(self, request: Request) -> str:
        body = {"model": self.model, "messages": request.messages, **self.extra_body}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens:
            body[self.max_tokens_field] = self.max_tokens
        return json.dumps({"custom_id": custom_id(request.key), "method": "POST", "url": "/v1/chat/completions",
                           "body": body}, ensure_ascii=False) + "\n"

    # --- submitting ---

    def _write_chunk(self, journal: Journal, number: int, lines: list[str], jobs: list[dict]) -> None:
        os.makedirs(self.folder, exist_ok=True)
        requests_path = os.path.join(self.folder, f"chunk-{number:05d}.jsonl")
        for path, rows in ((requests_path, lines), (requests_path[:-len(".jsonl")] + ".jobs.jsonl",
                                                    [json.dumps(j, ensure_ascii=False) + "\n" for j in jobs])):
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                handle.writelines(rows)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(path + ".tmp", path)
        journal.record(number, requests=len(lines), path=requests_path)

    def _submit(self, journal: Journal, number: int) -> None:
        chunk = journal.chunks[number]
        if "file_id" not in chunk:
            journal.record(number, file_id=self.client.upload(chunk["path"]))
            chunk = journal.chunks[number]
        if "batch_id" not in chunk:
            found = self.client.find(chunk["file_id"])
            if found is None:
                found = self.client.create(chunk["file_id"], {"ada_t5_output": os.path.basename(self.output)[:400],
                                                              "ada_t5_chunk": str(number)})
                self.batches_submitted += 1
            journal.record(number, batch_id=found["id"])
            logger.info("batch %s: %d requests (chunk %d)", found["id"], chunk["requests"], number)

    # --- collecting ---

    def _jobs(self, number: int) -> dict[str, Request]:
        from ada_t5.pseudo.inputs import Molecule
        from ada_t5.pseudo.prompts import Example

        path = journal_path_jobs(self.journal_chunk_path(number))
        out = {}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                job = json.loads(line)
                molecule = Molecule(job["id"], job["smiles"], job["canonical"], job["where"])
                examples = [Example(*e) for e in job["examples"]]
                out[job["custom_id"]] = Request(job["canonical"], job["smiles"], [], job=(molecule, examples))
        return out

    def journal_chunk_path(self, number: int) -> str:
        return os.path.join(self.folder, f"chunk-{number:05d}.jsonl")

    def _merge(self, journal: Journal, number: int, batch: dict, wanted: set[str]) -> list[tuple[Request, Answer]]:
        jobs = self._jobs(number)
        answers: dict[str, Answer] = {}
        for field in ("output_file_id", "error_file_id"):
            if batch.get(field):
                for line in self.client.content(batch[field]).decode("utf-8").splitlines():
                    if line.strip():
                        row = json.loads(line)
                        answers[row.get("custom_id")] = _answer_of(row)
        why = _batch_error(batch)
        group = []
        for cid, request in jobs.items():
            if request.key not in wanted:
                continue  # already in the output (a merge a kill cut short) or no longer asked for
            wanted.discard(request.key)
            group.append((request, answers.get(cid) or Answer(error=f"batch {batch['id']} {batch['status']}: {why}")))
        return group

    def run(self, requests: Iterator[Request]) -> Iterator[list[tuple[Request, Answer]]]:
        journal = Journal(self.journal_path)
        open_chunks = [n for n, c in sorted(journal.chunks.items()) if not c.get("merged")]
        awaited = set()  # keys of molecules in recorded, unmerged chunks: never submitted again
        for number in open_chunks:
            awaited |= {r.key for r in self._jobs(number).values()}
        wanted: set[str] = set()
        number = max(journal.chunks, default=0)
        lines, jobs, size = [], [], 0
        for request in requests:
            wanted.add(request.key)
            if request.key in awaited:
                continue
            line = self._line(request)
            if lines and (len(lines) >= self.max_requests or size + len(line.encode()) > self.max_bytes):
                number += 1
                self._write_chunk(journal, number, lines, jobs)
                open_chunks.append(number)
                lines, jobs, size = [], [], 0
            molecule, examples = request.job
            lines.append(line)
            size += len(line.encode())
            jobs.append({"custom_id": custom_id(request.key), "id": molecule.id, "smiles": molecule.smiles,
                         "canonical": molecule.canonical, "where": molecule.where,
                         "examples": [[e.id, e.smiles, e.description, e.similarity] for e in examples]})
        if lines:
            number += 1
            self._write_chunk(journal, number, lines, jobs)
            open_chunks.append(number)
        for chunk in open_chunks:
            self._submit(journal, chunk)
        pending = list(open_chunks)
        while pending:
            still = []
            for chunk in pending:
                batch = self.client.get(journal.chunks[chunk]["batch_id"])
                if batch.get("status") not in ENDED:
                    still.append(chunk)
                    continue
                counts = batch.get("request_counts") or {}
                logger.info("batch %s %s: %s of %s requests answered", batch["id"], batch["status"],
                            counts.get("completed", "?"), counts.get("total", "?"))
                group = self._merge(journal, chunk, batch, wanted)
                if group:
                    yield group
                journal.record(chunk, merged=batch["status"])
            pending = still
            self.batches_pending = len(pending)
            if pending and not self.wait:
                logger.warning("%d batches still running: run the same command again later to collect them",
                               len(pending))
                return
            if pending:
                time.sleep(self.poll_interval)


def journal_path_jobs(requests_path: str) -> str:
    return requests_path[:-len(".jsonl")] + ".jobs.jsonl"


def _answer_of(row: dict) -> Answer:
    response = row.get("response") or {}
    body = response.get("body")
    if response.get("status_code") == 200 and isinstance(body, dict) and body.get("choices"):
        return _answer_from(body, 1)
    error = row.get("error") or (body.get("error") if isinstance(body, dict) else None) or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    code = error.get("code") if isinstance(error, dict) else None
    return Answer(error=f"batch line: {code or response.get('status_code')}: {message}")


def _batch_error(batch: dict) -> str:
    errors = (batch.get("errors") or {}).get("data") or []
    if errors:
        return "; ".join(str(e.get("message", e)) for e in errors[:3])
    return "no answer for this request"
