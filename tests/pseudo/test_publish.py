"""``ada-t5 pseudo push --dry_run``: the staged Hub layout (card + parquet) from a real run's output."""

import json

from ada_t5 import cli, data
from ada_t5.pseudo.backends import RuleBackend
from ada_t5.pseudo.runner import GenerationConfig, run_generation

from .conftest import MOLECULES


def test_push_dry_run_stages_a_dataset_and_card(tmp_path, molecules_file, capsys):
    test_set = tmp_path / "heldout.txt"
    test_set.write_text("CID\tSMILES\tdescription\n1\tOCC\tx\n")  # OCC == CCO: excluded
    out = tmp_path / "pseudo.jsonl"
    summary = run_generation(GenerationConfig([str(molecules_file)], str(out), exclude=[str(test_set)],
                                              progress=False), RuleBackend())
    written = [json.loads(line) for line in out.read_text().splitlines()]
    staged = tmp_path / "upload"
    code = cli.main(["pseudo", "push", str(out), "--repo_id", "someone/pseudo-small", "--dry_run",
                     "--dry_run_dir", str(staged)])
    assert code == 0 and f"{len(written)} pairs staged" in capsys.readouterr().out
    assert sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()) == \
        ["README.md", "data/train-00000-of-00001.parquet"]
    pairs = data.load_pairs(staged / "data" / "train-00000-of-00001.parquet")
    assert pairs["smiles"] == [r["smiles"] for r in written]
    assert pairs["description"] == [r["description"] for r in written]
    from datasets import load_dataset

    full = load_dataset("parquet", data_files=str(staged / "data" / "*.parquet"), split="train")
    assert full.column_names[:2] == ["smiles", "description"] and full[0]["backend"] == "rule"
    assert full[0]["canonical_smiles"] == written[0]["canonical_smiles"]
    card = (staged / "README.md").read_text()
    assert card.startswith("---\nlicense: other") and "path: data/train-00000-of-00001.parquet" in card
    assert f"| rule | ada_t5.describe | None | {len(written)} |" in card
    assert "`heldout.txt` (match level: smiles" in card and f"{summary['excluded_test']} input molecules" in card
    assert "provider's terms of use" in card and 'load_pairs("someone/pseudo-small")' in card
    assert summary["excluded_test"] == 1 and len(written) == len(MOLECULES) - 1


def test_push_user_errors(tmp_path, capsys):
    out = tmp_path / "x.jsonl"
    out.write_text('{"smiles": "CCO", "description": "The molecule is ethanol."}\n')
    assert cli.main(["pseudo", "push", str(out), "--repo_id", "no-owner", "--dry_run"]) == 2
    assert "error: --repo_id 'no-owner' is not an owner/name" in capsys.readouterr().err
    out.write_text('{"smiles": "CCO"}\n')
    assert cli.main(["pseudo", "push", str(out), "--repo_id", "me/x", "--dry_run"]) == 2
    assert f"error: {out}:1: no smiles/description" in capsys.readouterr().err
