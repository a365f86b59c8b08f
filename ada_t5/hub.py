"""Is the Hugging Face Hub usable right now? One quick answer for every loader.

``from_pretrained`` and ``load_dataset`` sit through several retries with back-off (about 25 s per file
with the network blocked) before failing, and the caption metrics look up several files. Every Hub path in
ada-t5 asks here first: offline mode or an endpoint that does not answer a short probe means "use the
local cache only", so a machine without a network fails (or falls back) in seconds, never hangs.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

PROBE_TIMEOUT_ENV = "ADA_T5_HUB_PROBE_TIMEOUT"  # seconds; default 3


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` (or datasets' own switch) is set."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE"):
        return True
    try:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            return True
    except ImportError:
        pass
    try:
        from datasets import config

        return bool(config.HF_HUB_OFFLINE)
    except ImportError:
        return False


def hub_endpoint() -> str:
    from huggingface_hub import constants

    return os.environ.get("HF_ENDPOINT") or constants.ENDPOINT


def hub_unavailable_reason() -> str | None:
    """``None`` when the Hub may be used; otherwise why not (offline mode, or no answer within the probe)."""
    if hub_offline():
        return "HF_HUB_OFFLINE is set"
    endpoint = hub_endpoint()
    timeout = float(os.environ.get(PROBE_TIMEOUT_ENV, "3"))
    if _endpoint_answers(endpoint, timeout):
        return None
    return f"the Hub ({endpoint}) does not answer within {timeout:g} s"


@functools.lru_cache(maxsize=8)
def _endpoint_answers(endpoint: str, timeout: float) -> bool:
    """A TCP connection to the endpoint opens within ``timeout`` (assumed yes behind a proxy, which may be
    the only way out). Asked once per process: the answer does not change within a run."""
    if any(os.environ.get(var) for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    parsed = urlparse(endpoint)
    host = parsed.hostname
    if not host:
        return True
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def looks_like_local_path(name: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else is meant as a path (existing or not)."""
    from pathlib import Path

    return (name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1 or name.endswith("/")
            or Path(name).suffix in (".json", ".model", ".txt", ".tsv", ".csv", ".parquet", ".jsonl"))
