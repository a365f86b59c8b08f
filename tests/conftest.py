"""Shared test set-up: offline Hub, the shared data folder, small helpers."""

from __future__ import annotations

import os
from pathlib import Path

# Offline before anything imports huggingface_hub: a Hub id must fail fast here, never hang or
# silently return an empty tokenizer.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import pytest  # after the environment it reads

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path | None:
    env = os.environ.get("ADA_T5_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for candidate in candidates:
        if (candidate / "chebi20").is_dir():
            return candidate
    return None


SHARED_DATA = _shared_data_dir()
if SHARED_DATA is not None and "NLTK_DATA" not in os.environ:
    os.environ["NLTK_DATA"] = str(SHARED_DATA / "nltk_wordnet" / "nltk_data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder (../shared/data or $ADA_T5_SHARED_DATA); skips with the reason elsewhere."""
    if SHARED_DATA is None:
        pytest.skip("shared data not found: set ADA_T5_SHARED_DATA or place it at ../shared/data beside the repo")
    return SHARED_DATA


# The demo data set is described once per session into a throw-away cache, never into the user's ~/.cache.
if "ADA_T5_CACHE" not in os.environ:
    import tempfile

    os.environ["ADA_T5_CACHE"] = tempfile.mkdtemp(prefix="ada_t5_test_cache_")


@pytest.fixture(scope="session")
def demo_splits():
    """The embedded default data (RDKit's NCI molecules, rule-based descriptions): train/validation/test."""
    from ada_t5 import data

    return data.load_demo_splits(seed=42)


@pytest.fixture(scope="session")
def demo_tokenizer_dir(demo_splits, tmp_path_factory) -> Path:
    """A real SentencePiece T5 tokenizer trained on the demo's train split, saved to a folder."""
    from ada_t5.tokenizer_training import train_tokenizer

    folder = tmp_path_factory.mktemp("demo_tokenizer")
    train = demo_splits["train"]
    train_tokenizer(list(train["smiles"]) + list(train["description"]), vocab_size=1000, output_dir=folder)
    return folder


@pytest.fixture(scope="session")
def demo_tokenizer(demo_tokenizer_dir):
    from ada_t5.tokenization import load_tokenizer

    return load_tokenizer(str(demo_tokenizer_dir))
