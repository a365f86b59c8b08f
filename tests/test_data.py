"""ada_t5.data: every pair format on the real files, bad input, skip reports, splits, the Hub, the demo."""

from __future__ import annotations

import json
import logging
import time

import pytest

from ada_t5 import chem, data
from ada_t5.data import assemble, demo, json_files, json_stream

# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def chebi(shared_data):
    return shared_data / "chebi20"


@pytest.fixture(scope="module")
def samples(shared_data):
    return shared_data / "ada_t5_samples"


@pytest.fixture(scope="module")
def validation_keep(chebi):
    return data.load_pairs(chebi / "validation.txt", return_report=True)


@pytest.fixture(scope="module")
def validation_unescaped(chebi):
    return data.load_pairs(chebi / "validation.txt", smiles_backslashes="unescape")


def raw_tsv_rows(path):
    """The file's rows split by hand (header dropped): the reference the loader must reproduce exactly."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [line.split("\t") for line in lines[1:] if line]


def write(path, text: str | bytes):
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def as_rows(dataset):
    return list(zip(dataset["smiles"], dataset["description"], dataset["id"]))


# ----------------------------------------------------------------------------------- real files, every format


def test_molt5_tsv_real_files(chebi, validation_keep):
    dataset, report = validation_keep
    assert dataset.column_names == ["smiles", "description", "id"]
    assert len(dataset) == 3301 and report.rows_read == report.rows_kept == 3301 and report.skipped_count == 0
    assert report.format == "molt5" and report.unit == "line"
    assert as_rows(dataset) == [(s, d, c) for c, s, d in raw_tsv_rows(chebi / "validation.txt")]

    test = data.load_pairs(chebi / "test.txt")
    assert len(test) == 3300
    assert test["id"][:2] == ["5354212", "53239731"]  # CIDs as strings, file order
    assert as_rows(test) == [(s, d, c) for c, s, d in raw_tsv_rows(chebi / "test.txt")]


def test_molt5_train_partial(chebi):
    dataset = data.load_pairs(chebi / "train_partial.txt")
    assert len(dataset) == 9958
    assert dataset[0]["id"] == "129626631" and dataset[-1]["id"] == "89436"
    assert sum("℃" in d for d in dataset["description"]) == 15  # the file's only non-ASCII character


def test_doubled_backslashes_on_real_files(chebi, validation_keep, validation_unescaped):
    keep, _ = validation_keep
    affected = [i for i, s in enumerate(keep["smiles"]) if "\\\\" in s]
    assert len(affected) == 502  # validation.txt rows holding MolT5's doubled backslashes
    raw_text = (chebi / "test.txt").read_text(encoding="utf-8")
    assert sum("\\\\" in line for line in raw_text.split("\n")) == 484  # and in test.txt: 986 in all
    unescaped = validation_unescaped["smiles"]
    assert not any("\\\\" in s for s in unescaped)
    for i in range(len(keep)):
        if i in set(affected):
            assert unescaped[i] == keep["smiles"][i].replace("\\\\", "\\")
        else:
            assert unescaped[i] == keep["smiles"][i]
    # both spellings parse (each load validated every SMILES) and are the same molecule
    for i in affected:
        assert chem.canonical_smiles(keep["smiles"][i]) == chem.canonical_smiles(unescaped[i]) is not None
    assert validation_unescaped["description"] == keep["description"]


def test_paper_json_samples(samples, chebi):
    expected = {"ChEBI-20": (5, 5, 5), "PCdes": (5, 5, 5), "DrugBank-23": (6, 5, 5)}
    for name, sizes in expected.items():
        for split, size in zip(("train", "validation", "test"), sizes):
            dataset, report = data.load_pairs(samples / "finetune" / "data" / name / f"{split}.json",
                                              return_report=True)
            assert len(dataset) == size and report.format == "json" and dataset["id"] == [None] * size
    assert len(data.load_pairs(samples / "pretrain" / "data" / "train.json")) == 6

    # The paper's ChEBI-20 JSON is MolT5's rows with the doubled backslashes kept (JSON "\\\\\\\\")
    paper = data.load_pairs(samples / "finetune" / "data" / "ChEBI-20" / "test.json")
    molt5 = raw_tsv_rows(chebi / "test.txt")[:5]
    assert paper["smiles"] == [s for _, s, _ in molt5] and paper["description"] == [d for _, _, d in molt5]
    assert "\\\\" in paper["smiles"][0]
    # PCdes uses the standard single backslash: "unescape" leaves it alone
    pcdes = data.load_pairs(samples / "finetune" / "data" / "PCdes" / "train.json")
    single = [s for s in pcdes["smiles"] if "\\" in s]
    assert single and not any("\\\\" in s for s in single)
    assert data.load_pairs(samples / "finetune" / "data" / "PCdes" / "train.json",
                           smiles_backslashes="unescape")["smiles"] == pcdes["smiles"]


@pytest.fixture(scope="module")
def real_rows(chebi):
    """300 real ChEBI-20 validation rows (commas, quotes and doubled backslashes included)."""
    rows = [(s, d, c) for c, s, d in raw_tsv_rows(chebi / "validation.txt")]
    return rows[:300]


def test_jsonl_csv_tsv_parquet_and_saved_folders(tmp_path, real_rows):
    import pandas as pd
    from datasets import Dataset, DatasetDict

    frame = pd.DataFrame({"cid": [c for _, _, c in real_rows], "SMILES": [s for s, _, _ in real_rows],
                          "caption": [d for _, d, _ in real_rows]})
    expected = real_rows

    jsonl = tmp_path / "pairs.jsonl"
    with open(jsonl, "w", encoding="utf-8") as handle:
        for s, d, c in real_rows:
            handle.write(json.dumps({"id": c, "smiles": s, "description": d}) + "\n")
    assert as_rows(data.load_pairs(jsonl)) == expected

    csv_path = tmp_path / "pairs.csv"
    frame.to_csv(csv_path, index=False)  # pandas quotes the descriptions holding commas / quotes
    mapping = {"smiles": "SMILES", "description": "caption", "id": "cid"}
    assert as_rows(data.load_pairs(csv_path, columns=mapping)) == expected
    assert as_rows(data.load_pairs(csv_path)) == expected  # the same columns found through the aliases
    no_id = data.load_pairs(csv_path, columns={"smiles": "SMILES", "description": "caption", "id": None})
    assert no_id["id"] == [None] * len(expected)

    tsv = tmp_path / "pairs.tsv"
    frame.to_csv(tsv, index=False, sep="\t")
    assert as_rows(data.load_pairs(tsv, columns=mapping)) == expected
    semicolon = tmp_path / "pairs.data"
    frame.to_csv(semicolon, index=False, sep=";")
    assert as_rows(data.load_pairs(semicolon, format="csv", delimiter=";")) == expected

    parquet = tmp_path / "pairs.parquet"
    frame.to_parquet(parquet)
    dataset, report = data.load_pairs(parquet, columns=mapping, return_report=True)
    assert as_rows(dataset) == expected and report.unit == "row"

    saved = Dataset.from_dict({"smiles": [s for s, _, _ in real_rows], "description": [d for _, d, _ in real_rows],
                               "id": [c for _, _, c in real_rows]})
    saved.save_to_disk(str(tmp_path / "one"))
    assert as_rows(data.load_pairs(tmp_path / "one")) == expected
    DatasetDict({"train": saved.select(range(200)), "valid": saved.select(range(200, 300))}).save_to_disk(
        str(tmp_path / "dict"))
    assert as_rows(data.load_pairs(tmp_path / "dict", split="validation")) == expected[200:]
    with pytest.raises(data.DataFormatError, match=r"holds the splits \['train', 'valid'\]: pass split="):
        data.load_pairs(tmp_path / "dict")
    with pytest.raises(data.MissingSplitError, match="no 'test' split"):
        data.load_pairs(tmp_path / "dict", split="test")
    splits = data.load_splits(tmp_path / "dict")
    assert list(splits) == ["train", "validation"] and len(splits["validation"]) == 100


def test_json_variants_and_fast_path_blocks(tmp_path, real_rows, monkeypatch):
    rows = [{"smiles": s, "description": d} for s, d, _ in real_rows]
    rows[3]["description"] = 'A "quoted" text with }, and ]} and {"smiles": inside'  # traps for block cuts
    rows[7]["description"] = "ends with a brace },"
    listed = write(tmp_path / "list.json", json.dumps(rows, indent=4, ensure_ascii=False))
    expected = [(r["smiles"], r["description"], None) for r in rows]
    assert as_rows(data.load_pairs(listed, validate_smiles=False)) == expected
    # tiny blocks: hundreds of cuts, some of them tried inside strings, must give the same rows
    monkeypatch.setattr(json_files, "_FAST_BLOCK", 2048)
    assert as_rows(data.load_pairs(listed, validate_smiles=False)) == expected
    compact = write(tmp_path / "compact.json", json.dumps(rows))  # the whole list on one line
    assert as_rows(data.load_pairs(compact, validate_smiles=False)) == expected
    monkeypatch.undo()
    # the exact streaming path (what runs when the fast one declines) reads the same rows, also when
    # its reads cut objects, strings and multi-byte characters anywhere
    rows[5]["description"] = "Melts at 80 ℃ 🧪 " * 20
    expected[5] = (rows[5]["smiles"], rows[5]["description"], None)
    write(listed, json.dumps(rows, indent=4, ensure_ascii=False))
    monkeypatch.setattr(json_files, "_read_json_list_fast", lambda *a, **k: None)
    assert as_rows(data.load_pairs(listed, validate_smiles=False)) == expected
    monkeypatch.setattr(json_stream, "_STREAM_CHUNK", 7)
    assert as_rows(data.load_pairs(listed, validate_smiles=False)) == expected
    monkeypatch.undo()

    wrapped = write(tmp_path / "wrapped.json", json.dumps({"version": 1, "tags": ["a"], "data": rows[:10]}, indent=2))
    assert as_rows(data.load_pairs(wrapped, validate_smiles=False)) == expected[:10]
    # the same wrapper written on one line is a wrapped list, not a one-row JSON Lines file
    for wrapper in ({"data": rows[:10]}, {"version": 1, "tags": ["a"], "data": rows[:10]}):
        one_line = write(tmp_path / "wrapped_one_line.json", json.dumps(wrapper))
        assert as_rows(data.load_pairs(one_line, validate_smiles=False)) == expected[:10]
    # while a one-line JSON Lines file whose row carries a list of objects stays one row
    provenance = dict(rows[0], examples=[{"id": "1", "score": 0.5}])
    one_row = write(tmp_path / "one_row.json", json.dumps(provenance) + "\n")
    assert as_rows(data.load_pairs(one_row, validate_smiles=False)) == expected[:1]
    renamed = write(tmp_path / "renamed.json", json.dumps({"mol": "CCO", "text": "Ethanol.", "examples": [{"id": 1}]}))
    assert as_rows(data.load_pairs(renamed, columns={"smiles": "mol", "description": "text"})) == [
        ("CCO", "Ethanol.", None)]
    lines_in_json = write(tmp_path / "lines.json", "\n".join(json.dumps(r) for r in rows[:10]) + "\n")
    assert as_rows(data.load_pairs(lines_in_json, validate_smiles=False)) == expected[:10]
    with_ids = write(tmp_path / "ids.json", json.dumps([{"cid": 7, "SMILES": "CCO", "Caption": "Ethanol."}]))
    assert as_rows(data.load_pairs(with_ids)) == [("CCO", "Ethanol.", "7")]


# ------------------------------------------------------------------------------------------------- bad input


BAD_TSV = ("CID\tSMILES\tdescription\n"
           "1\tCCO\tEthanol.\n"
           "2\tC1CC\tA broken ring.\n"
           "3\tCC\n"
           "4\tCCC\t   \n"
           "\n"
           "5\tCC\tEthane.\textra\n"
           "6\tCCN\tEthylamine.\n")


def test_molt5_errors_name_file_line_and_field(tmp_path):
    path = write(tmp_path / "bad.txt", BAD_TSV)
    # structure and empty fields are checked before SMILES, each time the first by line
    with pytest.raises(data.DataFormatError, match=r"bad\.txt:4: field 'description': missing: the row has 2 "
                                                   r"tab-separated fields") as caught:
        data.load_pairs(path)
    assert (caught.value.line, caught.value.field, caught.value.path) == (4, "description", str(path))
    only_smiles = write(tmp_path / "smiles.txt", "CID\tSMILES\tdescription\n1\tCCO\tok\n2\tC1CC\tbroken\n")
    with pytest.raises(data.DataFormatError,
                       match=r"^.*smiles\.txt:3: field 'SMILES': RDKit cannot parse 'C1CC' \(unclosed ring\)"):
        data.load_pairs(only_smiles)
    assert len(data.load_pairs(only_smiles, validate_smiles=False)) == 2
    ragged = write(tmp_path / "ragged.txt", "CID\tSMILES\tdescription\n1\tCCO\tok\textra\n")
    with pytest.raises(data.DataFormatError, match=r"ragged\.txt:2: 4 tab-separated fields, the header has 3"):
        data.load_pairs(ragged)
    empty = write(tmp_path / "empty.txt", "CID\tSMILES\tdescription\n1\t \tok\n")
    with pytest.raises(data.DataFormatError, match=r"empty\.txt:2: field 'SMILES': empty"):
        data.load_pairs(empty)


def test_skip_invalid_counts_and_lines(tmp_path, caplog):
    path = write(tmp_path / "bad.txt", BAD_TSV)
    with caplog.at_level(logging.WARNING, logger="ada_t5.data"):
        dataset, report = data.load_pairs(path, skip_invalid=True, return_report=True)
    assert as_rows(dataset) == [("CCO", "Ethanol.", "1"), ("CCN", "Ethylamine.", "6")]
    assert (report.rows_read, report.rows_kept, report.skipped_count) == (6, 2, 4)
    assert [(p.line, p.field) for p in report.skipped] == [(3, "SMILES"), (4, "description"), (5, "description"),
                                                          (7, None)]
    assert "RDKit cannot parse 'C1CC'" in report.skipped[0].reason and report.skipped[2].reason == "empty"
    assert "skipped 4" in caplog.text and "line 3: field 'SMILES'" in caplog.text
    assert "bad.txt: read 6 rows, kept 2, skipped 4" in str(report)


def test_non_utf8_bytes(tmp_path):
    path = write(tmp_path / "latin1.txt", b"CID\tSMILES\tdescription\n1\tCCO\tEthanol.\n2\tCC\tEthane \xb0C.\n")
    with pytest.raises(data.DataFormatError, match=r"latin1\.txt:3: field 'description': bytes that are not UTF-8"):
        data.load_pairs(path)
    dataset, report = data.load_pairs(path, skip_invalid=True, return_report=True)
    assert len(dataset) == 1 and report.skipped[0][:2] == (3, "description")
    jsonl = write(tmp_path / "latin1.jsonl", b'{"smiles": "CCO", "description": "ok"}\n'
                                             b'{"smiles": "CC", "description": "\xb0C"}\n')
    with pytest.raises(data.DataFormatError, match=r"latin1\.jsonl:2: bytes that are not UTF-8"):
        data.load_pairs(jsonl)
    listed = write(tmp_path / "latin1.json", b'[\n  {"smiles": "CCO", "description": "ok"},\n'
                                             b'  {"smiles": "CC", "description": "\xb0C"}\n]\n')
    with pytest.raises(data.DataFormatError, match=r"latin1\.json:3: field 'description': bytes that are not UTF-8"):
        data.load_pairs(listed)


def test_json_errors_name_the_line_where_the_object_starts(tmp_path):
    rows = [{"smiles": "CCO", "description": "Ethanol."}, {"smiles": "C1CC", "description": "broken"},
            {"smiles": "CC", "description": ""}, {"smiles": "CCN", "description": "Ethylamine."}]
    path = write(tmp_path / "pairs.json", json.dumps(rows, indent=4))  # objects start on lines 2, 6, 10, 14
    with pytest.raises(data.DataFormatError, match=r"pairs\.json:10: field 'description': empty") as caught:
        data.load_pairs(path)
    assert caught.value.line == 10
    rows[2]["description"] = "Ethane."
    write(path, json.dumps(rows, indent=4))
    with pytest.raises(data.DataFormatError, match=r"pairs\.json:6: field 'smiles': RDKit cannot parse 'C1CC'"):
        data.load_pairs(path)
    odd = write(tmp_path / "odd.json", '[\n {"smiles": "CCO", "description": "x"},\n "text",\n'
                                       ' {"smiles": 5, "description": "y"},\n {"smiles": "CC"}\n]')
    dataset, report = data.load_pairs(odd, skip_invalid=True, return_report=True)
    assert len(dataset) == 1
    assert [(p.line, p.field) for p in report.skipped] == [(3, None), (4, "smiles"), (5, "description")]
    assert "got str" in report.skipped[0].reason and report.skipped[2].reason == "missing"
    broken = write(tmp_path / "broken.json", '[\n {"smiles": "CCO", "description": "x"},\n'
                                             ' {"smiles": "CC" "description": "y"}\n]')
    with pytest.raises(data.DataFormatError, match=r"broken\.json:3: not valid JSON: Expecting ',' delimiter"):
        data.load_pairs(broken, skip_invalid=True)
    jsonl = write(tmp_path / "bad.jsonl", '{"smiles": "CCO", "description": "x"}\n\nnot json\n{"smiles": "CC"}\n')
    dataset, report = data.load_pairs(jsonl, skip_invalid=True, return_report=True)
    assert [(p.line, p.field) for p in report.skipped] == [(3, None), (4, "description")]


def test_missing_columns_are_always_an_error(tmp_path):
    path = write(tmp_path / "pairs.csv", "SMILES,label\nCCO,1\n")
    for skip in (False, True):
        with pytest.raises(data.DataFormatError, match=r"pairs\.csv:1: no 'description' column: found \['SMILES', "
                                                       r"'label'\]; expected .*caption") as caught:
            data.load_pairs(path, skip_invalid=skip)
        assert caught.value.field == "description"
    with pytest.raises(data.DataFormatError, match=r"column 'caption' .* not found; found \['SMILES', 'label'\]"):
        data.load_pairs(path, columns={"smiles": "SMILES", "description": "caption"})
    jsonl = write(tmp_path / "pairs.jsonl", '{"smi": "CCO", "name": "ethanol"}\n')
    with pytest.raises(data.DataFormatError, match=r"no 'description' column: found \['smi', 'name'\]"):
        data.load_pairs(jsonl)


def test_arrow_sources_say_row(tmp_path):
    import pandas as pd

    path = tmp_path / "pairs.parquet"
    pd.DataFrame({"smiles": ["CCO", "C1CC", None], "description": ["Ethanol.", "broken", "x"]}).to_parquet(path)
    with pytest.raises(data.DataFormatError, match=r"pairs\.parquet: row 2: field 'smiles': missing") as caught:
        data.load_pairs(path)
    assert caught.value.unit == "row" and caught.value.line == 2
    dataset, report = data.load_pairs(path, skip_invalid=True, return_report=True)
    assert [(p.line, p.field) for p in report.skipped] == [(1, "smiles"), (2, "smiles")]
    pd.DataFrame({"smiles": [1, 2], "description": ["a", "b"]}).to_parquet(path)
    with pytest.raises(data.DataFormatError, match="column 'smiles' holds int64, expected strings"):
        data.load_pairs(path)
    write(path, "not parquet")
    with pytest.raises(data.DataFormatError, match="not a readable Parquet file"):
        data.load_pairs(path)


def test_refusals(tmp_path):
    smi = write(tmp_path / "mols.smi", "CCO ethanol\n")
    with pytest.raises(data.DataFormatError, match=r"mols\.smi: a \.smi file holds molecules without descriptions.*"
                                                   r"describe_many"):
        data.load_pairs(smi)
    with pytest.raises(data.DataFormatError, match=r"cannot tell the format from the suffix '\.xyz'"):
        data.load_pairs(write(tmp_path / "pairs.xyz", "x"))
    with pytest.raises(FileNotFoundError, match=r"missing\.json: no such file"):
        data.load_pairs(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="smiles_backslashes"):
        data.load_pairs(smi, smiles_backslashes="double")
    with pytest.raises(ValueError, match="format='xml'"):
        data.load_pairs(smi, format="xml")


def test_stream_pairs_reads_and_refuses_what_load_pairs_does(tmp_path):
    """One dispatch for both readers: the same rows in the same order, the same checks, the same refusals."""
    folder = tmp_path / "splits"
    folder.mkdir()
    tsv = write(folder / "train.txt", "CID\tSMILES\tdescription\n1\tC/C=C\\\\C\tA butene.\n2\tC1CC\tBroken.\n"
                                       "3\tCCO\tEthanol.\n")
    write(folder / "validation.txt", "CID\tSMILES\tdescription\n4\tN\tAmmonia.\n")
    loaded = data.load_pairs(tsv, skip_invalid=True, smiles_backslashes="unescape")
    for source in (tsv, folder):  # a folder streams its train file
        stream, _, checker = data.stream_pairs(source, skip_invalid=True, smiles_backslashes="unescape")
        assert [(r["smiles"], r["description"]) for r in stream] == list(zip(loaded["smiles"], loaded["description"]))
        assert checker.skipped == 1 and "line 3" not in checker.problems[0]  # a TSV streams by 0-based row
    assert data.split_file(folder, "validation") == folder / "validation.txt"
    assert data.split_file(tsv, "validation") is None and data.split_file(folder, "test") is None
    with pytest.raises(data.DataFormatError, match=r"holds molecules without descriptions"):
        data.stream_pairs(write(tmp_path / "mols.smi", "CCO\n"))
    with pytest.raises(data.DataFormatError, match=r"cannot tell the format from the suffix '\.xyz'"):
        data.stream_pairs(write(tmp_path / "pairs.xyz", "x"))
    with pytest.raises(FileNotFoundError, match=r"missing\.json: no such file"):
        data.stream_pairs(tmp_path / "missing.json")


def test_parallel_validation_matches_serial(chebi):
    smiles = data.load_pairs(chebi / "test.txt", validate_smiles=False)["smiles"][:400]
    smiles = [*smiles[:100], "C1CC", *smiles[100:], "not a smiles"]
    assert assemble._invalid_smiles(smiles, num_proc=2) == [100, 401] == assemble._invalid_smiles(smiles, num_proc=1)


# ----------------------------------------------------------------------------------------------------- splits


def test_load_splits_on_the_chebi_folder(chebi, caplog):
    with caplog.at_level(logging.WARNING, logger="ada_t5.data"):
        splits = data.load_splits(chebi, validate_smiles=False)
    assert list(splits) == ["validation", "test"]  # train.txt is absent: the caller decides
    assert (len(splits["validation"]), len(splits["test"])) == (3301, 3300)
    assert "found test.txt, validation.txt; no train file;" in caplog.text
    assert "train_partial.txt are not taken as the train split by guessing" in caplog.text
    explicit = data.load_splits({"train": chebi / "train_partial.txt", "valid": chebi / "validation.txt",
                                 "test": None}, validate_smiles=False)
    assert list(explicit) == ["train", "validation"] and len(explicit["train"]) == 9958
    assert len(data.load_pairs(chebi, split="test", validate_smiles=False)) == 3300


def test_load_splits_on_the_paper_folders(samples):
    for name, sizes in {"ChEBI-20": (5, 5, 5), "DrugBank-23": (6, 5, 5), "PCdes": (5, 5, 5)}.items():
        splits, reports = data.load_splits(samples / "finetune" / "data" / name, return_reports=True)
        assert list(splits) == ["train", "validation", "test"]
        assert tuple(len(splits[s]) for s in splits) == sizes
        assert all(r.skipped_count == 0 and r.format == "json" for r in reports.values())


def test_load_splits_folder_errors(tmp_path):
    write(tmp_path / "README.md", "hello")
    write(tmp_path / "train_partial.txt", BAD_TSV)
    with pytest.raises(data.DataFormatError, match=r"no split files found .*the folder holds README\.md, "
                                                   r"train_partial\.txt"):
        data.load_splits(tmp_path)
    write(tmp_path / "train.txt", "CID\tSMILES\tdescription\n1\tCCO\tok\n")
    write(tmp_path / "train.json", '[{"smiles": "CCO", "description": "ok"}]')
    with pytest.raises(data.DataFormatError, match=r"more than one file per split \(train: train\.json, train\.txt\)"):
        data.load_splits(tmp_path)
    assert list(data.load_splits(tmp_path, format="json")) == ["train"]
    write(tmp_path / "dev.txt", "CID\tSMILES\tdescription\n2\tCC\tok\n")
    assert list(data.load_splits(tmp_path, format="molt5")) == ["train", "validation"]


# ------------------------------------------------------------------------------------------------------ Hub


def test_hub_id_offline_fails_fast_with_a_clear_message():
    started = time.perf_counter()
    with pytest.raises(FileNotFoundError, match=r"'SCIR-HI/PseudoMD-1M' is not a local file or folder, and as a "
                                                r"Hub dataset id it cannot be loaded: offline mode is on") as caught:
        data.load_pairs("SCIR-HI/PseudoMD-1M", split="train")
    assert "pass a local pair file" in str(caught.value)
    with pytest.raises(FileNotFoundError, match="offline mode is on"):
        data.load_splits("SCIR-HI/PseudoMD-1M")
    assert time.perf_counter() - started < 5


# ----------------------------------------------------------------------------------------------------- demo


def test_demo_splits(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="ada_t5.data"):
        first = data.load_demo_splits(n=300, cache_dir=tmp_path)
    source = demo._demo_source().read_text().splitlines()
    unusable = sum(chem.canonical_smiles(line.split("\t")[0]) is None for line in source if line.strip())
    assert unusable == 8  # with the pinned RDKit: mercury / aluminium / hypervalent entries
    assert f"demo: {unusable} of the molecules in first_5K.smi are not usable" in caplog.text  # counted, named
    assert {name: len(split) for name, split in first.items()} == {"train": 240, "validation": 30, "test": 30}
    canonical = {name: {chem.canonical_smiles(s) for s in split["smiles"]} for name, split in first.items()}
    assert sum(len(c) for c in canonical.values()) == 300  # distinct molecules, so splits are disjoint
    assert not (canonical["train"] & canonical["validation"] or canonical["train"] & canonical["test"]
                or canonical["validation"] & canonical["test"])
    assert all(i.startswith("NCI") for split in first.values() for i in split["id"])
    # each description is the rule describer's text for its own molecule (not merely non-empty, not shifted)
    from ada_t5.describe import describe

    train = first["train"].select(range(20))
    assert list(train["description"]) == [describe(s, quantities=False, formula=False) for s in train["smiles"]]
    # the describer's options reach it (another cache entry): no stereo sentence, one phrasing
    fixed = data.load_demo_splits(n=300, cache_dir=tmp_path, stereo=False, variant=0)["train"].select(range(20))
    assert list(fixed["description"]) == [describe(s, quantities=False, formula=False, stereo=False, variant=0)
                                          for s in fixed["smiles"]]
    assert fixed["description"] != train["description"] and len(list((tmp_path / "demo").iterdir())) == 2

    started = time.perf_counter()
    cached = data.load_demo_splits(n=300, cache_dir=tmp_path)
    assert time.perf_counter() - started < 2 and len(list((tmp_path / "demo").iterdir())) == 2
    fresh = data.load_demo_splits(n=300, cache_dir=tmp_path, use_cache=False)
    for name in first:
        assert as_rows(cached[name]) == as_rows(first[name]) == as_rows(fresh[name])  # deterministic
    other = data.load_demo_splits(n=300, seed=7, cache_dir=tmp_path, use_cache=False)
    assert set(other["test"]["id"]) != set(first["test"]["id"])
    assert sorted(i for s in other.values() for i in s["id"]) == sorted(i for s in first.values() for i in s["id"])
    with pytest.raises(ValueError, match="fractions"):
        data.load_demo_splits(n=10, fractions=(0.5, 0.5, 0.5), use_cache=False)


def test_hub_that_does_not_answer_fails_fast(monkeypatch):
    """Not offline, but the endpoint accepts connections and never answers: the probe gives up, no retries."""
    import socket

    import datasets
    from huggingface_hub import constants

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
        monkeypatch.setenv("ADA_T5_HUB_PROBE_TIMEOUT", "1")
        started = time.perf_counter()
        with pytest.raises(FileNotFoundError, match=r"does not answer \(.*Timeout"):
            data.load_pairs("owner/some-pairs", split="train")
        assert time.perf_counter() - started < 5
    finally:
        silent.close()
