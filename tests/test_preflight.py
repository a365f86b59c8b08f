"""Everything a training run needs is checked before its first step: each bad setting stops the real command
(``scripts/finetune.py``'s ``main`` under ``run_command``) with one ``error:`` line, exit status 2, and no step
trained (the Trainer's ``train`` is replaced by a tripwire)."""

from __future__ import annotations

import pytest
import transformers

from ada_t5.commands import finetune, pretrain
from ada_t5.errors import run_command

ROWS = [("1", "CCO", "The molecule is ethanol, a primary alcohol."),
        ("2", "CC(=O)O", "The molecule is acetic acid, a simple monocarboxylic acid."),
        ("3", "c1ccccc1", "The molecule is benzene, an aromatic hydrocarbon."),
        ("4", "CCN", "The molecule is ethylamine, a primary aliphatic amine."),
        ("5", "CCCl", "The molecule is chloroethane, a chloroalkane."),
        ("6", "OCC(O)CO", "The molecule is glycerol, a triol.")]
TINY = ["--model_shape", "tiny", "--max_steps", "2", "--eval_steps", "1", "--save_steps", "1", "--warmup_steps", "0",
        "--per_device_train_batch_size", "2", "--tokenizer_vocab_size", "500", "--bf16", "false",
        "--dataloader_num_workers", "0", "--report_to", "none", "--disable_tqdm", "true"]
METRICS = ["--text_tokenizer", "simple", "--meteor", "false"]


def _tsv(path, rows):
    path.write_text("CID\tSMILES\tdescription\n" + "".join("\t".join(row) + "\n" for row in rows))
    return str(path)


@pytest.fixture
def files(tmp_path):
    return {"train": _tsv(tmp_path / "train.txt", ROWS), "validation": _tsv(tmp_path / "validation.txt", ROWS[:2]),
            "test": _tsv(tmp_path / "test.txt", ROWS[2:4]), "empty": _tsv(tmp_path / "empty.txt", [])}


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    def tripwire(self, *args, **kwargs):
        raise AssertionError("a training step was reached: the preflight check did not stop the run")

    monkeypatch.setattr(transformers.Trainer, "train", tripwire)


def _stops(capsys, main, argv, expected: str, output_dir=None):
    status = run_command(main, argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2, err
    assert err[-1].startswith("error: ") and expected in err[-1], err[-1]
    assert "Traceback" not in "\n".join(err)
    if output_dir is not None:
        assert not list(output_dir.glob("checkpoint-*"))


def _finetune_args(files, tmp_path, *extra, train="train", validation="validation", test="test"):
    return ["--dataset", "files", "--train_file", files[train], "--validation_file", files[validation],
            "--test_file", files[test], *TINY, *METRICS, "--output_dir", str(tmp_path / "run"), *extra]


@pytest.mark.parametrize(("split", "expected"), [
    ("validation", "the validation split of"),  # issue 11, bad case 1: crashed at the first evaluation
    ("train", "the train split of"),
    ("test", "the test split of"),
])
def test_an_empty_split_stops_the_run_before_training(files, tmp_path, capsys, split, expected):
    argv = _finetune_args(files, tmp_path, **{split: "empty"})
    _stops(capsys, finetune.main, argv, expected, tmp_path / "run")


def test_an_empty_test_split_is_fine_when_not_scored(files, tmp_path, capsys):
    argv = _finetune_args(files, tmp_path, "--do_test", "false", test="empty")
    with pytest.raises(AssertionError, match="training step was reached"):
        finetune.main(argv)  # every check passed: the run got as far as training


def test_a_wrong_caption_tokenizer_stops_the_run_before_training(files, tmp_path, capsys):
    argv = _finetune_args(files, tmp_path, "--text_tokenizer", str(tmp_path / "no-such-vocab"))
    _stops(capsys, finetune.main, argv, "no-such-vocab", tmp_path / "run")


def test_meteor_required_without_wordnet_stops_the_run_before_training(files, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NLTK_DATA", str(tmp_path / "no-nltk-data"))
    _stops(capsys, finetune.main, _finetune_args(files, tmp_path, "--meteor", "true"), "WordNet", tmp_path / "run")


def test_push_to_hub_without_a_usable_hub_stops_the_run_before_training(files, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _stops(capsys, finetune.main, _finetune_args(files, tmp_path, "--push_to_hub", "true"), "Hugging Face Hub",
           tmp_path / "run")


def test_an_output_dir_that_is_a_file_stops_the_run(files, tmp_path, capsys):
    (tmp_path / "run").write_text("not a folder")
    _stops(capsys, finetune.main, _finetune_args(files, tmp_path), "is a file")


def test_a_finished_run_in_the_output_dir_stops_the_run(files, tmp_path, capsys):
    (tmp_path / "run" / "checkpoint-2").mkdir(parents=True)
    _stops(capsys, finetune.main, _finetune_args(files, tmp_path), "--overwrite_output_dir true")
    assert (tmp_path / "run" / "checkpoint-2").is_dir()


@pytest.mark.parametrize(("flags", "expected"), [
    (["--learning_rate", "0"], "--learning_rate must be above 0"),
    (["--learning_rate=-1e-3"], "--learning_rate must be above 0"),
    (["--tokenizer_vocab_size", "100"], "--tokenizer_vocab_size must be at least"),
    (["--max_steps", "0"], "--max_steps must be above 0"),
])
@pytest.mark.parametrize("command", [finetune, pretrain], ids=["finetune", "pretrain"])
def test_impossible_settings_stop_both_training_commands(files, tmp_path, capsys, command, flags, expected):
    argv = ["--dataset", files["train"], *TINY] if command is pretrain else _finetune_args(files, tmp_path)
    argv = [*argv, "--output_dir", str(tmp_path / "run"), *flags]
    _stops(capsys, command.main, argv, expected, tmp_path / "run")


def test_pretraining_on_an_empty_file_stops_before_training(files, tmp_path, capsys):
    argv = ["--dataset", files["empty"], *TINY, "--output_dir", str(tmp_path / "run")]
    _stops(capsys, pretrain.main, argv, "empty.txt", tmp_path / "run")
