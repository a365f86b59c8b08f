"""Tokenizer training: SentencePiece unigram with T5 ids, exact round trips, training texts, the script."""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ada_t5 import tokenizer_training as tk
from ada_t5.tokenization import SPIECE_FILE, load_tokenizer, sentinel_token

REPO_ROOT = Path(__file__).resolve().parents[1]

# A small synthetic corpus, so most tests run without the shared data.
_SMILES = [
    "CCO", "CC(=O)O", "c1ccccc1", "C[C@@H](N)C(=O)O", "C[C@H](N)C(=O)O", "F/C=C/F", "F/C=C\\F", "C#N",
    "[NH4+].[Cl-]", "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
    "C1CC2CCC1C2", "O=C([O-])CCC(=O)[O-]", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C%10CCCCC%10", "[2H]C([2H])([2H])O",
]
_DESCRIPTION = ("The molecule is a {cls} that is {parent} substituted by a {group} group at position {n}. "
                "It has a role as a {role}.")
_FILL = dict(cls=["monocarboxylic acid", "primary alcohol", "steroid ester", "amino acid"],
             parent=["ethanol", "benzene", "cholesterol", "L-alanine"], group=["hydroxy", "methyl", "oxo"],
             n=["3", "17", "2S"], role=["metabolite", "human xenobiotic metabolite"])


def synthetic_corpus() -> list[str]:
    keys = list(_FILL)
    descriptions = [_DESCRIPTION.format(**dict(zip(keys, values))) for values in itertools.product(*_FILL.values())]
    return _SMILES * 4 + descriptions


