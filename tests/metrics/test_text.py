"""mol2text (captioning) suite: MolT5's golden values, equality with a literal reimplementation, bad inputs."""

from __future__ import annotations

import random
import warnings

import pytest

from ada_t5.metrics import MOL2TEXT_KEYS, MetricResourceError, score_mol2text, text
from ada_t5.metrics.bleu import BLEU2_WEIGHTS, BLEU4_WEIGHTS, corpus_bleu, ngram_counts, row_counts, sentence_bleu

from . import molt5_literal
from .conftest import GOLDEN_MOL2TEXT, read_rows


def test_golden_values_of_molt5_example(caption_rows, vocab_txt):
    """BLEU and ROUGE on any clone (fixtures in tests/data); METEOR: the next test."""
    outputs = [r["output"] for r in caption_rows]
    references = [r["ground truth"] for r in caption_rows]
    scores = score_mol2text(outputs, references, text_tokenizer=vocab_txt, meteor=False)
    assert tuple(scores.aggregate) == MOL2TEXT_KEYS
    for key, expected in GOLDEN_MOL2TEXT.items():
        if key != "meteor":
            assert scores.aggregate[key] == pytest.approx(expected, abs=1e-9), key
    assert len(scores.per_example) == len(outputs)
    assert any("vocab.txt" in note for note in scores.notes)


def test_golden_meteor_of_molt5_example(caption_rows, vocab_txt, wordnet_subset):
    """On any clone: the WordNet subset in tests/data gives the full WordNet's METEOR on these captions exactly
    (tests/metrics/test_meteor.py checks that where ../shared holds the full one)."""
    outputs = [r["output"] for r in caption_rows]
    references = [r["ground truth"] for r in caption_rows]
    scores = score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=wordnet_subset, meteor=True)
    assert scores.aggregate["meteor"] == pytest.approx(GOLDEN_MOL2TEXT["meteor"], abs=1e-9)


@pytest.fixture(scope="module")
def base_captions(predictions_dir):
    rows = read_rows(predictions_dir / "molt5-base-smiles2caption.txt")[:300]
    return [r["output"] for r in rows], [r["ground truth"] for r in rows]


def test_fast_path_equals_literal_molt5_on_real_predictions(base_captions, vocab_txt, nltk_data):
    outputs, references = base_captions
    text.clear_cache()
    parallel_cold = score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=nltk_data, num_proc=2)
    cached = score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=nltk_data, num_proc=2)
    in_process = score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=nltk_data, num_proc=1,
                                cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        literal = molt5_literal.mol2text(outputs, references, vocab_txt)
    for key in MOL2TEXT_KEYS:  # identical, not merely close
        assert parallel_cold.aggregate[key] == float(literal[key]), key
        assert cached.aggregate[key] == parallel_cold.aggregate[key] == in_process.aggregate[key], key
    assert cached.per_example == parallel_cold.per_example == in_process.per_example


def test_references_are_prepared_once(base_captions, vocab_txt, monkeypatch):
    outputs, references = base_captions
    text.clear_cache()
    calls = []
    real = text.build_references
    monkeypatch.setattr(text, "build_references", lambda *a: calls.append(1) or real(*a))
    first = score_mol2text(outputs[:50], references[:50], text_tokenizer=vocab_txt, meteor=False)
    second = score_mol2text(outputs[50:100], references[:50], text_tokenizer=vocab_txt, meteor=False)
    assert len(calls) == 1 and first.aggregate != second.aggregate
    score_mol2text(outputs[:50], references[:50], text_tokenizer=vocab_txt, meteor=False, cache=False)
    assert len(calls) == 2


def test_bad_outputs_are_scored_not_fatal(vocab_txt, nltk_data):
    references = ["The molecule is a carboxylic acid.", "It is a conjugate base of acetic acid.",
                  "A [SEP] marker and [CLS] appear here.", "The molecule is an alkane."]
    garbage = "".join(random.Random(0).choice("xq#$%^&*()[]{}<>.,;: \u00e9\u4e2d") for _ in range(10_000))
    outputs = ["", garbage, None, "[CLS] The molecule is an alkane."]
    scores = score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=nltk_data)
    assert all(value is not None for value in scores.aggregate.values())
    assert scores.per_example[0]["bleu4"] == 0 and scores.per_example[0]["rougeL"] == 0
    assert scores.per_example[3]["rougeL"] == 1.0  # the "[CLS] " prefix is stripped, as MolT5 does


