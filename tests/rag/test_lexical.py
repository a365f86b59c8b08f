"""Character n-gram TF-IDF similarity (ada_t5.rag.lexical)."""

from __future__ import annotations

import numpy as np
import pytest

from ada_t5.rag.lexical import CharNgramIndex

POOL = ["The molecule is a long-chain fatty acid.", "The molecule is a steroid.", "The molecule is a sugar.",
        "The molecule is a 2-hydroxyhexadecanoic acid."]


def test_identical_text_is_one_and_unrelated_text_is_zero():
    index = CharNgramIndex(POOL, lowercase=True)
    sims = index.similarities("The molecule is a steroid.", ["The molecule is a steroid.", "xyzzy qwerty", ""])
    assert sims[0] == pytest.approx(1.0)
    assert sims[1] == 0.0 and sims[2] == 0.0


def test_a_shared_name_fragment_outweighs_the_words_every_text_has():
    index = CharNgramIndex(POOL, lowercase=True)
    sims = index.similarities("A hexadecanoic acid derivative.", POOL)
    assert int(np.argmax(sims)) == 3


def test_rare_grams_weigh_more_than_grams_of_every_pool_text():
    index = CharNgramIndex(POOL, lowercase=True)
    common, _ = index.vector("molecule")
    rare, _ = index.vector("steroid")
    assert index.idf[rare].mean() > index.idf[common].mean()


def test_case_is_kept_for_smiles_and_folded_for_text():
    aromatic, aliphatic = "c1ccccc1O", "C1CCCCC1O"
    assert CharNgramIndex([aromatic], lowercase=False).similarities(aromatic, [aliphatic])[0] < 0.5
    assert CharNgramIndex([aromatic], lowercase=True).similarities(aromatic, [aliphatic])[0] == pytest.approx(1.0)


def test_bad_ngram_sizes_are_refused():
    with pytest.raises(ValueError, match="n_min"):
        CharNgramIndex(POOL, lowercase=True, n_min=4, n_max=3)
