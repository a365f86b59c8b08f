"""The Seq2SeqTrainer compute_metrics hook, with real (tiny) tokenizers and -100-padded arrays."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import EvalPrediction, PreTrainedTokenizerFast

from ada_t5.metrics import build_compute_metrics, score, text

SPECIALS = ["<pad>", "</s>", "<unk>"]


def _tokenizer(model_tokens: list[str], character_level: bool) -> PreTrainedTokenizerFast:
    vocab = {token: i for i, token in enumerate(SPECIALS + model_tokens)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    if character_level:  # SMILES: one token per character, decoded without spaces
        backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
        backend.decoder = decoders.Fuse()
    else:
        backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>")
    assert tokenizer.pad_token_id == 0
    return tokenizer


def _encode(tokenizer, texts: list[str], width: int, fill: int) -> np.ndarray:
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in texts]
    return np.array([row + [fill] * (width - len(row)) for row in rows])


def test_text2mol_hook_decodes_padded_arrays_and_returns_floats():
    tokenizer = _tokenizer(list("CNO()=c1#[]+-l"), character_level=True)
    references = ["CC(=O)O", "c1ccccc1", "CCN", "CCCl"]
    outputs = ["CC(=O)O", "c1ccccc", "CCO", "C#N"]
    predictions = _encode(tokenizer, outputs, 12, -100)  # gathered generations padded with -100
    labels = _encode(tokenizer, references, 12, -100)
    compute_metrics = build_compute_metrics("text2mol", tokenizer, num_proc=1)
    result = compute_metrics(EvalPrediction(predictions=predictions, label_ids=labels))
    expected = score("text2mol", outputs, references, num_proc=1)
    assert result == expected.floats()
    assert all(isinstance(v, float) for v in result.values()) and not any(k.startswith("eval_") for k in result)
    assert result["validity"] == 0.75 and result["exact"] == 0.25
    # a tuple of (generated ids, extras) and ragged lists work too
    again = compute_metrics(EvalPrediction(predictions=(predictions, None), label_ids=labels))
    ragged = [[i for i in row if i != -100] for row in predictions.tolist()]
    assert again == result == compute_metrics(EvalPrediction(predictions=ragged, label_ids=labels))


def test_mol2text_hook_drops_uncomputed_metrics_and_reuses_references(vocab_txt):
    words = "the molecule is a an acid base conjugate of with role metabolite".split()
    tokenizer = _tokenizer(words, character_level=False)
    references = ["the molecule is an acid", "the molecule is a conjugate base of an acid"]
    outputs = ["the molecule is a base", "the molecule is a conjugate base of an acid"]
    predictions = _encode(tokenizer, outputs, 14, tokenizer.pad_token_id)
    labels = _encode(tokenizer, references, 14, -100)
    text.clear_cache()
    compute_metrics = build_compute_metrics("mol2text", tokenizer, text_tokenizer=vocab_txt, meteor=False)
    result = compute_metrics(EvalPrediction(predictions=predictions, label_ids=labels))
    assert set(result) == {"bleu2", "bleu4", "rouge1", "rouge2", "rougeL"}  # meteor disabled: left out
    assert result == score("mol2text", outputs, references, text_tokenizer=vocab_txt, meteor=False).floats()
    cached_entries = len(text._REFERENCES)
    assert compute_metrics(EvalPrediction(predictions=predictions, label_ids=labels)) == result
    assert len(text._REFERENCES) == cached_entries  # the second validation reused the references


def test_raw_references_and_postprocess(vocab_txt):
    tokenizer = _tokenizer(list("CNO"), character_level=True)
    predictions = _encode(tokenizer, ["CCO", "CN"], 5, -100)
    compute_metrics = build_compute_metrics("text2mol", tokenizer, references=["CCO", "CC"], fcd=False,
                                            postprocess=lambda s: s + "C")
    result = compute_metrics(EvalPrediction(predictions=predictions, label_ids=predictions))
    assert result == score("text2mol", ["CCOC", "CNC"], ["CCO", "CC"], fcd=False).floats()
    with pytest.raises(ValueError, match="2 references but the evaluation produced 1"):
        compute_metrics(EvalPrediction(predictions=predictions[:1], label_ids=predictions[:1]))
    with pytest.raises(ValueError, match="unknown task"):
        build_compute_metrics("captioning", tokenizer)
