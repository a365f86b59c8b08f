"""Is the Hugging Face Hub usable right now? One quick answer for every loader.

``from_pretrained`` and ``load_dataset`` sit through several retries with back-off (about 25 s per file
with the network blocked) before failing, and the caption metrics look up several files. Every Hub path in
ada-t5 asks here first: offline mode or an endpoint that does not answer a short probe means "use the
local cache only", so a machine without a network fails (or falls back) in seconds, never hangs.
"""

from __future__ import annotations

import functools
import os
import re

PROBE_TIMEOUT_ENV = "ADA_T5_HUB_PROBE_TIMEOUT"  # seconds; default 3


def hub_offline(*, datasets_too: bool = False) -> bool:
    """``HF_HUB_OFFLINE`` is set (as huggingface_hub read it); with ``datasets_too``, also datasets' own
    ``HF_DATASETS_OFFLINE``, which governs ``load_dataset``."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return True
    if datasets_too:
        from datasets import config

        return bool(config.HF_HUB_OFFLINE)
    return False


def hub_endpoint() -> str:
    from huggingface_hub import constants

    return os.environ.get("HF_ENDPOINT") or constants.ENDPOINT


def hub_unavailable_reason(timeout: float | None = None, *, datasets_too: bool = False) -> str | None:
    """``None`` when the Hub may be used; otherwise why not (offline mode, or no answer within the probe)."""
    if hub_offline(datasets_too=datasets_too):
        return "HF_HUB_OFFLINE is set"
    endpoint = hub_endpoint()
    timeout = float(os.environ.get(PROBE_TIMEOUT_ENV, "3")) if timeout is None else timeout
    failure = _probe(endpoint, timeout)
    return None if failure is None else f"the Hub ({endpoint}) does not answer ({failure})"


@functools.lru_cache(maxsize=8)
def _probe(endpoint: str, timeout: float) -> str | None:
    """One HEAD request to the endpoint: any HTTP answer (even an error status) means it is there. A refused
    connection, a DNS failure, or a server that accepts and then stays silent all fail within ``timeout``.
    Asked once per endpoint per process: the answer does not change within a run."""
    from huggingface_hub.utils import get_session

    try:
        get_session().head(endpoint, timeout=timeout, follow_redirects=False)
    except Exception as error:  # noqa: BLE001 - any failure to get an answer means "unusable"
        text = " ".join(str(error).split())
        return f"{type(error).__name__}: {text[:120]}" if text else type(error).__name__
    return None


_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
# Suffixes of the files ada-t5 reads (pairs, molecules, vocabularies, tokenizer models): a name ending in one
# is meant as a file, even where it could also spell a repository name.
FILE_SUFFIXES = frozenset({".txt", ".tsv", ".csv", ".json", ".jsonl", ".ndjson", ".parquet", ".pq", ".model",
                           ".smi", ".smiles", ".sdf", ".mol", ".mol2"})


def looks_like_hub_id(name: str) -> bool:
    """``name`` or ``owner/name`` in the Hub's characters, not ending in a file suffix; anything else (``./x``,
    ``a/b/c``, ``~/x``, ``data/train.tsv``) is meant as a local path, existing or not. Callers look for the
    local path first: a folder called ``t5-small`` wins over the Hub id."""
    return bool(_HUB_ID.match(name)) and os.path.splitext(name)[1].lower() not in FILE_SUFFIXES
