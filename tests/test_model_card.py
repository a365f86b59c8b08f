"""Model cards and publishing: the card a fine-tuning run writes, the dry-run upload folder, the Hub checks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from tiny_checkpoints import DEMO, trained_run

from ada_t5 import model_card
from ada_t5.model_card import HubPushError, push


@pytest.fixture(scope="module")
def run_dir() -> Path:
    return trained_run("text2mol")


def _front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


def test_fine_tuning_leaves_run_info_and_a_card_in_its_folder(run_dir):
    info = json.loads((run_dir / "run_info.json").read_text())
    assert info["task"] == "text2mol" and info["model_shape"] == "tiny" and info["dataset"] == "demo"
    assert info["hyperparameters"]["max_steps"] == 200 and info["hyperparameters"]["learning_rate"] == 2e-3
    assert info["hyperparameters"]["effective_batch_size"] == 32
    card = (run_dir / "README.md").read_text(encoding="utf-8")
    assert "text-based molecule generation" in card and "| max_steps | `200` |" in card
    assert "10.1609/aaai.v38i20.30198" in card  # the paper's citation


def test_dry_run_writes_the_upload_folder_and_card(run_dir, tmp_path):
    metrics = json.loads((run_dir / "test_metrics.json").read_text())
    result = push(run_dir, "me/ada-t5-tiny-text2mol", dry_run=True, dry_run_dir=tmp_path / "upload",
                  license="apache-2.0")
    files = set(result.files)
    assert {"README.md", "config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
            "tokenizer_config.json", "test_metrics.json", "run_info.json", "train_results.json"} <= files
    assert not any(name.startswith(("checkpoint-", "runs/")) or name.endswith("training_args.bin") for name in files)
    assert sorted(p.relative_to(tmp_path / "upload").as_posix()
                  for p in (tmp_path / "upload").rglob("*") if p.is_file()) == sorted(files)
    card = (tmp_path / "upload" / "README.md").read_text(encoding="utf-8")

    meta = _front_matter(card)
    assert meta["license"] == "apache-2.0" and meta["library_name"] == "transformers"
    assert "text-based-molecule-generation" in meta["tags"] and "base_model" not in meta  # a fresh model
    results = meta["model-index"][0]["results"][0]
    assert results["dataset"]["split"] == "test"
    assert {m["type"]: m["value"] for m in results["metrics"]} == {
        k: round(v, 4) for k, v in metrics.items() if k in model_card.METRIC_NAMES and v is not None}

    # task, base model, data, hyper-parameters, metrics, usage, citation
    assert "* Task: `text2mol`" in card and "Base model: none: a fresh `tiny` T5 v1.1" in card
    assert "* Dataset: `demo`" in card
    assert "| learning_rate | `0.002` |" in card and "| per_device_train_batch_size | `32` |" in card
    fcd = "not computed" if metrics["fcd"] is None else f"{metrics['fcd']:.4f}"  # None: too few valid outputs
    assert f"| Validity | {metrics['validity']:.4f} |" in card and f"| FCD | {fcd} |" in card
    assert f"{metrics['num_examples']:,} examples" in card
    assert 'ada_t5.load("me/ada-t5-tiny-text2mol")' in card and "rank_valid_first=True" in card
    assert 'T5ForConditionalGeneration.from_pretrained("me/ada-t5-tiny-text2mol")' in card
    assert "@inproceedings{chen2024artificially" in card and "Leveraging Pseudo Data" in card
    assert (run_dir / "model.safetensors").is_file()  # the run folder itself is untouched


def test_an_explicit_metrics_json_and_card_fields_win(run_dir, tmp_path):
    metrics = tmp_path / "validation_metrics.json"
    metrics.write_text(json.dumps({"task": "text2mol", "split": "validation", "num_examples": 3300,
                                   "bleu": 0.8123, "validity": 0.99, "fcd": None, "notes": ["fcd | disabled"]}))
    result = push(run_dir, "me/x", dry_run=True, dry_run_dir=tmp_path / "up", metrics=metrics,
                  base_model="SCIR-HI/ada-t5-small", dataset="chebi20")
    card = (result.folder / "README.md").read_text(encoding="utf-8")
    assert "| BLEU | 0.8123 |" in card and "| FCD | not computed |" in card and "3,300 examples" in card
    assert "validation split" in card and "fcd \\| disabled" in card  # a pipe cannot break the markdown
    assert _front_matter(card)["base_model"] == "SCIR-HI/ada-t5-small"
    with pytest.raises(FileNotFoundError):
        push(run_dir, "me/x", dry_run=True, dry_run_dir=tmp_path / "up2", metrics=tmp_path / "missing.json")


def test_a_folder_that_is_not_a_checkpoint_is_refused(tmp_path):
    with pytest.raises(HubPushError, match="not a checkpoint folder"):
        push(tmp_path, "me/x", dry_run=True, dry_run_dir=tmp_path / "up")


def test_pushing_offline_fails_at_once_with_what_to_do(run_dir, capsys):
    started = time.perf_counter()
    with pytest.raises(HubPushError, match="HF_HUB_OFFLINE is set.*--dry_run"):
        push(run_dir, "me/x")
    assert time.perf_counter() - started < 5
    from ada_t5.cli import main

    assert main(["push", str(run_dir), "me/x"]) == 2
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err


def test_no_token_is_a_clear_error(run_dir, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr("ada_t5.hub.hub_unavailable_reason", lambda: None)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(HubPushError, match="HF_TOKEN.*hf auth login"):
        push(run_dir, "me/x")


def test_the_real_path_uploads_the_staged_folder_with_huggingface_hub(run_dir, monkeypatch):
    """The Hub is unreachable here: HfApi is replaced by a recorder, everything else is the real code path."""
    import huggingface_hub

    calls = []

    class RecordingApi:
        def __init__(self, token=None):
            calls.append(("init", token))

        def create_repo(self, repo_id, **kwargs):
            calls.append(("create_repo", repo_id, kwargs))

        def upload_folder(self, folder_path, repo_id, **kwargs):
            files = sorted(p.relative_to(folder_path).as_posix() for p in Path(folder_path).rglob("*") if p.is_file())
            card = (Path(folder_path) / "README.md").read_text(encoding="utf-8")
            calls.append(("upload_folder", repo_id, files, card, kwargs))
            return type("Commit", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/abc"})()

    monkeypatch.setattr("ada_t5.hub.hub_unavailable_reason", lambda: None)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "hf_from_login")
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    result = push(run_dir, "me/tiny", private=True)
    assert calls[0] == ("init", "hf_from_login")
    assert calls[1] == ("create_repo", "me/tiny", {"private": True, "exist_ok": True, "repo_type": "model"})
    _, repo_id, files, card, kwargs = calls[2]
    assert repo_id == "me/tiny" and files == result.files and "model.safetensors" in files
    assert "me/tiny" in card and kwargs["repo_type"] == "model"
    assert result.url.endswith("/commit/abc")


def test_fine_tuning_with_push_to_hub_fails_before_training_when_offline(tmp_path):
    from ada_t5.commands import finetune
    from ada_t5.config import parse_config

    args = parse_config(finetune.ARGUMENT_TYPES, [DEMO, "--model_shape", "tiny", "--max_steps", "5",
                                                  "--push_to_hub", "true", "--hub_model_id", "me/x",
                                                  "--output_dir", str(tmp_path / "run")])
    started = time.perf_counter()
    with pytest.raises(HubPushError, match="HF_HUB_OFFLINE"):
        finetune.run_finetune(*args)
    assert time.perf_counter() - started < 10 and not (tmp_path / "run" / "model.safetensors").exists()


def test_fine_tuning_pushes_once_at_the_end_the_model_tokenizer_and_our_card(tmp_path, monkeypatch):
    """Issue 11: the Trainer pushed output_dir (training_args.bin, runs/, checkpoints) at every save and its own
    card before ours, and without --hub_model_id the folder name was used as the repo id and failed after the
    run. Now: the id is owner/name, found before training; one commit at the end; only what belongs there."""
    import huggingface_hub
    from huggingface_hub import ModelCard

    from ada_t5.commands import finetune
    from ada_t5.config import parse_config

    calls = []

    def whoami(self, *args, **kwargs):
        calls.append(("whoami",))
        return {"name": "tester"}

    def create_repo(self, repo_id, **kwargs):
        calls.append(("create_repo", repo_id))

    def upload_folder(self, *, folder_path, repo_id, **kwargs):
        files = {p.relative_to(folder_path).as_posix(): p.read_bytes() for p in Path(folder_path).rglob("*")
                 if p.is_file()}
        calls.append(("commit", repo_id, files))
        return type("Commit", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/abc"})()

    # HfApi's network methods record instead; the Trainer's own pushes (module-level huggingface_hub
    # functions) would still go to the real, offline client and fail the run
    for name, method in (("whoami", whoami), ("create_repo", create_repo), ("upload_folder", upload_folder)):
        monkeypatch.setattr(huggingface_hub.HfApi, name, method)
    monkeypatch.setattr("ada_t5.hub.hub_unavailable_reason", lambda: None)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    data = tmp_path / "pairs.txt"
    data.write_text("CID\tSMILES\tdescription\n" + "".join(
        f"{i}\t{smiles}\tThe molecule is {name}.\n"
        for i, (smiles, name) in enumerate([("CCO", "ethanol"), ("CC(=O)O", "acetic acid"), ("c1ccccc1", "benzene"),
                                            ("CCN", "ethylamine")])))
    output_dir = tmp_path / "my-run"
    args = ["--dataset", "demo", "--train_file", str(data), "--validation_file", str(data), "--test_file", str(data),
            "--model_shape", "tiny", "--max_steps", "2", "--eval_steps", "1", "--save_steps", "1",
            "--warmup_steps", "0", "--per_device_train_batch_size", "2", "--tokenizer_vocab_size", "500",
            "--generation_max_new_tokens", "8", "--bf16", "false", "--dataloader_num_workers", "0",
            "--report_to", "tensorboard", "--disable_tqdm", "true", "--text_tokenizer", "simple", "--meteor", "false",
            "--num_examples_to_show", "0", "--push_to_hub", "true", "--output_dir", str(output_dir)]
    finetune.run_finetune(*parse_config(finetune.ARGUMENT_TYPES, args))

    assert list(output_dir.glob("checkpoint-*")) and list((output_dir / "runs").rglob("*"))  # kept locally
    commits = [call for call in calls if call[0] == "commit"]
    assert len(commits) == 1, [call[:2] for call in calls]
    assert [call[:2] for call in calls if call[0] != "commit"] == [("whoami",), ("create_repo", "tester/my-run")]
    _, repo_id, files = commits[0]
    assert repo_id == "tester/my-run"
    assert {"README.md", "config.json", "model.safetensors", "tokenizer.json", "test_metrics.json"} <= set(files)
    assert not [f for f in files if f.startswith(("checkpoint-", "runs/")) or f.endswith(("training_args.bin",
                                                                                             ".pt", ".pth"))]
    card = ModelCard(files["README.md"].decode("utf-8"))
    assert card.data.model_name == "my-run" and "ada-t5" in card.data.tags
    assert card.data.eval_results and all(r.dataset_type == "pairs" for r in card.data.eval_results)
    assert str(tmp_path) not in card.content.split("---")[1]  # no local path in the metadata
    assert "@inproceedings{chen2024artificially" in card.text
