"""Tokenizer loading: missing and empty folders, offline and unreachable Hub ids, unusable vocabularies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ada_t5 import tokenization as tk


@pytest.fixture(autouse=True, scope="module")
def _transformers_imported():
    """The timed checks below are about failing fast, not about importing transformers (seconds on a busy machine;
    they used to follow the training tests, which imported it)."""
    from transformers import AutoTokenizer  # noqa: F401


def test_load_tokenizer_missing_folder_and_empty_folder(tmp_path):
    started = time.perf_counter()
    for missing in (str(tmp_path / "nope"), "./runs/does-not-exist", "runs/a/b/tokenizer"):
        with pytest.raises(tk.TokenizerLoadError, match="does not exist") as err:
            tk.load_tokenizer(missing)
        assert missing in str(err.value)
    with pytest.raises(tk.TokenizerLoadError, match="holds no tokenizer files") as err:
        tk.load_tokenizer(tmp_path)
    assert str(tmp_path) in str(err.value)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(tk.TokenizerLoadError, match="is a file"):
        tk.load_tokenizer(tmp_path / "notes.txt")
    assert time.perf_counter() - started < 10


def test_load_tokenizer_offline_hub_id_fails_fast(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    with pytest.raises(tk.TokenizerLoadError) as err:
        tk.load_tokenizer("google-t5/t5-small-not-cached-here")
    message = str(err.value)
    assert "google-t5/t5-small-not-cached-here" in message
    assert "not in the local Hugging Face cache" in message and "HF_HUB_OFFLINE" in message
    assert "pass a local folder" in message
    assert time.perf_counter() - started < 15


def test_load_tokenizer_unreachable_hub_fails_fast(monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: connection refused at once
    started = time.perf_counter()
    with pytest.raises(tk.TokenizerLoadError, match=r"does not answer .*; pass a local folder"):
        tk.load_tokenizer("someone/molt5-like", hub_probe_timeout=1.0)
    assert time.perf_counter() - started < 15


def _save_word_level(folder: Path, size: int, **special) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "</s>": 1, **{f"w{i}": i + 2 for i in range(size - 2)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", **special).save_pretrained(folder)
    return folder


def test_load_tokenizer_reports_what_is_missing(tmp_path):
    no_pad = _save_word_level(tmp_path / "no_pad", 200, eos_token="</s>")
    with pytest.raises(tk.TokenizerLoadError, match="no pad token") as err:
        tk.load_tokenizer(no_pad)
    assert str(no_pad) in str(err.value)
    with pytest.raises(tk.TokenizerLoadError, match=r"no pad token; no T5 sentinel <extra_id_0>"):
        tk.load_tokenizer(no_pad, require_sentinels=True)
    tiny = _save_word_level(tmp_path / "tiny", 20, eos_token="</s>", pad_token="</s>")
    with pytest.raises(tk.TokenizerLoadError, match="only 20 tokens"):
        tk.load_tokenizer(tiny)
    assert len(tk.load_tokenizer(_save_word_level(tmp_path / "ok", 200, eos_token="</s>", pad_token="</s>"))) == 200
