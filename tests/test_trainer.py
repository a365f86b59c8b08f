"""The Trainer build's tokenizer step: a fresh model gets a tokenizer trained on the train split, as asked."""

from __future__ import annotations

from ada_t5.arguments import ModelArguments
from ada_t5.trainer import prepare_tokenizer


def _mixes_letters_and_symbols(piece: str) -> bool:
    piece = piece.lstrip("\u2581")
    return any(c.isalpha() for c in piece) and any(not c.isalnum() for c in piece)


def test_a_fresh_tokenizer_splits_smiles_by_script_when_asked(tmp_path):
    from datasets import Dataset

    from ada_t5 import data

    train = data.load_demo_splits(n=200, cache_dir=tmp_path / "cache")["train"]
    rows = Dataset.from_dict({"smiles": list(train["smiles"]), "description": list(train["description"])})
    mixed = {}
    for split in (False, True):
        args = ModelArguments(model_shape="tiny", tokenizer_vocab_size=600, tokenizer_split_by_script=split)
        tokenizer = prepare_tokenizer(args, tmp_path / f"run-{split}", None, lambda: rows)
        assert (tmp_path / f"run-{split}" / "tokenizer" / "tokenizer.json").is_file()
        mixed[split] = [p for s in train["smiles"] for p in tokenizer.tokenize(s) if _mixes_letters_and_symbols(p)]
    assert mixed[False]  # by default pieces such as "C(" or "(=O)" join atoms and symbols
    assert mixed[True] == []
