"""The Batch API backend against a fake Files + Batches server on 127.0.0.1: chunking, a failed and an expired
batch, resuming after a kill at each step without paying twice, and --no_wait."""

import json

import pytest

from ada_t5 import chem, data
from ada_t5.pseudo import openai_batch
from ada_t5.pseudo.openai_batch import BatchBackend, Journal
from ada_t5.pseudo.runner import GenerationConfig, run_generation

from .batch_server import BatchServer
from .conftest import MOLECULES, answer_for


def lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def backend(server, out, **kw):
    options = dict(api_key_env="ADA_T5_TEST_KEY", max_requests=10, poll_interval=0.01)
    return BatchBackend(server.base_url, "mock-llm", str(out), **{**options, **kw})


def config(molecules_file, pool_file, out):
    return GenerationConfig([str(molecules_file)], str(out), pool=[str(pool_file)], k=2, progress=False)


def test_failed_and_expired_batches_are_asked_again_and_nothing_is_paid_twice(tmp_path, molecules_file, pool_file,
                                                                               monkeypatch):
    monkeypatch.setenv("ADA_T5_TEST_KEY", "sk-batch-secret")
    out = tmp_path / "pseudo.jsonl"
    with BatchServer(fates=["fail", "expire"]) as server:
        first = run_generation(config(molecules_file, pool_file, out), backend(server, out))
        assert server.created == 3  # 30 molecules in chunks of 10
        assert first["written"] == 15 and first["failed"] == 15  # the failed chunk (10) + half the expired one
        assert any("does not exist" in e for e in first["errors_sample"])
        second = run_generation(config(molecules_file, pool_file, out), backend(server, out))
        assert second["to_describe"] == 15 and second["written"] == 15 and server.created == 5
        third = run_generation(config(molecules_file, pool_file, out), backend(server, out))
        assert third["to_describe"] == 0 and server.created == 5
    rows = lines(out)
    assert sorted(r["canonical_smiles"] for r in rows) == sorted(chem.canonical_smiles(s) for s in MOLECULES)
    assert set(server.paid.values()) == {1} and len(server.paid) == len(MOLECULES)  # each answer bought once
    for row in rows:
        assert row["description"] == answer_for(row["smiles"]) and row["backend"] == "openai-batch"
        assert row["model"] == "mock-llm" and len(row["examples"]) == 2 and row["prompt_tokens"] > 0
    request = json.loads(server.files["file-1"].decode().splitlines()[0])
    assert request["url"] == "/v1/chat/completions" and request["body"]["max_tokens"] == 512
    assert set(server.authorization) == {"Bearer sk-batch-secret"}
    assert "sk-batch-secret" not in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert len(data.load_pairs(out)) == len(MOLECULES)


@pytest.mark.parametrize("crash_on", ["file_id", "batch_id", "merged"])
def test_a_kill_at_any_step_resumes_without_paying_twice(tmp_path, molecules_file, pool_file, monkeypatch, crash_on):
    """A kill right before a step is recorded in <output>.batches.jsonl (the worst moment for each step)."""
    out = tmp_path / "pseudo.jsonl"
    record = Journal.record

    def crashing(self, chunk, **fields):
        if crash_on in fields and chunk == 2:
            raise KeyboardInterrupt  # stands in for SIGKILL: the step happened, its record did not
        record(self, chunk, **fields)

    with BatchServer() as server:
        monkeypatch.setattr(Journal, "record", crashing)
        run_generation(config(molecules_file, pool_file, out), backend(server, out))  # interrupted
        monkeypatch.setattr(Journal, "record", record)
        summary = run_generation(config(molecules_file, pool_file, out), backend(server, out))
        assert summary["stopped"] is None and summary["batches_pending"] == 0
    assert sorted(r["canonical_smiles"] for r in lines(out)) == sorted(chem.canonical_smiles(s) for s in MOLECULES)
    assert server.created == 3 and set(server.paid.values()) == {1}  # no batch created or answer bought twice


def test_no_wait_submits_then_a_later_run_collects(tmp_path, molecules_file, pool_file):
    out = tmp_path / "pseudo.jsonl"
    with BatchServer(polls_to_finish=3) as server:
        first = run_generation(config(molecules_file, pool_file, out), backend(server, out, wait=False))
        assert first["written"] == 0 and first["batches_pending"] == 3 and server.created == 3
        second = run_generation(config(molecules_file, pool_file, out), backend(server, out, wait=False))
        assert second["batches_pending"] == 3 and server.created == 3  # still running: not submitted again
        third = run_generation(config(molecules_file, pool_file, out), backend(server, out))
        assert third["written"] == len(MOLECULES) and server.created == 3
    journal = lines(str(out) + ".batches.jsonl")
    assert {e["chunk"] for e in journal if "merged" in e} == {1, 2, 3}


def test_chunks_respect_the_size_limit(tmp_path, molecules_file, pool_file):
    out = tmp_path / "pseudo.jsonl"
    with BatchServer() as server:
        run_generation(config(molecules_file, pool_file, out), backend(server, out, max_requests=1000, max_bytes=4000))
        sizes = [len(content) for name, content in server.files.items() if name in
                 {b["input_file_id"] for b in server.batches.values()}]
    assert len(sizes) >= 3 and max(sizes) <= 4000


def test_custom_id_is_stable():
    assert openai_batch.custom_id("CCO") == openai_batch.custom_id("CCO") != openai_batch.custom_id("CCN")
