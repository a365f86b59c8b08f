"""METEOR's WordNet subset in tests/data: it loads anywhere, and where ../shared holds the full WordNet 3.0 it is
rebuilt byte for byte and gives the full WordNet's synsets and METEOR exactly on MolT5's caption example."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from ada_t5.metrics import score_mol2text

from .conftest import FIXTURES

BUILDER = FIXTURES / "build_wordnet_subset.py"


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_wordnet_subset", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(folder: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(folder / "corpora" / "wordnet.zip") as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def test_subset_loads_in_both_readers_with_its_licence(wordnet_subset):
    from ada_t5.metrics.meteor import load_wordnet
    from ada_t5.metrics.resources import find_wordnet

    files = _files(wordnet_subset)
    assert sum(map(len, files.values())) < 300_000
    assert (wordnet_subset / "corpora" / "wordnet.zip").stat().st_size < 100_000
    assert b"WordNet 3.0 Copyright 2006 by Princeton University" in files["wordnet/LICENSE"]
    for name in ("index.noun", "index.verb", "index.adj", "index.adv", "data.noun", "data.verb", "data.adj",
                 "data.adv"):
        assert files[f"wordnet/{name}"].startswith(b"  1 This software and database is being provided"), name
    location = find_wordnet(wordnet_subset)
    fast, stock = load_wordnet(location), load_wordnet(location, fast=False)
    assert type(fast).__name__ == "FastWordNetCorpusReader"  # not the fallback: the subset passes its check
    assert stock.get_version() == "3.0"
    for reader in (fast, stock):  # "groups": an inflected form (morphy), a synonym in the chemical sense
        names = {lemma.name() for synset in reader.synsets("groups") for lemma in synset.lemmas()}
        assert names == {"group", "grouping", "aggroup", "chemical_group", "radical", "mathematical_group"}


def test_subset_is_rebuilt_byte_for_byte_from_the_full_wordnet(builder, nltk_data, wordnet_subset, tmp_path):
    builder.build(nltk_data, tmp_path, builder.golden_words())
    assert _files(tmp_path) == _files(wordnet_subset)


def test_subset_gives_the_full_wordnets_synsets_and_meteor(builder, nltk_data, wordnet_subset, caption_rows,
                                                            vocab_txt):
    words = builder.golden_words()
    for fast in (True, False):
        subset = builder.synset_view(wordnet_subset, words, fast=fast)
        assert subset == builder.synset_view(nltk_data, words, fast=fast)
    assert sum(map(len, subset.values())) > 500  # the words really have synsets to match on
    outputs = [r["output"] for r in caption_rows]
    references = [r["ground truth"] for r in caption_rows]
    scores = [score_mol2text(outputs, references, text_tokenizer=vocab_txt, nltk_data=folder, meteor=True, num_proc=1)
              for folder in (wordnet_subset, nltk_data)]
    assert [row["meteor"] for row in scores[0].per_example] == [row["meteor"] for row in scores[1].per_example]
