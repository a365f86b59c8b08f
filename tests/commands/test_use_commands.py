"""``ada-t5 caption / generate / report / plot / push`` end to end, on tiny checkpoints trained in the session."""

from __future__ import annotations

import csv
import json

import pytest
from tiny_checkpoints import trained_run

from ada_t5.cli import main


@pytest.fixture(scope="module")
def captioner_dir():
    return str(trained_run("mol2text"))


@pytest.fixture(scope="module")
def designer_dir():
    return str(trained_run("text2mol"))


def test_caption_on_the_command_line(captioner_dir, capsys):
    assert main(["caption", "--model", captioner_dir, "--max_new_tokens", "32", "CCO", "c1ccccc1O"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "CCO" and lines[1].startswith("  -> ") and len(lines[1]) > 10 and lines[2] == "c1ccccc1O"
    assert "ada-t5 caption: 2 input(s)" in err


def test_caption_stops_on_an_invalid_smiles_unless_flagging(captioner_dir, capsys):
    assert main(["caption", "--model", captioner_dir, "CCO", "C1CC", "--max_new_tokens", "8"]) == 2
    err = capsys.readouterr().err
    assert "'C1CC'" in err and "unclosed ring" in err and "--on_invalid flag" in err and "Traceback" not in err
    assert main(["caption", "--model", captioner_dir, "CCO", "C1CC", "--on_invalid", "flag",
                 "--max_new_tokens", "8"]) == 0
    out, err = capsys.readouterr()
    assert "! invalid input: unclosed ring" in out and "1 invalid input(s) flagged" in err


def test_commands_fail_clearly_without_a_model_or_inputs(captioner_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ADA_T5_MODEL", raising=False)
    assert main(["caption", "CCO"]) == 2
    assert "--model" in capsys.readouterr().err
    assert main(["generate", "--model", captioner_dir]) == 2
    assert "no inputs" in capsys.readouterr().err
    assert main(["caption", "--model", str(tmp_path / "missing"), "CCO"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_caption_batch_tsv_to_jsonl(captioner_dir, demo_splits, tmp_path, capsys):
    rows = demo_splits["test"].select(range(6))
    source = tmp_path / "molecules.tsv"
    lines = ["id\tsmiles"] + [f"{i}\t{s}" for i, s in enumerate(rows["smiles"])] + ["6\tC1CC"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out" / "captions.jsonl"
    assert main(["caption", "--model", captioner_dir, "--input", str(source), "--output", str(target), "-n", "2",
                 "--max_new_tokens", "32", "--on_invalid", "flag"]) == 0
    err = capsys.readouterr().err
    assert "7 input(s)" in err and "1 invalid input(s) flagged" in err and str(target) in err
    assert "captioning" in err  # the progress bar
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["smiles"] for r in records] == list(rows["smiles"]) + ["C1CC"]
    assert [r["id"] for r in records] == [str(i) for i in range(7)]  # the input columns are kept
    assert all(len(r["candidates"]) == 2 and r["caption"] == r["candidates"][0]["text"] for r in records[:6])
    assert records[6]["error"] and records[6]["candidates"] == [] and records[6]["caption"] == ""


def test_caption_batch_reports_the_line_of_an_invalid_input(captioner_dir, tmp_path, capsys):
    source = tmp_path / "molecules.txt"
    source.write_text("CCO\nCC(\n", encoding="utf-8")
    assert main(["caption", "--model", captioner_dir, "--input", str(source), "--output",
                 str(tmp_path / "o.tsv")]) == 2
    assert "line 2" in capsys.readouterr().err and not (tmp_path / "o.tsv").exists()


def test_caption_batch_flags_truncated_inputs_in_tsv_and_jsonl(captioner_dir, tmp_path, capsys):
    """An input longer than --max_source_length is cut as in training: its row says so, the summary counts it."""
    source = tmp_path / "molecules.txt"
    source.write_text("CCO\n" + "CCO" * 40 + "\n", encoding="utf-8")
    for suffix in ("tsv", "jsonl"):
        target = tmp_path / f"captions.{suffix}"
        assert main(["caption", "--model", captioner_dir, "--input", str(source), "--output", str(target),
                     "--max_source_length", "16", "--max_new_tokens", "8"]) == 0
        assert "2 input(s)" in (err := capsys.readouterr().err) and "1 input(s) truncated" in err
        if suffix == "tsv":
            assert b"\r" not in target.read_bytes()  # rows end with \n, as every other file the project writes
            with open(target, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        else:
            rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert rows[0]["warning"] == ""
        assert rows[1]["warning"].startswith("input truncated: the model read the first 16 of its ")
    assert main(["caption", "--model", captioner_dir, "CCO" * 40, "--max_source_length", "16",
                 "--max_new_tokens", "8"]) == 0
    assert "  ! input truncated: the model read the first 16 of its" in capsys.readouterr().out


def test_generate_batch_jsonl_to_tsv_with_validity_ranking(designer_dir, demo_splits, tmp_path, capsys):
    descriptions = list(demo_splits["test"].select(range(8))["description"])
    source = tmp_path / "descriptions.jsonl"
    source.write_text("".join(json.dumps({"description": d, "n": i}) + "\n" for i, d in enumerate(descriptions)),
                      encoding="utf-8")
    target = tmp_path / "molecules.tsv"
    assert main(["generate", "--model", designer_dir, "--input", str(source), "--output", str(target), "-n", "4",
                 "--rank_valid_first", "--max_new_tokens", "64"]) == 0
    err = capsys.readouterr().err
    assert "8 input(s)" in err and "best candidate valid for" in err and "some candidate valid for" in err
    assert b"\r" not in target.read_bytes()  # lines end with \n, as every other file the project writes
    with open(target, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [r["description"] for r in rows] == descriptions and [r["n"] for r in rows] == [str(i) for i in range(8)]
    assert {"generated_smiles", "valid", "generated_smiles_4", "valid_4", "error"} <= set(rows[0])
    for row in rows:
        flags = [row[f"valid_{j}"] == "True" for j in range(1, 5)]
        assert flags == sorted(flags, reverse=True)  # valid candidates first
        assert row["generated_smiles"] == row["generated_smiles_1"]
    assert any(r["valid"] == "True" for r in rows)


def test_generate_prints_candidates_with_flags(designer_dir, demo_splits, capsys):
    description = demo_splits["test"][0]["description"]
    assert main(["generate", "--model", designer_dir, "-n", "3", "--max_new_tokens", "64", description]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == description and [line[:5] for line in out[1:4]] == ["  1. ", "  2. ", "  3. "]
    assert all(line.endswith(("(valid)", "(invalid SMILES)")) for line in out[1:4])


def test_plot_report_and_dry_run_push_of_a_real_run(designer_dir, tmp_path, capsys):
    from pathlib import Path

    run = Path(designer_dir)
    assert main(["plot", designer_dir, "--output_dir", str(tmp_path / "plots")]) == 0
    assert {p.name for p in (tmp_path / "plots").iterdir()} == {"loss.png", "validation.png"}
    report = tmp_path / "report.html"
    assert main(["report", str(run / "test_predictions.tsv"), "--metrics", str(run / "test_metrics.json"),
                 "--output", str(report), "--plots", *map(str, sorted((tmp_path / "plots").iterdir()))]) == 0
    page = report.read_text(encoding="utf-8")
    from ada_t5.report.rows import read_page_data

    # rows travel as embedded data the page's script lays out (ada_t5/report/rows.py), one per test example
    assert len(read_page_data(page)["rows"]) == 12 and page.count('class="plot"') == 2
    assert main(["push", designer_dir, "me/tiny-text2mol", "--dry_run", "--dry_run_dir", str(tmp_path / "up")]) == 0
    out = capsys.readouterr().out
    assert "nothing uploaded" in out and "README.md" in out
    assert "text-based molecule generation" in (tmp_path / "up" / "README.md").read_text(encoding="utf-8")
    assert main(["plot", str(tmp_path / "nowhere")]) == 2
    assert main(["report", str(tmp_path / "missing.tsv")]) == 2
