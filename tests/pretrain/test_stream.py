"""Streaming pre-training data: every pair format read as a stream, row checks, shuffling per pass, objectives,
the refusals. (End-to-end streaming runs, resume and 2 processes: tests/commands/test_pretrain.py.)"""

from __future__ import annotations

import csv
import json
import logging
from itertools import islice
from types import SimpleNamespace

import pytest

from ada_t5 import data
from ada_t5.data import DataFormatError
from ada_t5.pretrain import data as pretraining
from ada_t5.pretrain.args import PretrainDataArguments
from ada_t5.pretrain.objectives import build_collator
from ada_t5.pretrain.stream import (
    StreamPasses,
    build_streaming_datasets,
    check_streaming_run,
    sample_pairs,
    stream_pairs,
)


@pytest.fixture(scope="module")
def pairs():
    """60 real pairs: RDKit's shipped molecules with their rule-based descriptions."""
    train = data.load_demo_splits(n=80, seed=42)["train"]
    return list(zip(train["smiles"], train["description"]))[:60]


def _write(path, rows, fmt):
    """``rows``: (smiles, description) pairs, written under the column names SMILES / caption."""
    if fmt == "jsonl":
        path.write_text("".join(json.dumps({"SMILES": s, "caption": d}) + "\n" for s, d in rows))
    elif fmt == "json":  # the paper's layout: one JSON list, an object per line
        path.write_text("[\n" + ",\n".join(json.dumps({"SMILES": s, "caption": d}) for s, d in rows) + "\n]\n")
    elif fmt in ("csv", "tsv"):
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t")
            writer.writerow(["SMILES", "caption"])
            writer.writerows(rows)
    elif fmt == "txt":  # MolT5's TSV: CID, SMILES, description, no quoting
        path.write_text("CID\tSMILES\tdescription\n" + "".join(f"{i}\t{s}\t{d}\n" for i, (s, d) in enumerate(rows)))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"SMILES": [s for s, _ in rows], "caption": [d for _, d in rows]}), path)
    return str(path)


def _args(source, **kwargs) -> PretrainDataArguments:
    return PretrainDataArguments(dataset=str(source), streaming=True, **kwargs)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "tsv", "txt", "parquet"])
def test_every_format_streams_what_load_pairs_reads(fmt, pairs, tmp_path):
    source = _write(tmp_path / f"pairs.{fmt}", pairs, fmt)
    streamed, _, checker = stream_pairs(_args(source), seed=0)
    rows = [(row["smiles"], row["description"]) for row in streamed]
    loaded = data.load_pairs(source)
    assert rows == list(zip(loaded["smiles"], loaded["description"])) == pairs
    assert checker.skipped == 0
    first_ten, _, _ = stream_pairs(_args(source, max_train_samples=10), seed=0)
    assert [row["smiles"] for row in first_ten] == [s for s, _ in pairs[:10]]


@pytest.mark.parametrize("layout", ["one line", "object holding the list", "that object on one line", "JSON Lines",
                                    "JSON Lines rows holding lists of objects"])
def test_every_json_layout_load_pairs_reads_streams_too(layout, pairs, tmp_path):
    rows = [{"smiles": s, "description": d} for s, d in pairs[:9]]
    text = {"one line": json.dumps(rows),
            "object holding the list": json.dumps({"source": "x", "pairs": rows}, indent=1),
            "that object on one line": json.dumps({"source": "x", "pairs": rows}),
            "JSON Lines": "\n".join(json.dumps(r) for r in rows),
            "JSON Lines rows holding lists of objects": "\n".join(json.dumps(dict(r, examples=[{"id": "1"}]))
                                                                 for r in rows)}[layout]
    (tmp_path / "pairs.json").write_text(text)
    streamed = [(row["smiles"], row["description"]) for row in stream_pairs(_args(tmp_path / "pairs.json"), seed=0)[0]]
    assert streamed == pairs[:9] == list(zip(*[data.load_pairs(str(tmp_path / "pairs.json"))[c]
                                               for c in ("smiles", "description")]))


def test_a_sharded_corpus_streams_its_files_in_order_and_splits_them_among_workers(pairs, tmp_path,
                                                                                   demo_tokenizer):
    import torch.utils.data

    for i, part in enumerate((pairs[:30], pairs[30:])):
        _write(tmp_path / f"part-{i}.jsonl", part, "jsonl")
    streamed = stream_pairs(_args(tmp_path / "part-*.jsonl"), seed=0)[0]
    assert streamed.num_shards == 2
    assert [(row["smiles"], row["description"]) for row in streamed] == pairs
    # data-loader workers each read their own file; together, every pair once per pass
    train, _ = build_streaming_datasets(_args(tmp_path / "part-*.jsonl", shuffle_buffer_size=0), demo_tokenizer, seed=0)
    rows = [tuple(row["smiles_ids"]) for row in islice(torch.utils.data.DataLoader(train, batch_size=None,
                                                                                   num_workers=2), len(pairs))]
    assert sorted(rows) == sorted(tuple(demo_tokenizer(s)["input_ids"]) for s, _ in pairs)
    # JSON lists: a bad row names its own file and line
    _write(tmp_path / "list-0.json", pairs[:5], "json")
    _write(tmp_path / "list-1.json", _with_bad_rows(pairs), "json")
    with pytest.raises(DataFormatError, match=f"^{tmp_path}/list-1.json:5: field 'SMILES': RDKit cannot parse"):
        list(stream_pairs(_args(tmp_path / "list-*.json"), seed=0)[0])


