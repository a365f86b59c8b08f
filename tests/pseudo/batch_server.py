"""A fake OpenAI Files + Batches API on 127.0.0.1 (``POST /v1/files``, ``POST/GET /v1/batches``,
``GET /v1/files/{id}/content``), for the batch backend's tests.

Batches end after ``polls_to_finish`` status requests, each with the next fate in ``fates`` (then
``"complete"``): ``complete`` answers every line; ``expire`` answers the first half and reports the rest as
``batch_expired`` in the error file; ``fail`` answers nothing (a validation error, as for an unknown model).
Answers use :func:`conftest.answer_for`. ``paid`` counts answered lines per custom_id (what would be billed),
``created`` the batches created.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import answer_for


class BatchServer:
    def __init__(self, fates=(), polls_to_finish: int = 2):
        self.fates, self.polls_to_finish = list(fates), polls_to_finish
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.paid: Counter = Counter()
        self.created = 0
        self.authorization: list[str | None] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload, raw: bytes | None = None):
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.authorization.append(self.headers.get("Authorization"))
                    if self.path == "/v1/files":
                        boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
                        part = next(p for p in body.split(b"--" + boundary) if b'name="file"' in p)
                        content = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
                        file_id = f"file-{len(server.files) + 1}"
                        server.files[file_id] = content
                        return self._send(200, {"id": file_id, "object": "file", "purpose": "batch"})
                    if self.path == "/v1/batches":
                        request = json.loads(body)
                        if request["input_file_id"] not in server.files:
                            return self._send(400, {"error": {"message": "no such file"}})
                        server.created += 1
                        batch_id = f"batch_{server.created}"
                        server.batches[batch_id] = {
                            "id": batch_id, "object": "batch", "status": "validating", "polls": 0,
                            "input_file_id": request["input_file_id"], "metadata": request.get("metadata"),
                            "fate": server.fates.pop(0) if server.fates else "complete"}
                        return self._send(200, self._public(server.batches[batch_id]))
                return self._send(404, {"error": {"message": "unknown path"}})

            def do_GET(self):
                with server.lock:
                    if self.path.startswith("/v1/batches?"):
                        data = [self._public(b) for b in reversed(server.batches.values())]
                        return self._send(200, {"object": "list", "data": data, "has_more": False})
                    if self.path.startswith("/v1/batches/"):
                        batch = server.batches.get(self.path.rsplit("/", 1)[1])
                        if batch is None:
                            return self._send(404, {"error": {"message": "no such batch"}})
                        batch["polls"] += 1
                        if batch["status"] not in ("completed", "failed", "expired") and \
                                batch["polls"] >= server.polls_to_finish:
                            server._finish(batch)
                        elif batch["status"] == "validating":
                            batch["status"] = "in_progress"
                        return self._send(200, self._public(batch))
                    if self.path.startswith("/v1/files/") and self.path.endswith("/content"):
                        content = server.files.get(self.path.split("/")[3])
                        if content is None:
                            return self._send(404, {"error": {"message": "no such file"}})
                        return self._send(200, None, raw=content)
                return self._send(404, {"error": {"message": "unknown path"}})

            @staticmethod
            def _public(batch):
                return {k: v for k, v in batch.items() if k not in ("polls", "fate")}

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _finish(self, batch):
        lines = [json.loads(line) for line in self.files[batch["input_file_id"]].decode().splitlines() if line.strip()]
        if batch["fate"] == "fail":
            batch.update(status="failed", errors={"object": "list", "data": [
                {"code": "model_not_found", "message": "The model 'mock-llm' does not exist", "line": 1}]},
                request_counts={"total": 0, "completed": 0, "failed": 0})
            return
        answered = lines if batch["fate"] == "complete" else lines[:len(lines) // 2]
        output, errors = [], []
        for line in answered:
            user = line["body"]["messages"][-1]["content"]
            smiles = [x[len("SMILES: "):].strip() for x in user.splitlines() if x.startswith("SMILES: ")][-1]
            text = answer_for(smiles)
            self.paid[line["custom_id"]] += 1
            output.append({"id": f"req_{line['custom_id']}", "custom_id": line["custom_id"], "error": None,
                           "response": {"status_code": 200, "request_id": "r", "body": {
                               "id": "c", "object": "chat.completion", "model": line["body"]["model"],
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                            "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": len(user.split()), "completion_tokens": len(text.split())}}}})
        for line in lines[len(answered):]:
            errors.append({"id": f"req_{line['custom_id']}", "custom_id": line["custom_id"], "response": None,
                           "error": {"code": "batch_expired", "message": "This request could not be executed "
                                                                          "before the completion window expired."}})
        batch["status"] = "completed" if batch["fate"] == "complete" else "expired"
        batch["request_counts"] = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        for field, rows in (("output_file_id", output), ("error_file_id", errors)):
            if rows:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[field] = file_id

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