def read_chebi(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["CID", "SMILES", "description"]
    return [r[1] for r in rows[1:]], [r[2] for r in rows[1:]]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(tokenizer, folder): 600 tokens asked for, trained on the synthetic corpus."""
    folder = tmp_path_factory.mktemp("small_tokenizer")
    return tk.train_tokenizer(synthetic_corpus(), vocab_size=600, output_dir=folder, num_threads=2), folder


@pytest.fixture(scope="module")
def chebi(shared_data, tmp_path_factory):
    """(tokenizer, folder) trained on ChEBI-20 *test* SMILES + descriptions (no validation row in it)."""
    smiles, descriptions = read_chebi(shared_data / "chebi20" / "test.txt")
    folder = tmp_path_factory.mktemp("chebi_tokenizer")
    tokenizer = tk.train_tokenizer(smiles + descriptions, vocab_size=2000, output_dir=folder, num_threads=2)
    return tokenizer, folder


# ----------------------------------------------------------------------------------------------- round trips


def test_round_trip_every_chebi20_validation_row(chebi, shared_data):
    tokenizer, _ = chebi
    smiles, descriptions = read_chebi(shared_data / "chebi20" / "validation.txt")
    assert len(smiles) == len(descriptions) == 3301
    for name, texts in (("SMILES", smiles), ("description", descriptions)):
        failures = tk.round_trip_failures(tokenizer, texts)
        assert not failures, f"{len(failures)} {name}s do not round-trip, e.g. {texts[failures[0]]!r}"
    # the plain call, as users write it, agrees
    for text in (smiles[0], descriptions[0]):
        assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text
    # SMILES are split into multi-character pieces, not characters
    assert sum(tk.count_tokens(tokenizer, smiles)) < 0.5 * sum(map(len, smiles))


ROUND_TRIP_CASES = [
    "C[C@@H](N)C(=O)O", "F/C=C\\F", "C/C=C\\\\C", "C#N", "C%10CCCCC%10", "C%12CC%12", "[NH4+].[Cl-]",
    "[O-][N+](=O)c1ccccc1", "CC(C)(C)OC(=O)N[C@@H]1CC[C@H](O)CC1", "c1ccc2ccccc2c1", "[2H]C([2H])([2H])O",
    "Br/C=C/Br", "[Na+].[O-]S(=O)(=O)[O-]", "*C(=O)O*", "[Se]", "B(O)(O)O",
    "The molecule is a ℃-stable α-D-glucose 😀 derivative.", "α-D-glucose", "℃", "😀🧪", "Ω≠ß → ∞",
    "  two leading spaces", "trailing space ", "multiple   internal    spaces", "   ", " ", "x",
    "MiXeD CaSe, UPPER and lower", "tab\tand\nnewline\r\n", "a , b . ( c ) ; d ' e \" f",
    "don't , isn't", "<0x41> and <unk-like> text", "▁not a marker", "1,2-dihydroxy-3-(4-nitrophenyl)propane",
    "(2S,3R)-2-amino-3-hydroxybutanoic acid", "17β-estradiol 3-O-sulfate", "",
]


@pytest.mark.parametrize("which", ["small", "chebi"])
def test_round_trip_hard_strings(which, request):
    tokenizer, _ = request.getfixturevalue(which)
    expected_to_fail = {"▁not a marker"}  # U+2581 is the space marker: it decodes as " " (documented)
    for text in ROUND_TRIP_CASES:
        back = tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True)
        if text in expected_to_fail:
            assert back == text.replace(tk.SPACE_MARKER, " ")
        else:
            assert back == text, f"{text!r} -> {tokenizer.tokenize(text)} -> {back!r}"


def test_byte_fallback_for_unseen_characters(small):
    tokenizer, _ = small
    tokens = tokenizer.tokenize("😀")
    assert tokens == ["<0xF0>", "<0x9F>", "<0x98>", "<0x80>"]
    assert tokenizer.unk_token_id not in tokenizer("α ℃ 😀 ∞").input_ids
    # printable ASCII is always a piece, even when the corpus lacks it
    assert all(len(tokenizer.tokenize(ch)) == 1 for ch in tk.REQUIRED_CHARS)


def test_decoding_does_not_clean_up_spaces(small):
    tokenizer, _ = small
    assert tokenizer.clean_up_tokenization_spaces is False
    text = "acid , ester . ( alcohol ) ; n't 's"
    assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text
    assert tokenizer.batch_decode([tokenizer(text).input_ids], skip_special_tokens=True) == [text]


# ------------------------------------------------------------------------------------------------ T5 layout


def test_special_ids_follow_t5(small):
    tokenizer, _ = small
    assert (tokenizer.pad_token, tokenizer.eos_token, tokenizer.unk_token) == ("<pad>", "</s>", "<unk>")
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
    assert tokenizer.bos_token is None
    sentinels = [sentinel_token(i) for i in range(100)]
    ids = tokenizer.convert_tokens_to_ids(sentinels)
    assert len(set(ids)) == 100 and tokenizer.unk_token_id not in ids
    assert ids == list(range(len(tokenizer) - 1, len(tokenizer) - 101, -1))  # <extra_id_0> highest, as in T5
    assert list(tokenizer.extra_special_tokens) == sentinels
    for token, token_id in zip(sentinels, ids):
        assert tokenizer.tokenize(token) == [token]
        assert tokenizer(f"C{token}O", add_special_tokens=False).input_ids[1] == token_id
    encoded = tokenizer(f"The {sentinels[0]} is {sentinels[1]}.").input_ids
    assert tokenizer.decode(encoded, skip_special_tokens=True) == "The  is ."
    assert set(ids) <= set(tokenizer.all_special_ids)


def test_eos_appended_once(small):
    tokenizer, _ = small
    for text in ("CCO", "The molecule is an alcohol.", ""):
        ids = tokenizer(text).input_ids
        assert ids[-1] == tokenizer.eos_token_id and ids.count(tokenizer.eos_token_id) == 1
        assert tokenizer.eos_token_id not in tokenizer(text, add_special_tokens=False).input_ids
    truncated = tokenizer("The molecule is a primary alcohol that is ethanol.", max_length=4, truncation=True)
    assert len(truncated.input_ids) == 4 and truncated.input_ids[-1] == tokenizer.eos_token_id
    batch = tokenizer(["CCO", "The molecule is an alcohol."], padding=True)
    assert batch.input_ids[0][-1] == tokenizer.pad_token_id
    assert tokenizer.eos_token_id in batch.input_ids[0]


def test_save_load_identical_ids(small):
    from transformers import AutoTokenizer

    tokenizer, folder = small
    assert {"tokenizer.json", "tokenizer_config.json", SPIECE_FILE, tk.TRAINING_INFO_FILE} <= {
        p.name for p in folder.iterdir()}
    for loaded in (AutoTokenizer.from_pretrained(folder), load_tokenizer(folder, require_sentinels=True)):
        assert loaded.get_vocab() == tokenizer.get_vocab()
        assert (loaded.pad_token_id, loaded.eos_token_id, loaded.unk_token_id) == (0, 1, 2)
        assert loaded.clean_up_tokenization_spaces is False
        texts = synthetic_corpus() + ROUND_TRIP_CASES + [f"x {sentinel_token(7)} y"]
        assert loaded(texts).input_ids == tokenizer(texts).input_ids
        assert not tk.round_trip_failures(loaded, [t for t in texts[:-1] if tk.SPACE_MARKER not in t])
    info = json.loads((folder / tk.TRAINING_INFO_FILE).read_text())
    assert info["vocab_size"] == len(tokenizer) and info["sentencepiece_options"]["model_type"] == "unigram"


def test_spiece_model_matches_fast_tokenizer(small):
    import sentencepiece as spm

    tokenizer, folder = small
    processor = spm.SentencePieceProcessor(model_file=str(folder / SPIECE_FILE))
    assert processor.get_piece_size() == len(tokenizer) - 100  # sentinels follow the pieces, as in T5
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    assert tokenizer.convert_ids_to_tokens(list(range(len(pieces)))) == pieces
    for text in synthetic_corpus()[:40] + ["  leading and  double spaces ", "α ℃"]:
        assert processor.decode(processor.encode(text)) == text


def test_training_is_reproducible_and_samples(tmp_path):
    corpus = synthetic_corpus()
    first = tk.train_tokenizer(corpus, vocab_size=600, num_threads=2, seed=3)
    second = tk.train_tokenizer(corpus, vocab_size=600, num_threads=2, seed=3)
    assert first.get_vocab() == second.get_vocab()
    tk.train_tokenizer(corpus, vocab_size=600, num_threads=2, max_sentences=100, output_dir=tmp_path)
    info = json.loads((tmp_path / tk.TRAINING_INFO_FILE).read_text())
    assert (info["texts"], info["texts_available"]) == (100, len(corpus))


def test_vocab_size_limits(caplog):
    corpus = synthetic_corpus()
    minimum = tk.minimum_vocab_size(corpus)
    assert minimum == 3 + 256 + 95 + 100  # specials, bytes, printable ASCII + "▁", sentinels
    with pytest.raises(ValueError,
                       match=r"vocabulary size 300 \(--vocab_size / --tokenizer_vocab_size\) is too small.*need"):
        tk.train_tokenizer(corpus, vocab_size=300)
    with pytest.raises(ValueError, match="supports only"):
        tk.train_tokenizer(corpus, vocab_size=5000, strict_vocab_size=True, num_threads=2)
    with caplog.at_level("WARNING", logger="ada_t5.tokenizer_training"):
        tokenizer = tk.train_tokenizer(corpus, vocab_size=5000, num_threads=2)
    assert minimum <= len(tokenizer) < 5000
    assert "supports only" in caplog.text
    with pytest.raises(TypeError, match="add_dummy_prefix"):
        tk.train_tokenizer(corpus, vocab_size=600, add_dummy_prefix=True)
    with pytest.raises(ValueError, match="no .*texts"):
        tk.train_tokenizer(["", ""], vocab_size=600)


# ----------------------------------------------------------------------------------------- files and script


def test_read_texts_formats(tmp_path):
    tsv = tmp_path / "pairs.txt"
    tsv.write_text("CID\tSMILES\tdescription\n1\tC/C=C\\\\C\tThe molecule is  a butene.\n2\tCCO\tEthanol.\n",
                   encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"first line\r\n\n  indented  \nlast")
    assert tk.read_texts([tsv, plain]) == ["C/C=C\\\\C", "CCO", "The molecule is  a butene.", "Ethanol.",
                                           "first line", "  indented  ", "last"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("CID\tSMILES\tdescription\n1\tCCO\tok\n2\tCCO\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:3: field 'description': missing"):  # said by load_pairs
        tk.read_texts(bad)
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text('{"smiles": "C"}\n')
    with pytest.raises(ValueError, match=r"pairs\.jsonl:1: no 'description' column"):  # said by load_pairs
        tk.read_texts(jsonl)
    with pytest.raises(FileNotFoundError):
        tk.read_texts(tmp_path / "missing.txt")


def test_read_texts_through_the_pair_loader(tmp_path, capsys):
    """Pair files other than TSV go through ada_t5.data.load_pairs: the same pairs in every format it reads
    give the same texts (every SMILES, then every description, as stored), and the CLI trains on them."""
    import pandas as pd
    from datasets import Dataset, DatasetDict

    from ada_t5.cli import main

    pairs = [("C/C=C\\\\C", 'The molecule is  a butene, "quoted".'), ("CCO", "Ethanol.")]
    rows = [{"smiles": s, "description": d} for s, d in pairs]
    expected = [s for s, _ in pairs] + [d for _, d in pairs]
    (tmp_path / "pairs.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")  # the paper's JSON
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with (tmp_path / "pairs.csv").open("w", encoding="utf-8", newline="") as handle:  # aliases, CSV quoting
        csv.writer(handle).writerows([["cid", "SMILES", "caption"], *([i, s, d] for i, (s, d) in enumerate(pairs))])
    pd.DataFrame(rows).to_parquet(tmp_path / "pairs.parquet")
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "saved"))
    DatasetDict({"train": Dataset.from_list(rows), "test": Dataset.from_list([{"smiles": "N", "description": "NH3"}])}
                ).save_to_disk(str(tmp_path / "saved_dict"))  # a folder of splits gives its train split
    (tmp_path / "splits").mkdir()  # MolT5 TSV split files, read verbatim (quotes, doubled backslashes)
    (tmp_path / "splits" / "train.txt").write_text(
        "CID\tSMILES\tdescription\n" + "".join(f"{i}\t{s}\t{d}\n" for i, (s, d) in enumerate(pairs)), encoding="utf-8")
    (tmp_path / "splits" / "test.txt").write_text("CID\tSMILES\tdescription\n9\tN\tNH3\n", encoding="utf-8")
    for name in ("pairs.json", "pairs.jsonl", "pairs.csv", "pairs.parquet", "saved", "saved_dict", "splits"):
        assert tk.read_texts(tmp_path / name) == expected, name

    corpus = tmp_path / "corpus.jsonl"
    tsv, _ = _write_inputs(tmp_path)
    with corpus.open("w", encoding="utf-8") as handle:
        for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
            cid, smiles, text = line.split("\t")
            handle.write(json.dumps({"cid": cid, "smiles": smiles, "text": text}) + "\n")
    assert tk.read_texts(corpus) == tk.read_texts(tsv)
    assert main(["train-tokenizer", "--input", str(corpus), "--output_dir", str(tmp_path / "tok"), "--vocab_size",
                 "600", "--num_threads", "2"]) == 0
    texts = tk.read_texts(tsv)
    assert f"trained on {len(texts):,} of {len(texts):,} texts" in capsys.readouterr().out


def _write_inputs(folder: Path) -> tuple[Path, Path]:
    tsv = folder / "pairs.tsv"
    with tsv.open("w", encoding="utf-8", newline="") as handle:
        handle.write("CID\tSMILES\tdescription\n")
        for i, (smiles, text) in enumerate(zip(itertools.cycle(_SMILES), synthetic_corpus()[len(_SMILES) * 4:])):
            handle.write(f"{i}\t{smiles}\t{text}\n")
    plain = folder / "extra.txt"
    plain.write_text("Another line of text.\nCCN(CC)CC\n", encoding="utf-8")
    return tsv, plain


def test_script_end_to_end(tmp_path):
    tsv, plain = _write_inputs(tmp_path)
    out = tmp_path / "tok"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "train_tokenizer.py"), "--input", str(tsv),
                             "--input", str(plain), "--vocab_size", "600", "--output_dir", str(out), "--seed", "1",
                             "--num_threads", "2"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    texts = tk.read_texts([tsv, plain])
    assert f"round trip: {len(texts):,}/{len(texts):,}" in result.stdout
    tokenizer = load_tokenizer(out, require_sentinels=True)
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1) and len(tokenizer) <= 600
    assert not tk.round_trip_failures(tokenizer, texts)


def test_cli_subcommand(tmp_path, capsys):
    from ada_t5.cli import main

    tsv, _ = _write_inputs(tmp_path)
    assert main(["train-tokenizer", "--input", str(tsv), "--output_dir", str(tmp_path / "tok"), "--vocab_size",
                 "600", "--max_sentences", "200", "--num_threads", "2"]) == 0
    assert "trained on 200 of" in capsys.readouterr().out
    assert main(["train-tokenizer", "--input", str(tsv), "--output_dir", str(tmp_path / "tok2"), "--vocab_size",
                 "100"]) == 2
    assert "too small" in capsys.readouterr().err


def test_split_by_script_cuts_smiles_between_letters_and_symbols(tmp_path):
    """fine-tuning's --tokenizer_split_by_script: no piece joins a letter with ( ) = [ ] @ + - # / \\, the fast
    tokenizer segments as SentencePiece does, and round trips stay exact."""
    import sentencepiece as spm

    corpus = synthetic_corpus()
    joined = tk.train_tokenizer(corpus, vocab_size=600, num_threads=2)
    split = tk.train_tokenizer(corpus, vocab_size=600, num_threads=2, output_dir=tmp_path,
                               split_by_unicode_script=True)
    processor = spm.SentencePieceProcessor(model_file=str(tmp_path / SPIECE_FILE))

    def mixed(piece: str) -> bool:
        piece = piece.lstrip(tk.SPACE_MARKER)
        return any(c.isalpha() for c in piece) and any(not c.isalnum() for c in piece)

    assert any(mixed(p) for s in _SMILES for p in joined.tokenize(s))  # "C(=O)O"-like pieces by default
    for text in corpus[:60] + ["C[C@@H](O)/C=C/Cl", "  two  spaces "]:
        pieces = split.tokenize(text)
        assert not any(mixed(p) for p in pieces), pieces
        assert pieces == processor.encode(text, out_type=str)
        assert split.decode(split(text).input_ids, skip_special_tokens=True) == text