def test_the_paper_json_list_is_read_incrementally_not_by_datasets_json_builder(pairs, tmp_path, monkeypatch):
    """datasets' json builder reads a file starting with '[' whole into memory; ours reads value by value."""
    import datasets

    source = _write(tmp_path / "pairs.json", pairs, "json")
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: pytest.fail("the json builder was used"))
    assert len(list(stream_pairs(_args(source), seed=0)[0])) == len(pairs)


def _with_bad_rows(pairs):
    rows = [list(p) for p in pairs[:12]]
    rows[3][0] = "C1CC"  # unclosed ring
    rows[5][1] = "   "
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("fmt, where", [("jsonl", ": row 3"), ("json", ":5"), ("csv", ": row 3")])
def test_a_bad_row_stops_the_stream_naming_source_row_and_field(fmt, where, pairs, tmp_path):
    source = _write(tmp_path / f"bad.{fmt}", _with_bad_rows(pairs), fmt)
    with pytest.raises(DataFormatError) as error:
        list(stream_pairs(_args(source), seed=0)[0])
    message = str(error.value)
    assert message.startswith(f"{source}{where}: field 'SMILES': RDKit cannot parse 'C1CC' (unclosed ring)")
    assert "--skip_invalid true" in message
    # without RDKit parsing, the next problem is the first one: the blank description
    with pytest.raises(DataFormatError, match="field 'caption': empty"):
        list(stream_pairs(_args(source, validate_smiles=False), seed=0)[0])


def test_skip_invalid_counts_and_logs_every_skipped_row(pairs, tmp_path, caplog):
    rows = _with_bad_rows(pairs)
    source = tmp_path / "bad.jsonl"
    source.write_text("".join(json.dumps({"SMILES": s, "caption": d}) + "\n" for s, d in rows)
                      + json.dumps({"SMILES": 7, "caption": "a number"}) + "\n")
    with caplog.at_level(logging.WARNING, logger="ada_t5.data.stream"):
        streamed, _, checker = stream_pairs(_args(source, skip_invalid=True), seed=0)
        kept = list(streamed)
    assert len(kept) == len(rows) - 2 and checker.skipped == 3
    assert checker.problems == [f"{source}: row 3: field 'SMILES': RDKit cannot parse 'C1CC' (unclosed ring)",
                                f"{source}: row 5: field 'caption': empty",
                                f"{source}: row 12: field 'SMILES': expected a string, got int"]
    assert [r.getMessage().split(": ", 1)[1] for r in caplog.records] == checker.problems
    assert data.load_pairs(str(source), skip_invalid=True)["smiles"] == [row["smiles"] for row in kept]


def test_passes_are_reshuffled_from_the_seed(pairs, tmp_path, demo_tokenizer):
    source = _write(tmp_path / "pairs.jsonl", pairs, "jsonl")
    args = _args(source, shuffle_buffer_size=16)

    def passes(seed, n=3):
        train, _ = build_streaming_datasets(args, demo_tokenizer, seed=seed)
        assert isinstance(train, StreamPasses)
        rows = [tuple(row["smiles_ids"]) for row in islice(train, n * len(pairs))]
        return [rows[i * len(pairs):(i + 1) * len(pairs)] for i in range(n)]

    first = passes(seed=1)
    in_file_order = [tuple(demo_tokenizer(s)["input_ids"]) for s, _ in pairs]
    assert all(sorted(p) == sorted(in_file_order) for p in first)  # every pass: every pair once
    assert len({tuple(p) for p in first} | {tuple(in_file_order)}) == 4  # each pass in its own order
    assert passes(seed=1) == first  # seed-determined: a resumed run replays it
    assert passes(seed=2, n=1)[0] != first[0]


def test_span_corruption_and_mixture_stream(pairs, tmp_path, demo_tokenizer):
    source = _write(tmp_path / "pairs.jsonl", pairs, "jsonl")
    smi = tmp_path / "more.smi"
    smi.write_text("".join(f"{s} ZINC{i}\n" for i, (s, _) in enumerate(pairs)))
    span, _ = build_streaming_datasets(_args(source, objective="span_corruption", input_length=64,
                                             span_corruption_files=str(smi)), demo_tokenizer, seed=0)
    rows = list(islice(span, 40))
    assert {len(row["input_ids"]) for row in rows} == {70}  # 64-token inputs come from 70 raw tokens
    mixed, _ = build_streaming_datasets(_args(source, objective="mixture", input_length=64,
                                              span_corruption_ratio=0.3), demo_tokenizer, seed=0)
    kinds = [len(row["input_ids"]) > 0 for row in islice(mixed, 200)]
    assert 0.15 < sum(kinds) / len(kinds) < 0.45
    batch = build_collator(_args(source, objective="mixture", input_length=64), demo_tokenizer,
                                       seed=0)(list(islice(mixed, 16)))
    assert batch["input_ids"].shape[0] == 16


