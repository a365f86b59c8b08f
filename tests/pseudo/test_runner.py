"""End to end: a real HTTP server with faults, resume after SIGKILL, torn lines, filters, the leakage guard,
the API key kept secret, and the output loading with ada_t5.data.load_pairs."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ada_t5 import chem, data
from ada_t5.pseudo.backends import RuleBackend
from ada_t5.pseudo.openai_chat import OpenAIBackend
from ada_t5.pseudo.runner import GenerationConfig, run_generation

from .conftest import MOLECULES, answer_for, fault_for

SECRET = "sk-never-write-me-4242"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def backend_for(server, **kw):
    options = dict(api_key_env="ADA_T5_TEST_KEY", concurrency=4, timeout=1.0, backoff_base=0.01, max_retries=3)
    return OpenAIBackend(server.base_url, "mock-llm", **{**options, **kw})


def test_every_molecule_once_through_faults_and_key_never_written(tmp_path, chat_server, molecules_file, pool_file,
                                                                  monkeypatch, caplog):
    monkeypatch.setenv("ADA_T5_TEST_KEY", SECRET)
    caplog.set_level("DEBUG")
    out = tmp_path / "out" / "pseudo.jsonl"
    config = GenerationConfig([str(molecules_file)], str(out), pool=[str(pool_file)], k=2, progress=False)
    with chat_server(slow=2.5) as server:
        summary = run_generation(config, backend_for(server))
        rows = lines(out)
        assert sorted(r["canonical_smiles"] for r in rows) == sorted(chem.canonical_smiles(s) for s in MOLECULES)
        assert len({r["canonical_smiles"] for r in rows}) == len(MOLECULES)
        for row in rows:
            assert row["description"] == answer_for(row["smiles"])
            assert server.attempts[row["smiles"]] == (1 if fault_for(row["smiles"]) is None else 2)
            assert row["backend"] == "openai" and row["model"] == "mock-llm" and len(row["template_hash"]) == 12
            assert len(row["examples"]) == 2 and row["prompt_tokens"] > 0 and row["completion_tokens"] > 0
        ethanol = next(r for r in rows if r["smiles"] == "CCO")
        assert "p4" not in ethanol["examples"]  # the pool's own ethanol is never its example
        assert summary["written"] == len(MOLECULES) and summary["failed"] == 0
        assert summary["retries"] == sum(fault_for(s) is not None for s in MOLECULES)
        assert summary["prompt_tokens"] == sum(r["prompt_tokens"] for r in rows)
        # the same command again: nothing to do, nothing asked
        asked = sum(server.attempts.values())
        again = run_generation(config, backend_for(server))
        assert again["already_done"] == len(MOLECULES) and again["written"] == 0
        assert sum(server.attempts.values()) == asked and len(lines(out)) == len(MOLECULES)
        assert set(server.authorization) == {f"Bearer {SECRET}"}
    saved = json.loads((tmp_path / "out" / "pseudo.jsonl.summary.json").read_text())
    assert len(saved["runs"]) == 2 and saved["totals"]["pairs"] == len(MOLECULES)
    for path in (tmp_path / "out").iterdir():
        assert SECRET not in path.read_text(errors="replace"), path
    assert SECRET not in caplog.text

    loaded = data.load_pairs(out)
    assert loaded.column_names[:2] == ["smiles", "description"] and len(loaded) == len(MOLECULES)
    assert loaded[0]["description"] == rows[0]["description"] and loaded[0]["smiles"] == rows[0]["smiles"]


def test_killed_run_restarts_without_loss_or_duplicates(tmp_path, chat_server, molecules_file, pool_file):
    out = tmp_path / "pseudo.jsonl"
    command = [sys.executable, "-m", "ada_t5.cli", "--log-level", "WARNING", "pseudo", "--input", str(molecules_file),
               "--pool", str(pool_file), "--output", str(out), "--k", "2", "--model", "mock-llm",
               "--api_key_env", "ADA_T5_TEST_KEY", "--concurrency", "2", "--backoff_base", "0.01", "--num_proc", "1",
               "--no_progress"]
    env = {**os.environ, "ADA_T5_TEST_KEY": SECRET}
    with chat_server(delay=0.08, faults=False) as server:
        command += ["--base_url", server.base_url]
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 6):
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = {r["smiles"] for r in lines(out)}
        assert 6 <= len(before) < len(MOLECULES), "the run was not killed mid-way"
        with open(out, "ab") as handle:  # as if killed inside a write
            handle.write(b'{"id": "m99", "smiles": "CCCC", "descr')
        finished = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert finished.returncode == 0, finished.stderr
        rows = lines(out)
        assert sorted(r["smiles"] for r in rows) == sorted(MOLECULES)  # all there, each once
        assert all(server.attempts[s] == 1 for s in before)  # answers saved before the kill were not bought again
        assert sum(server.answered.values()) <= len(MOLECULES) + 2  # at most the 2 in flight at the kill
        summary = json.loads((tmp_path / "pseudo.jsonl.summary.json").read_text())["last_run"]
        assert summary["already_done"] == len(before) and summary["torn_bytes_repaired"] > 0
    assert "pairs written" in finished.stdout and SECRET not in finished.stdout + finished.stderr
    assert len(data.load_pairs(out)) == len(MOLECULES)


def test_filters_rejected_kept_aside_and_not_asked_again(tmp_path, chat_server, molecules_file, pool_file):
    answers = {"CCN": "I'm sorry, but I cannot describe this molecule.", "CCCl": "CCCl",
               "CC(=O)O": "Description: The molecule is propionic acid, a short-chain fatty acid.",  # copies p8
               "CSC": "   "}
    out = tmp_path / "p.jsonl"
    config = GenerationConfig([str(molecules_file)], str(out), pool=[str(pool_file)], k=3, progress=False)
    with chat_server(answers=answers, faults=False) as server:
        summary = run_generation(config, backend_for(server))
        assert summary["rejected"] == {"refusal": 1, "echo_smiles": 1, "echo_prompt": 1, "empty": 1}
        rejected = {r["smiles"]: r for r in lines(str(out) + ".rejected.jsonl")}
        assert set(rejected) == set(answers) and rejected["CCN"]["answer"] == answers["CCN"]
        assert not set(answers) & {r["smiles"] for r in lines(out)}
        assert run_generation(config, backend_for(server))["already_done"] == len(MOLECULES)
        config.retry_rejected = True
        assert run_generation(config, backend_for(server))["to_describe"] == len(answers)
        assert server.attempts["CCN"] == 2


def test_invalid_smiles_reported_and_duplicates_skipped(tmp_path, chat_server):
    inputs = tmp_path / "m.smi"
    inputs.write_text("CCO\nC1CC\nOCC\nXx\nCCN\n")
    out = tmp_path / "o.jsonl"
    summary = run_generation(GenerationConfig([str(inputs)], str(out), progress=False), RuleBackend())
    assert (summary["invalid_smiles"], summary["duplicates"], summary["written"]) == (2, 1, 2)
    invalid = (tmp_path / "o.jsonl.invalid.tsv").read_text().splitlines()
    assert invalid[1].startswith("m.smi:2\tC1CC\t") and invalid[2].startswith("m.smi:4\tXx\t")
    assert [r["examples"] for r in lines(out)] == [[], []] and lines(out)[0]["template_hash"] is None


def test_leakage_guard_small(tmp_path, chat_server, molecules_file, pool_file):
    test_set = tmp_path / "test.txt"
    test_set.write_text("CID\tSMILES\tdescription\n1\tOCC\tx\n2\tc1ccccc1\ty\n3\tCCCO\tz\n")  # OCC == CCO
    out = tmp_path / "o.jsonl"
    config = GenerationConfig([str(molecules_file)], str(out), pool=[str(pool_file)], exclude=[str(test_set)], k=8,
                              progress=False)
    with chat_server(faults=False) as server:
        summary = run_generation(config, backend_for(server))
        prompts = [b["messages"][-1]["content"] for b in server.bodies]
    assert summary["excluded_test"] == 2 and summary["pool_excluded_test"] == 3
    rows = lines(out)
    assert {r["smiles"] for r in rows} == set(MOLECULES) - {"CCO", "c1ccccc1"}
    assert all(not {"p1", "p4", "p7"} & set(r["examples"]) and len(r["examples"]) == 5 for r in rows)
    assert not any("SMILES: CCCO\n" in p or "SMILES: CCO\n" in p for p in prompts)


def test_leakage_guard_chebi(tmp_path, chat_server, shared_data):
    chebi = shared_data / "chebi20"
    queries = tmp_path / "q.txt"
    test_rows = (chebi / "test.txt").read_text().splitlines()[1:31]
    val_rows = (chebi / "validation.txt").read_text().splitlines()[1:31]
    queries.write_text("CID\tSMILES\tdescription\n" + "\n".join(test_rows + val_rows) + "\n")
    out = tmp_path / "o.jsonl"
    config = GenerationConfig([str(queries)], str(out), pool=[str(chebi / "validation.txt")],
                              exclude=[str(chebi / "test.txt")], k=3, progress=False)
    with chat_server(faults=False) as server:
        summary = run_generation(config, backend_for(server, concurrency=8))
        prompts = [b["messages"][-1]["content"] for b in server.bodies]
    test_canon = {chem.canonical_smiles(r.split("\t")[1]) for r in (chebi / "test.txt").read_text().splitlines()[1:]}
    test_ids = {r.split("\t")[0] for r in (chebi / "test.txt").read_text().splitlines()[1:]}
    assert summary["excluded_test"] >= 30
    assert summary["written"] + summary["excluded_test"] + summary["duplicates"] == 60
    for prompt in prompts:
        shown = [line[len("SMILES: "):] for line in prompt.splitlines() if line.startswith("SMILES: ")]
        assert not {chem.canonical_smiles(s) for s in shown} & test_canon
    rows = lines(out)
    assert not {chem.canonical_smiles(r["smiles"]) for r in rows} & test_canon
    assert not {e for r in rows for e in r["examples"]} & test_ids


def test_cli_config_and_fatal_error(tmp_path, chat_server, molecules_file, capsys):
    from ada_t5 import cli

    config = tmp_path / "c.yaml"
    config.write_text(f"backend: rule\ninput: {molecules_file}\nk: 0\n")
    out = tmp_path / "o.jsonl"
    assert cli.main(["pseudo", "--config", str(config), "--output", str(out), "--limit", "5", "--no_progress"]) == 0
    assert len(lines(out)) == 5 and "5 pairs written" in capsys.readouterr().out
    config.write_text("backend: rule\nbogus: 1\n")
    assert cli.main(["pseudo", "--config", str(config), "--output", str(out)]) == 2
    assert "unknown key 'bogus'" in capsys.readouterr().err
    with chat_server(status=401) as server:
        code = cli.main(["pseudo", "--input", str(molecules_file), "--output", str(tmp_path / "x.jsonl"), "--k", "0",
                         "--base_url", server.base_url, "--model", "m", "--no_progress"])
    assert code == 1 and "STOPPED" in capsys.readouterr().out
    assert (tmp_path / "x.jsonl").read_text() == ""


def test_a_run_where_every_request_failed_exits_non_zero(tmp_path, chat_server, molecules_file, capsys):
    from ada_t5 import cli

    with chat_server(status=500) as server:
        code = cli.main(["pseudo", "--input", str(molecules_file), "--output", str(tmp_path / "x.jsonl"), "--k", "0",
                         "--base_url", server.base_url, "--model", "m", "--no_progress", "--max_retries", "0",
                         "--backoff_base", "0.01"])
    assert code == 1 and "requests failed; nothing was written" in capsys.readouterr().err


def test_a_template_without_examples_stops_before_the_first_request(tmp_path, chat_server, molecules_file,
                                                                   pool_file):
    """Retrieved examples that the template would not send must not be recorded as the provenance."""
    template = tmp_path / "t.txt"
    template.write_text("Describe {smiles}.")
    out = tmp_path / "pseudo.jsonl"
    config = GenerationConfig([str(molecules_file)], str(out), pool=[str(pool_file)], k=2, template=str(template),
                              progress=False)
    with chat_server() as server:
        with pytest.raises(ValueError, match=r"no \{examples\} placeholder.*--k 0"):
            run_generation(config, backend_for(server))
        assert sum(server.attempts.values()) == 0
    assert not out.exists() or out.read_text() == ""


@pytest.mark.parametrize("level, targets_left, pool_left", [("smiles", 4, 3), ("skeleton", 2, 1)])
def test_leakage_guard_levels_end_to_end(tmp_path, chat_server, level, targets_left, pool_left):
    test_set = tmp_path / "test.txt"
    test_set.write_text("CID\tSMILES\tdescription\n1\tC[C@H](N)C(=O)O\tx\n2\tCC(=O)Oc1ccccc1C(=O)O\ty\n")
    inputs = tmp_path / "m.smi"  # D-alanine and aspirin's sodium salt leak at the skeleton level only
    inputs.write_text("C[C@@H](N)C(=O)O\nCC(=O)Oc1ccccc1C(=O)[O-].[Na+]\nCCO\nNCC(=O)O\n")
    pool = tmp_path / "pool.txt"
    pool.write_text("CID\tSMILES\tdescription\np1\tCC(N)C(=O)O\tThe molecule is alanine.\n"
                    "p2\tCC(=O)Oc1ccccc1C(=O)O.O\tThe molecule is aspirin hydrate.\n"
                    "p3\tCCCO\tThe molecule is propanol.\n")
    out = tmp_path / "o.jsonl"
    config = GenerationConfig([str(inputs)], str(out), pool=[str(pool)], exclude=[str(test_set)], k=3,
                              exclude_match=level, progress=False)
    with chat_server(faults=False) as server:
        summary = run_generation(config, backend_for(server))
    assert summary["written"] == targets_left and summary["excluded_test"] == 4 - targets_left
    assert summary["pool_size"] == pool_left and summary["exclude_match"] == level
    assert all(len(r["examples"]) == pool_left for r in lines(out))