def test_length_mismatch_and_types_are_clear_errors(vocab_txt):
    with pytest.raises(ValueError, match="differ in length: 2 outputs, 1 references"):
        score_mol2text(["a", "b"], ["a"], text_tokenizer=vocab_txt, meteor=False)
    with pytest.raises(TypeError, match=r"outputs\[1\]"):
        score_mol2text(["a", 3], ["a", "b"], text_tokenizer=vocab_txt, meteor=False)


def test_empty_input_gives_none_scores(vocab_txt):
    scores = score_mol2text([], [], text_tokenizer=vocab_txt, meteor=False)
    assert scores.aggregate == dict.fromkeys(MOL2TEXT_KEYS)
    assert any("no examples" in note for note in scores.notes)


def test_meteor_required_without_wordnet_is_a_clear_error(tmp_path, vocab_txt):
    with pytest.raises(MetricResourceError, match="WordNet.*nltk.downloader.*--no_meteor"):
        score_mol2text(["a"], ["a"], text_tokenizer=vocab_txt, meteor=True, nltk_data=tmp_path)


def test_meteor_auto_without_wordnet_is_skipped_with_a_note(tmp_path, vocab_txt):
    scores = score_mol2text(["an acid"], ["an acid"], text_tokenizer=vocab_txt, meteor="auto", nltk_data=tmp_path)
    assert scores.aggregate["meteor"] is None and scores.aggregate["bleu2"] is not None
    assert any(note.startswith("meteor: not computed") and str(tmp_path) in note for note in scores.notes)
    disabled = score_mol2text(["an acid"], ["an acid"], text_tokenizer=vocab_txt, meteor="false")
    assert disabled.aggregate["meteor"] is None and "meteor: not computed (disabled)" in disabled.notes


def test_text2mol_plugin_is_called_with_texts_and_smiles(vocab_txt):
    seen = {}

    def fake_text2mol(texts, smiles):
        seen.update(texts=texts, smiles=smiles)
        return [0.5, None]

    scores = score_mol2text(["an acid", "a base"], ["an acid", "a base"], inputs=["CC(=O)O", "N"],
                            text_tokenizer=vocab_txt, meteor=False, text2mol=fake_text2mol)
    assert seen == {"texts": ["an acid", "a base"], "smiles": ["CC(=O)O", "N"]}
    assert scores.aggregate["text2mol"] == 0.5 and scores.per_example[1]["text2mol"] is None


def test_bit_parallel_lcs_equals_dynamic_programming():
    from rouge_score.rouge_scorer import _lcs_table

    rng = random.Random(1)
    for _ in range(500):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("abcdef") for _ in range(rng.randint(1, 70))]
        assert text.lcs_length(a, text._lcs_masks(b), len(b)) == (_lcs_table(a, b)[-1][-1] if a else 0)


def test_bleu_equals_nltk_including_degenerate_rows():
    from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu
    from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu

    rng = random.Random(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns about zero n-gram overlaps
        for _ in range(200):
            n = rng.randint(1, 6)
            refs = [[rng.choice("abcd") for _ in range(rng.randint(0, 9))] for _ in range(n)]
            hyps = [[rng.choice("abcde") for _ in range(rng.randint(0, 9))] for _ in range(n)]
            rows = [row_counts(h, ngram_counts(r)) for h, r in zip(hyps, refs)]
            for weights in (BLEU2_WEIGHTS, BLEU4_WEIGHTS):
                assert corpus_bleu(rows, weights) == nltk_corpus_bleu([[r] for r in refs], hyps, weights=weights)
                for r, h, row in zip(refs, hyps, rows):
                    assert sentence_bleu(row, weights) == nltk_sentence_bleu([r], h, weights=weights)


def test_fast_wordnet_reader_builds_nltks_maps(nltk_data):
    from ada_t5.metrics.meteor import load_wordnet
    from ada_t5.metrics.resources import find_wordnet

    location = find_wordnet(nltk_data)
    fast, stock = load_wordnet(location), load_wordnet(location, fast=False)
    assert fast is not stock and type(fast).__name__ == "FastWordNetCorpusReader"
    assert fast._lemma_pos_offset_map == stock._lemma_pos_offset_map
    assert fast._exception_map == stock._exception_map
    for word in ("molecule", "acid", "derived", "roles", "has", "groups", "better", "conjugated", "is"):
        names = {lemma.name() for synset in fast.synsets(word) for lemma in synset.lemmas()}
        assert names == {lemma.name() for synset in stock.synsets(word) for lemma in synset.lemmas()}, word
