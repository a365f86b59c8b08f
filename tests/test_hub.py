"""The Hub probe: offline mode and a dead endpoint are answered in seconds; a live endpoint is used."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from ada_t5 import hub


@pytest.fixture
def online(monkeypatch):
    """Offline mode off for this test (conftest turns it on for the suite); no proxy; fresh probe cache."""
    from huggingface_hub import constants

    for var in ("HF_HUB_OFFLINE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    try:
        from datasets import config

        monkeypatch.setattr(config, "HF_HUB_OFFLINE", False)
    except ImportError:
        pass
    hub._probe.cache_clear()
    yield monkeypatch
    hub._probe.cache_clear()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes


def test_offline_mode_is_reported():
    assert hub.hub_offline()
    assert hub.hub_unavailable_reason() == "HF_HUB_OFFLINE is set"


def test_a_dead_endpoint_is_detected_fast(online):
    online.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    reason = hub.hub_unavailable_reason()
    assert reason is not None and "does not answer" in reason
    assert time.monotonic() - started < 5


def test_a_live_endpoint_is_used(online):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        online.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
        assert hub.hub_unavailable_reason() is None
    finally:
        server.shutdown()
        server.server_close()


def test_caption_metrics_fall_back_fast_when_the_hub_is_dead(online):
    """`make finetune` on a machine without a network must not sit through Hub retries at every validation."""
    from ada_t5.metrics import resources

    online.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    online.delenv(resources.TEXT_TOKENIZER_ENV, raising=False)
    online.setattr(resources, "_TOKENIZERS", {})
    started = time.monotonic()
    tokenizer, notes = resources.load_text_tokenizer("auto")
    assert time.monotonic() - started < 10
    assert not tokenizer.molt5_comparable and any("NOT comparable" in note for note in notes)


def test_model_loading_fails_fast_when_the_hub_is_dead(online):
    from ada_t5.modeling import ModelLoadError, load_pretrained_model

    online.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="does not answer"):
        load_pretrained_model("SCIR-HI/ada-t5-small-not-cached")
    assert time.monotonic() - started < 10


def test_paths_and_hub_ids_are_told_apart():
    for path in ("./model", "a/b/c", "/abs", "~/model", "model/", "data/train.tsv", "vocab.txt", "pairs.jsonl",
                 "molecules.smi", "a\\b"):
        assert not hub.looks_like_hub_id(path), path
    for hub_id in ("SCIR-HI/ada-t5-small", "t5-small", "google/t5-v1_1-small", "allenai/scibert_scivocab_uncased"):
        assert hub.looks_like_hub_id(hub_id), hub_id
