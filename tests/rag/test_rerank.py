"""Retrieve-and-rerank (ada_t5.rag.rerank), the likelihood feature (AdaT5.log_likelihood) and `baseline --rerank_k`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from tiny_checkpoints import trained_run

from ada_t5.cli import main
from ada_t5.metrics import read_predictions
from ada_t5.rag import rerank
from ada_t5.rag.pool import Neighbour


def _candidates(texts, features):
    neighbours = [Neighbour(i, "C", t, 1.0) for i, t in enumerate(texts)]
    return rerank.Candidates(list(texts), neighbours, np.asarray(features, dtype=np.float64))


def test_consensus_favours_the_caption_the_others_agree_with():
    texts = ["the molecule is an amino acid", "the molecule is an amino acid derivative",
             "the molecule is an amino acid", "a steroid hormone found in plants"]
    scores = rerank.consensus_scores("mol2text", texts, np.ones(4))
    assert scores[3] == scores.min() and scores[3] < 0.1
    assert scores[0] == scores[2] == scores.max()


def test_consensus_weights_the_others_by_their_retrieval_score():
    texts = ["alpha beta gamma", "alpha beta delta", "epsilon zeta eta"]
    # candidate 0 agrees with 1; candidate 2 agrees with nobody; raising 1's retrieval weight raises 0's consensus
    low = rerank.consensus_scores("mol2text", texts, np.array([1.0, 0.1, 1.0]))
    high = rerank.consensus_scores("mol2text", texts, np.array([1.0, 1.0, 1.0]))
    assert high[0] > low[0] and high[2] == low[2] == 0.0


def test_molecule_consensus_is_morgan_similarity():
    smiles = ["CCO", "CCCO", "CCO", "c1ccccc1"]
    scores = rerank.consensus_scores("text2mol", smiles, np.ones(4))
    assert scores[3] == scores.min()
    assert scores[0] == scores[2] > scores[1]


def test_fit_weights_finds_an_informative_model_feature():
    references = ["the molecule is a sugar", "the molecule is a lipid", "the molecule is a steroid"]
    texts = ["the molecule is a sugar", "the molecule is a lipid", "the molecule is a steroid"]
    candidates = []
    for right in range(3):
        retrieval = [1.0 if i == (right + 1) % 3 else -0.5 for i in range(3)]  # retrieval points elsewhere
        model = [1.0 if i == right else -0.5 for i in range(3)]  # the model points at the reference
        candidates.append(_candidates(texts, np.stack([retrieval, np.zeros(3), model, np.zeros(3)], axis=1)))
    weights, tried = rerank.fit_weights("mol2text", candidates, references, text_tokenizer="simple")
    assert weights.model > weights.retrieval
    assert rerank.choose(candidates, weights) == references
    assert len(tried) == np.prod([len(rerank.GRID[name]) for name in rerank.FEATURES]) - 1


def test_fit_weights_finds_an_informative_lexical_feature_and_can_leave_it_out():
    references = ["the molecule is a sugar", "the molecule is a lipid", "the molecule is a steroid"]
    texts = list(references)
    candidates = []
    for right in range(3):
        retrieval = [1.0 if i == (right + 1) % 3 else -0.5 for i in range(3)]
        lexical = [1.0 if i == right else -0.5 for i in range(3)]
        candidates.append(_candidates(texts, np.stack([retrieval, np.zeros(3), np.zeros(3), lexical], axis=1)))
    weights, _ = rerank.fit_weights("mol2text", candidates, references, text_tokenizer="simple", use_model=False)
    assert weights.lexical > weights.retrieval and weights.model == 0
    assert rerank.choose(candidates, weights) == references
    without, tried = rerank.fit_weights("mol2text", candidates, references, text_tokenizer="simple",
                                        use_model=False, use_lexical=False)
    assert without.lexical == 0 and all(w.lexical == 0 for w, _ in tried)
    assert rerank.choose(candidates, without) != references


def test_build_candidates_scores_each_neighbour_source_by_character_ngrams():
    from ada_t5.rag.pool import RetrievalPool

    descriptions = ["The molecule is a hydroxy fatty acid with a 2-hydroxyhexadecanoyl group.",
                    "The molecule is a steroid found in plants.",
                    "The molecule is a monosaccharide in its pyranose form."]
    pool = RetrievalPool(["CCCCCCCCCCCCCCC(O)C(=O)O", "CC12CCC3C(C1CCC2O)CCC4=CC(=O)CCC34C", "OCC1OC(O)C(O)C(O)C1O"],
                         descriptions)
    query = "The molecule is a hydroxyhexadecanoic acid."
    index = rerank.lexical_index(pool, "text2mol")
    [with_lexical] = rerank.build_candidates(pool, "text2mol", [query], 3, lexical=index)
    [without] = rerank.build_candidates(pool, "text2mol", [query], 3)
    column = rerank.FEATURES.index("lexical")
    fatty = [n.description for n in with_lexical.neighbours].index(descriptions[0])
    scores = with_lexical.features[:, column]
    assert (scores[fatty] > np.delete(scores, fatty)).all()
    assert not without.features[:, column].any()
    assert with_lexical.texts[with_lexical.choose(rerank.RerankWeights(0, 0, 0, 1))] == pool.smiles[0]


def test_weights_parse_and_refuse_unknown_names():
    assert rerank.RerankWeights.parse("retrieval=1,model=2") == rerank.RerankWeights(1.0, 0.0, 2.0)
    assert rerank.RerankWeights.parse("lexical=0.5").lexical == 0.5
    with pytest.raises(ValueError, match="consensus"):
        rerank.RerankWeights.parse("similarity=1")


@pytest.fixture(scope="module")
def mol2text_model():
    from ada_t5 import load

    return load(trained_run("mol2text"), device="cpu")


def test_log_likelihood_is_minus_the_models_own_loss(mol2text_model):
    model, tokenizer = mol2text_model.model, mol2text_model.tokenizer
    sources = ["CCO", "c1ccccc1C(=O)O", "CC(N)C(=O)O"]
    targets = ["The molecule is an alcohol.", "The molecule is an aromatic carboxylic acid with a long name here.",
               "The molecule is an amino acid."]
    batched = mol2text_model.log_likelihood(sources, targets, batch_size=3)
    for source, target, value in zip(sources, targets, batched):
        encoded = tokenizer(mol2text_model.task_prefix + source, return_tensors="pt")
        labels = tokenizer(target, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            loss = model(**encoded, labels=labels).loss.item()
        assert value == pytest.approx(-loss, abs=1e-4)  # padding in the batch changes nothing


def test_log_likelihood_prefers_the_models_own_caption(mol2text_model):
    smiles = ["CCO", "CC(=O)O", "c1ccccc1O"]
    own = [p.text for p in mol2text_model.caption(smiles, max_new_tokens=40)]
    shuffled = [" ".join(reversed(t.split())) for t in own]
    assert all(a > b for a, b in zip(mol2text_model.log_likelihood(smiles, own),
                                     mol2text_model.log_likelihood(smiles, shuffled)))


def _slice(source, target, rows):
    lines = source.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")


def test_baseline_rerank_chooses_among_the_k_neighbours_and_records_its_weights(shared_data, tmp_path):
    chebi = shared_data / "chebi20"
    _slice(chebi / "train_partial.txt", tmp_path / "pool.txt", 400)
    _slice(chebi / "test.txt", tmp_path / "test.txt", 20)
    _slice(chebi / "validation.txt", tmp_path / "validation.txt", 30)
    plain, reranked = tmp_path / "plain.tsv", tmp_path / "reranked.tsv"
    common = ["baseline", "--task", "mol2text", "--pool", str(tmp_path / "pool.txt"), str(tmp_path / "test.txt")]
    assert main([*common, "--output", str(plain)]) == 0
    # retrieval alone as the only weight: the same answers as plain retrieval
    assert main([*common, "--output", str(tmp_path / "same.tsv"), "--rerank_k", "5",
                 "--rerank_weights", "retrieval=1"]) == 0
    assert read_predictions(tmp_path / "same.tsv").outputs == read_predictions(plain).outputs
    assert main([*common, "--output", str(reranked), "--rerank_k", "5", "--rerank_validation",
                 str(tmp_path / "validation.txt"), "--text_tokenizer", "simple"]) == 0
    record = json.loads((tmp_path / "reranked.tsv.rerank.json").read_text())
    without_model = [len(values) for name, values in rerank.GRID.items() if name != "model"]
    assert record["k"] == 5 and record["validation_rows"] == 30 and len(record["tried"]) == np.prod(without_model) - 1
    from ada_t5 import data
    from ada_t5.rag.pool import RetrievalPool

    pool = RetrievalPool.from_dataset(data.load_pairs(tmp_path / "pool.txt"))
    found = pool.nearest_molecules(read_predictions(reranked).inputs, 5)
    for output, neighbours in zip(read_predictions(reranked).outputs, found):
        assert output in {n.description for n in neighbours}


def test_text2mol_rerank_answers_are_pool_molecules(shared_data, tmp_path):
    chebi = shared_data / "chebi20"
    _slice(chebi / "train_partial.txt", tmp_path / "pool.txt", 300)
    _slice(chebi / "test.txt", tmp_path / "test.txt", 15)
    out = tmp_path / "out.tsv"
    assert main(["baseline", "--task", "text2mol", "--pool", str(tmp_path / "pool.txt"), str(tmp_path / "test.txt"),
                 "--output", str(out), "--rerank_k", "4", "--rerank_weights", "retrieval=1,consensus=1"]) == 0
    pool_smiles = {line.split("\t")[1] for line in (tmp_path / "pool.txt").read_text().splitlines()[1:]}
    outputs = read_predictions(out).outputs
    assert len(outputs) == 15 and set(outputs) <= pool_smiles


@pytest.mark.parametrize("flags, message", [
    (["--rerank_k", "3"], "--rerank_validation"),
    (["--rerank_k", "0"], "at least 1"),
    (["--rerank_weights", "retrieval=1"], "--rerank_k 2"),
    (["--rerank_k", "3", "--rerank_weights", "model=1"], "--rerank_model"),
    (["--rerank_k", "3", "--rerank_weights", "bogus=1"], "bogus"),
])
def test_rerank_mistakes_are_one_line_and_status_2(shared_data, tmp_path, capsys, flags, message):
    status = main(["baseline", "--task", "mol2text", "--pool", str(shared_data / "chebi20" / "test.txt"),
                   str(shared_data / "chebi20" / "test.txt"), "--output", str(tmp_path / "p.tsv"), *flags])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
