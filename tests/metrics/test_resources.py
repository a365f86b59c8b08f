"""Resource resolution: the caption tokenizer (explicit, env, Hub/cache, fallback), WordNet, offline errors."""

from __future__ import annotations

import logging
import shutil
import time

import pytest

from ada_t5.metrics import MetricResourceError, score_mol2text
from ada_t5.metrics import resources
from ada_t5.metrics.resources import SCIBERT_VOCAB_URL, find_wordnet, load_text_tokenizer

from .conftest import read_rows


@pytest.fixture(autouse=True)
def _fresh_tokenizer_cache():
    resources.clear_tokenizer_cache()
    yield
    resources.clear_tokenizer_cache()


def test_vocab_tokenizer_equals_transformers_on_real_captions(vocab_txt, predictions_dir, tmp_path):
    from transformers import BertTokenizerFast

    shutil.copy(vocab_txt, tmp_path / "vocab.txt")
    reference = BertTokenizerFast.from_pretrained(str(tmp_path))
    ours, _ = load_text_tokenizer(vocab_txt)
    assert ours.vocab_size == resources.SCIBERT_VOCAB_SIZE == len(reference)
    rows = read_rows(predictions_dir / "molt5-base-smiles2caption.txt")
    texts = [r["ground truth"] for r in rows] + [r["output"] for r in rows] + [
        "[CLS] x [SEP] [sep] [PAD][MASK] [UNK]", "Ｆｕｌｌ café 中文 naïve \x00\u200b ok", "word " * 700, ""]
    expected = [[t for t in reference.tokenize(text)[:512] if t not in ("[PAD]", "[CLS]", "[SEP]")]
                for text in texts]
    assert ours.tokenize_batch(texts) == expected
    assert "[UNK]" not in ours.tokenize_batch(["the molecule is an acid"])[0]


def test_folder_env_and_object_specs(vocab_txt, tmp_path, monkeypatch):
    shutil.copy(vocab_txt, tmp_path / "vocab.txt")
    by_folder, notes = load_text_tokenizer(tmp_path)
    assert by_folder.molt5_comparable and str(tmp_path) in notes[0]
    monkeypatch.setenv(resources.TEXT_TOKENIZER_ENV, str(vocab_txt))
    by_env, _ = load_text_tokenizer("auto")
    assert by_env.name == load_text_tokenizer(vocab_txt)[0].name
    from transformers import BertTokenizerFast

    by_object, _ = load_text_tokenizer(BertTokenizerFast.from_pretrained(str(tmp_path)))
    assert by_object.tokenize_batch(["an acid"]) == by_folder.tokenize_batch(["an acid"])


def test_explicit_missing_tokenizer_path_is_a_clear_error(tmp_path):
    with pytest.raises(MetricResourceError, match="does not exist") as error:
        load_text_tokenizer(tmp_path / "nowhere" / "vocab.txt")
    assert SCIBERT_VOCAB_URL in str(error.value) and "--text_tokenizer" in str(error.value)
    with pytest.raises(MetricResourceError, match="without vocab.txt"):
        load_text_tokenizer(tmp_path)


def test_vocab_without_ordinary_words_is_rejected(tmp_path):
    bogus = tmp_path / "vocab.txt"
    bogus.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"x{i}" for i in range(200)]) + "\n")
    with pytest.raises(MetricResourceError, match=r"\[UNK\]"):
        load_text_tokenizer(bogus)


def test_hub_id_offline_fails_fast_with_instructions(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(MetricResourceError) as error:
        load_text_tokenizer("some-org/not-a-cached-tokenizer")
    assert time.monotonic() - start < 30
    assert SCIBERT_VOCAB_URL in str(error.value)


def test_auto_without_any_scibert_falls_back_loudly(monkeypatch, tmp_path, caplog):
    import huggingface_hub.constants

    monkeypatch.delenv(resources.TEXT_TOKENIZER_ENV, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))  # nothing cached
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with caplog.at_level(logging.WARNING):
        scores = score_mol2text(["The molecule is an acid."], ["The molecule is a base."], meteor=False)
    assert scores.aggregate["bleu2"] is not None
    assert any("NOT comparable with MolT5" in note for note in scores.notes)
    assert "NOT comparable with MolT5" in caplog.text
    with pytest.raises(MetricResourceError):  # the same situation, but asked for by name: an error
        score_mol2text(["a"], ["a"], meteor=False, text_tokenizer=resources.SCIBERT_HUB_ID)


def test_wordnet_search_order(nltk_data, tmp_path, monkeypatch):
    monkeypatch.setenv("NLTK_DATA", str(nltk_data))
    assert find_wordnet().nltk_data == str(nltk_data)
    assert find_wordnet(tmp_path) is None  # an explicit folder is the only one searched
    assert find_wordnet([tmp_path, nltk_data]).zipped
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    assert find_wordnet() is None
    message = resources.wordnet_missing_message()
    assert "$NLTK_DATA" in message and str(tmp_path) in message and "--nltk_data" in message
