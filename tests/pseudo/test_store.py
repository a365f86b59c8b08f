"""Durable JSONL: torn-line repair, scanning, appending, the single-writer lock."""

import json

import pytest

from ada_t5.pseudo import store


def test_append_scan_repair(tmp_path):
    path = tmp_path / "out.jsonl"
    writer = store.Appender(path)
    writer.write([{"canonical_smiles": "CCO", "prompt_tokens": 10, "completion_tokens": 5, "backend": "b"},
                  {"canonical_smiles": "CCN", "prompt_tokens": 7, "reason": "empty"}])
    writer.write([])
    writer.close()
    scan = store.scan(path)
    assert (scan.keys, scan.lines, scan.prompt_tokens, scan.completion_tokens) == ({"CCO", "CCN"}, 2, 17, 5)
    assert scan.reasons == {"empty": 1}
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"canonical_smiles": "CC')  # a kill mid-write
    assert store.repair(path) == len(b'{"canonical_smiles": "CC')
    assert path.read_bytes() == whole and store.repair(path) == 0
    path.write_bytes(b'{"canonical_sm')  # torn first and only line
    assert store.repair(path) == 14 and path.read_bytes() == b""


def test_scan_refuses_a_foreign_line(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps({"canonical_smiles": "C"}) + "\nnot json\n")
    with pytest.raises(ValueError, match="out.jsonl:2"):
        store.scan(path)


def test_lock_is_exclusive(tmp_path):
    lock = store.Lock(tmp_path / "out.jsonl")
    with pytest.raises(RuntimeError, match="another run"):
        store.Lock(tmp_path / "out.jsonl")
    lock.release()
    store.Lock(tmp_path / "out.jsonl").release()
