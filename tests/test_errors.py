"""One way to fail on a user's mistake, at every entry point: ``error: <message>``, exit status 2, no traceback;
a real bug keeps its traceback, and ``ADA_T5_DEBUG=1`` shows it for everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ada_t5 import cli
from ada_t5.commands import finetune, pretrain, pseudo, train_tokenizer
from ada_t5.commands import test as test_command
from ada_t5.errors import AdaT5Error, ArgumentParser, run_command

REPO = Path(__file__).resolve().parents[1]


def _main_raising(error):
    def main(argv=None):
        raise error

    return main


@pytest.mark.parametrize("error", [AdaT5Error("bad.txt:3: field 'SMILES': cannot parse"),
                                   FileNotFoundError(2, "No such file or directory", "missing.tsv")])
def test_a_users_mistake_is_one_line_and_status_2(capsys, error):
    assert run_command(_main_raising(error)) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert "missing.tsv" in captured.err or "bad.txt:3" in captured.err


def test_a_bug_keeps_its_traceback_and_debug_shows_everything(monkeypatch):
    with pytest.raises(KeyError):
        run_command(_main_raising(KeyError("a bug")))
    monkeypatch.setenv("ADA_T5_DEBUG", "1")
    with pytest.raises(AdaT5Error):
        run_command(_main_raising(AdaT5Error("shown with its traceback")))


def test_both_spellings_of_every_long_option(capsys):
    parser = ArgumentParser(prog="x")
    parser.add_argument("--text_tokenizer")
    group = parser.add_argument_group("g")
    group.add_argument("--no-fcd", action="store_true")
    args = parser.parse_args(["--text-tokenizer", "a", "--no_fcd"])
    assert (args.text_tokenizer, args.no_fcd) == ("a", True)
    assert parser.parse_args(["--text_tokenizer=b"]).text_tokenizer == "b"
    with pytest.raises(SystemExit) as caught:
        parser.parse_args(["--nope"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.strip() == "error: x: unrecognized arguments: --nope (see x --help)"


def _bad_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("task: mol2text\nmax_steps: [1,\n")
    return str(path)


@pytest.mark.parametrize("name", ["finetune", "pretrain", "test"])
def test_a_broken_yaml_config_names_the_file_and_line(tmp_path, capsys, name):
    main = {"finetune": finetune.main, "pretrain": pretrain.main, "test": test_command.main}[name]
    assert run_command(main, [_bad_yaml(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / 'bad.yaml'}:3: not valid YAML"), err


@pytest.mark.parametrize(("argv", "expected"), [
    (["finetune", "--model_shape", "nope"], "error: unknown --model_shape 'nope'"),
    (["pretrain", "--model-shape", "tiny", "--dataset", "/no/such/pairs.txt", "--bf16", "false"],
     "/no/such/pairs.txt"),
    (["test", "--checkpoint", "x", "--split", "dev"], "error: --split must be train, validation or test"),
    (["train-tokenizer", "--input", "/no/such.txt", "--output-dir", "/tmp/x"], "/no/such.txt"),
    (["push", "/no/such/run", "me/model", "--dry-run"], "/no/such/run"),
    (["evaluate", "/no/such.tsv", "--text_tokenizer", "simple"], "/no/such.tsv"),
    (["caption", "CCO", "--model", "/no/such/model"], "/no/such/model"),
    (["plot", "/no/such/run"], "/no/such/run"),
    (["report", "/no/such.tsv"], "/no/such.tsv"),
])
def test_every_command_fails_in_one_line(capsys, argv, expected):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error: " in err[0] and expected in err[0], err
    assert "Traceback" not in err[0]


def test_pseudo_and_tokenizer_scripts_fail_in_one_line(tmp_path, capsys):
    for main, argv in ((pseudo.main, ["--input", str(tmp_path / "none.smi"), "--output", str(tmp_path / "o.jsonl"),
                                      "--backend", "rule"]),
                       (train_tokenizer.main, ["--input", str(tmp_path / "none.txt"), "--output_dir", str(tmp_path)])):
        assert run_command(main, argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("error: ") and str(tmp_path) in err[-1], err


def test_the_fine_tuning_script_reports_a_bad_row_in_one_line(tmp_path):
    """The real script, as a user runs it: the data error's own message, exit 2, no traceback."""
    train = tmp_path / "train.txt"
    train.write_text("CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n2\tC1CC\tThe molecule is broken.\n")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "finetune.py"), "--dataset", "demo",
                           "--train_file", str(train), "--model_shape", "tiny", "--bf16", "false",
                           "--output_dir", str(tmp_path / "run")],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {train}:3: field 'SMILES': RDKit cannot parse 'C1CC'")
    assert "--skip_invalid true" in last and "Traceback" not in done.stderr
