"""MolT5 TSV reading and writing: round trips, task inference, errors that name the line."""

from __future__ import annotations

import pytest

from ada_t5.metrics import PredictionFileError, read_predictions, write_predictions


def test_reads_molt5_files_and_infers_the_task(molt5_examples):
    captions = read_predictions(molt5_examples / "smiles2caption_example.txt")
    molecules = read_predictions(molt5_examples / "caption2smiles_example.txt")
    assert (captions.task, len(captions), molecules.task, len(molecules)) == ("mol2text", 10, "text2mol", 10)
    assert captions.inputs[0].startswith("C1=CC2") and molecules.inputs[0].startswith("The molecule")


def test_reads_a_full_molt5_file(predictions_dir):
    full = read_predictions(predictions_dir / "molt5-base-caption2smiles.txt")
    assert len(full) == 3300 and len(set(full.references)) == 3300


def test_write_then_read_round_trips_and_flattens_unwritable_characters(tmp_path, caplog):
    path = tmp_path / "out" / "predictions.tsv"
    inputs = ["CCO", 'C"C', "N"]
    references = ["an alcohol", "with\ttab", "line\r\nbreak"]
    outputs = ["", "quote \" and 'single'", "nul\x00here"]
    write_predictions(path, "mol2text", inputs, references, outputs)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "SMILES\tground truth\toutput"
    back = read_predictions(path)
    assert back.task == "mol2text" and back.inputs == inputs
    assert back.references == ["an alcohol", "with tab", "line  break"]
    assert back.outputs == ["", "quote \" and 'single'", "nul here"]
    assert "written as spaces" in caplog.text
    write_predictions(tmp_path / "t2m.tsv", "text2mol", ["desc"], ["CCO"], ["CCN"])
    assert read_predictions(tmp_path / "t2m.tsv").task == "text2mol"


@pytest.mark.parametrize("content, line, message", [
    ("SMILES\tground truth\toutput\nC\tok\tok\nC\tonly two\n", 3, "expected 3 tab-separated fields"),
    ("SMILES\tground truth\toutput\nC\tok\tok\tfourth\n", 2, "found 4"),
    ("SMILES\tground truth\n", 1, "missing 'output'"),
    ("smiles\tground truth\toutput\n", 1, "wrong header"),
    ("", 1, "empty file"),
])
def test_malformed_files_name_the_line(tmp_path, content, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PredictionFileError, match=message) as error:
        read_predictions(path)
    assert error.value.line == line and f"bad.tsv:{line}:" in str(error.value)


def test_explicit_task_must_match_the_columns(tmp_path):
    path = tmp_path / "captions.tsv"
    write_predictions(path, "mol2text", ["C"], ["a"], ["b"])
    with pytest.raises(PredictionFileError, match="missing column.*'description'.*mol2text file"):
        read_predictions(path, task="text2mol")
    assert read_predictions(path, task="mol2text").outputs == ["b"]


def test_blank_lines_are_skipped_and_extra_columns_ignored(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("description\tground truth\toutput\tscore\nd1\tCCO\tCCN\t1\n\nd2\tCC\tCC\t2\n", encoding="utf-8")
    predictions = read_predictions(path)
    assert predictions.outputs == ["CCN", "CC"] and predictions.inputs == ["d1", "d2"]


def test_invalid_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes(b"SMILES\tground truth\toutput\nC\tok\tok\nC\tcaf\xe9\tok\n")
    with pytest.raises(PredictionFileError, match="latin1.tsv:3: not valid UTF-8"):
        read_predictions(path)
    with pytest.raises(PredictionFileError, match="cannot open"):
        read_predictions(tmp_path / "missing.tsv")


def test_write_checks_lengths_and_task(tmp_path):
    with pytest.raises(ValueError, match="differ in length"):
        write_predictions(tmp_path / "x.tsv", "mol2text", ["a"], ["b"], [])
    with pytest.raises(ValueError, match="unknown task"):
        write_predictions(tmp_path / "x.tsv", "captioning", ["a"], ["b"], ["c"])