def test_a_stream_without_rows_is_refused_at_once(pairs, tmp_path, demo_tokenizer):
    source = _write(tmp_path / "bad.jsonl", [("C1CC", "unclosed")] * 3, "jsonl")
    with pytest.raises(ValueError, match="the stream holds no training rows"):
        build_streaming_datasets(_args(source, skip_invalid=True), demo_tokenizer, seed=0)
    short = _write(tmp_path / "short.jsonl", pairs[:2], "jsonl")
    with pytest.raises(ValueError, match="span corruption keeps only whole rows"):
        build_streaming_datasets(_args(short, objective="span_corruption"), demo_tokenizer, seed=0)


def test_validation_pairs_are_loaded_in_memory(pairs, tmp_path, demo_tokenizer):
    source = _write(tmp_path / "train.jsonl", pairs, "jsonl")
    validation = _write(tmp_path / "validation.jsonl", pairs[:8], "jsonl")
    _, loaded = build_streaming_datasets(_args(tmp_path), demo_tokenizer, seed=0)  # a folder of split files
    assert len(loaded) == 8 and loaded[0]["smiles_ids"] == demo_tokenizer(pairs[0][0])["input_ids"]
    _, none = build_streaming_datasets(_args(source), demo_tokenizer, seed=0)
    assert none is None
    _, given = build_streaming_datasets(_args(source, validation_file=validation, max_eval_samples=5),
                                        demo_tokenizer, seed=0)
    assert len(given) == 5


def test_the_tokenizer_sample_is_the_head_of_the_stream(pairs, tmp_path):
    source = _write(tmp_path / "pairs.parquet", pairs, "parquet")
    sample = sample_pairs(_args(source), seed=0, limit=7)
    assert list(zip(sample["smiles"], sample["description"])) == pairs[:7]


def _training_args(**overrides):
    from ada_t5.commands.pretrain import ARGUMENT_TYPES
    from ada_t5.config import parse_config

    argv = ["--model_shape", "tiny", "--output_dir", "/tmp/unused", "--use_cpu", "true"]
    for key, value in overrides.items():
        argv += [f"--{key}", value]
    return parse_config(ARGUMENT_TYPES, argv)[2]


def test_streaming_run_settings(caplog):
    args = PretrainDataArguments(streaming=True)
    with pytest.raises(ValueError, match="--streaming needs --max_steps"):
        check_streaming_run(args, _training_args(max_steps="-1", num_train_epochs="2"))
    with pytest.raises(ValueError, match="dispatch_batches"):
        check_streaming_run(args, _training_args(accelerator_config='{"dispatch_batches": true}'))
    training = _training_args()
    assert training.train_sampling_strategy == "group_by_length"  # the default: ignored, said so, no error
    with caplog.at_level(logging.INFO, logger="ada_t5.pretrain.stream"):
        check_streaming_run(args, training)
    assert training.accelerator_config.dispatch_batches is False
    assert "--train_sampling_strategy group_by_length does not apply" in caplog.text
    with pytest.raises(ValueError, match="shuffle_buffer_size"):
        PretrainDataArguments(streaming=True, shuffle_buffer_size=-1)


def test_streaming_settings_do_not_change_the_cache_key(demo_tokenizer):
    base = PretrainDataArguments(demo_size=300)
    streamed = PretrainDataArguments(demo_size=300, streaming=True, shuffle_buffer_size=5)
    key = pretraining.cache_key
    assert key(base, demo_tokenizer, seed=1) == key(streamed, demo_tokenizer, seed=1)  # cached data stays valid


def test_a_hub_id_offline_fails_fast_saying_what_to_do():
    # tests run with HF_HUB_OFFLINE=1 (conftest)
    with pytest.raises(FileNotFoundError, match="streaming reads a Hub dataset over the network"):
        stream_pairs(_args("SCIR-HI/PseudoMD-1M"), seed=0)


def test_stream_passes_stop_on_an_empty_stream_only_in_the_main_process(monkeypatch):
    class Empty:
        def set_epoch(self, epoch):
            pass

        def __iter__(self):
            return iter(())

    with pytest.raises(ValueError, match="holds no training rows"):
        list(StreamPasses(Empty(), "empty.jsonl"))
    import torch.utils.data

    monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: SimpleNamespace(id=3, num_workers=4))
    assert list(StreamPasses(Empty(), "empty.jsonl")) == []  # a worker without a file of its own
