"""A real chat-completions server on 127.0.0.1 for the pseudo-data tests, with injected faults.

Each molecule (the last ``SMILES: ...`` line of the user message) gets, by a CRC of its SMILES, one of:
a 429 (with ``Retry-After: 0``) on its first attempt, a 500 on its first attempt, a first answer slower than
the client's timeout, or a plain answer. Answers are deterministic English sentences that do not contain the
SMILES. ``answers`` maps a SMILES to a fixed answer text (refusals, echoes); ``statuses`` maps a SMILES to an
HTTP status it always gets (with ``status_message``). The server speaks HTTP/1.1 with keep-alive, counts
requests and 200 answers per molecule, the TCP connections clients opened, and keeps every Authorization
header it received.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # hundreds of clients connect at once (the default backlog is 5)


FIRST_ATTEMPT_FAULTS = ("429", "500", "slow", None, None)

MOLECULES = [  # small, valid, distinct molecules
    "CCO", "CC(=O)O", "c1ccccc1", "CCN", "CCCl", "OC1CCCCC1", "CC(C)O", "C1CCNCC1", "c1ccncc1", "CC(=O)N",
    "CCOC(=O)C", "O=C(O)c1ccccc1", "Nc1ccccc1", "CC#N", "C=CC=O", "OCC(O)CO", "CSC", "CC(C)(C)O", "c1ccoc1",
    "c1ccsc1", "NCC(=O)O", "CC(N)C(=O)O", "OC(=O)CCC(=O)O", "Clc1ccccc1", "Oc1ccccc1", "CCCCCC", "C1CCOC1",
    "CN(C)C", "O=C1CCCCC1", "CCS",
]


def fault_for(smiles: str) -> str | None:
    return FIRST_ATTEMPT_FAULTS[zlib.crc32(smiles.encode()) % len(FIRST_ATTEMPT_FAULTS)]


def answer_for(smiles: str) -> str:
    return f"The molecule is test compound number {zlib.crc32(smiles.encode())}, a member of the mock class."


class ChatServer:
    def __init__(self, *, delay: float = 0.0, slow: float = 1.0, faults: bool = True,
                 answers: dict[str, str] | None = None, status: int | None = None,
                 statuses: dict[str, int] | None = None, status_message: str = "forced status"):
        self.delay, self.slow, self.faults, self.status = delay, slow, faults, status
        self.statuses, self.status_message = dict(statuses or {}), status_message
        self.connections: set = set()
        self.answers = dict(answers or {})
        self.attempts: Counter = Counter()
        self.answered: Counter = Counter()
        self.authorization: list[str | None] = []
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a client may send many requests per connection

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                user = body["messages"][-1]["content"]
                smiles = [line[len("SMILES: "):].strip() for line in user.splitlines()
                          if line.startswith("SMILES: ")][-1]
                with server.lock:
                    server.attempts[smiles] += 1
                    attempt = server.attempts[smiles]
                    server.authorization.append(self.headers.get("Authorization"))
                    server.bodies.append(body)
                    server.connections.add(self.client_address)
                status = server.statuses.get(smiles, server.status)
                if status is not None:
                    return self._send(status, {"error": {"message": server.status_message}})
                fault = fault_for(smiles) if server.faults and attempt == 1 else None
                if fault == "429":
                    return self._send(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"})
                if fault == "500":
                    return self._send(500, {"error": {"message": "internal error"}})
                time.sleep(server.slow if fault == "slow" else server.delay)
                text = server.answers.get(smiles, answer_for(smiles))
                payload = {"id": "x", "object": "chat.completion", "model": body["model"],
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                        "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": len(user.split()), "completion_tokens": len(text.split()),
                                     "total_tokens": len(user.split()) + len(text.split())}}
                if self._send(200, payload):
                    with server.lock:
                        server.answered[smiles] += 1

            def _send(self, status, payload, headers=None) -> bool:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                    return True
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    return False

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat_server():
    """Factory: ``with chat_server(delay=..., answers=...) as server: server.base_url``."""
    return ChatServer


@pytest.fixture
def molecules_file(tmp_path) -> Path:
    path = tmp_path / "molecules.smi"
    path.write_text("".join(f"{s}\tm{i}\n" for i, s in enumerate(MOLECULES)))
    return path


@pytest.fixture
def pool_file(tmp_path) -> Path:
    """A small described pool in MolT5's TSV format (includes two of the query molecules)."""
    rows = [("p1", "CCCO", "The molecule is propanol, a primary alcohol."),
            ("p2", "CC(=O)OC", "The molecule is methyl acetate, an acetate ester."),
            ("p3", "c1ccc(C)cc1", "The molecule is toluene, a methylbenzene."),
            ("p4", "CCO", "The molecule is ethanol, a primary alcohol."),
            ("p5", "CCCN", "The molecule is propylamine, a primary aliphatic amine."),
            ("p6", "OC1CCCC1", "The molecule is cyclopentanol, a cycloalkanol."),
            ("p7", "c1ccccc1", "The molecule is benzene, an aromatic annulene."),
            ("p8", "CCC(=O)O", "The molecule is propionic acid, a short-chain fatty acid.")]
    path = tmp_path / "pool.txt"
    path.write_text("CID\tSMILES\tdescription\n" + "".join(f"{c}\t{s}\t{d}\n" for c, s, d in rows))
    return path
