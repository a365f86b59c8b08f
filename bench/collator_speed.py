#!/usr/bin/env python
"""Examples/s of each pre-training (and the fine-tuning) collator on one CPU core.

What a data-loader worker does per batch: read the rows from a memory-mapped Arrow dataset and collate them.
Rows are synthetic token ids of realistic lengths (pairs: ~50-token SMILES, ~90-token descriptions, as
ChEBI-20 / PseudoMD-1M; span corruption: packed rows of 568 tokens for 512-token inputs). Compare the
figure with the training rate: a collator at N examples/s feeds N / batch steps/s from one worker.

    python bench/collator_speed.py                      # batch 128, writes bench/results/collator_speed.json
    python bench/collator_speed.py --batch_size 32 --batches 50
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch_size", type=int, default=128, help="rows per batch (the paper's pre-training: 128)")
    p.add_argument("--batches", type=int, default=40, help="timed batches per collator")
    p.add_argument("--rows", type=int, default=20_000, help="rows in each synthetic Arrow dataset")
    p.add_argument("--input_length", type=int, default=512, help="span-corruption input length")
    p.add_argument("--output", default=str(Path(__file__).parent / "results" / "collator_speed.json"))
    return p.parse_args(argv)


def synthetic_datasets(rows: int, input_length: int, folder: Path):
    """Arrow datasets on disk (then memory-mapped, as the training run reads its cache)."""
    from datasets import Dataset, load_from_disk

    from ada_t5.pretrain.data import mix
    from ada_t5.pretrain.objectives import compute_input_and_target_lengths

    rng = np.random.default_rng(0)

    def ragged(mean):
        return [rng.integers(200, 32000, size=max(4, int(rng.normal(mean, mean / 4)))).tolist() + [1]
                for _ in range(rows)]

    smiles, text = ragged(50), ragged(90)
    pairs = Dataset.from_dict({"smiles_ids": smiles, "description_ids": text,
                               "length": [len(a) + len(b) for a, b in zip(smiles, text)]})
    tokens_length, _ = compute_input_and_target_lengths(input_length)
    packed = Dataset.from_dict({"input_ids": rng.integers(200, 32000, size=(rows, tokens_length)).tolist(),
                                "length": [tokens_length] * rows})
    seq2seq = Dataset.from_dict({"input_ids": smiles, "labels": text, "length": [len(a) for a in smiles]})
    out = {}
    for name, ds in (("pairs", pairs), ("packed", packed), ("seq2seq", seq2seq)):
        ds.save_to_disk(str(folder / name))
        out[name] = load_from_disk(str(folder / name))
    out["mixture"] = mix(out["pairs"], out["packed"], 0.5, seed=0)
    return out


def time_collator(collate, dataset, batch_size: int, batches: int) -> dict:
    rng = np.random.default_rng(1)
    order = [rng.integers(0, len(dataset), size=batch_size).tolist() for _ in range(batches + 3)]
    for indices in order[:3]:  # warm-up
        collate([dataset[i] for i in indices])
    fetch = collate_time = 0.0
    for indices in order[3:]:
        t0 = time.perf_counter()
        rows = [dataset[i] for i in indices]  # what the DataLoader's fetcher does, row by row
        t1 = time.perf_counter()
        collate(rows)
        t2 = time.perf_counter()
        fetch += t1 - t0
        collate_time += t2 - t1
    examples = batch_size * batches
    return {"examples_per_s": round(examples / (fetch + collate_time), 1),
            "collate_only_examples_per_s": round(examples / collate_time, 1),
            "batches_per_s": round(batches / (fetch + collate_time), 2)}


def main(argv=None) -> int:
    from ada_t5.collators import Seq2SeqCollator
    from ada_t5.pretrain.objectives import (
        BidirectionalPairCollator,
        DataCollatorForT5MLM,
        MixtureCollator,
        compute_input_and_target_lengths,
    )

    args = parse_args(argv)
    torch.set_num_threads(1)  # one core, as one data-loader worker
    tokens_length, _ = compute_input_and_target_lengths(args.input_length)
    sentinels = np.arange(32099, 31999, -1)  # T5's <extra_id_0..99>
    translation = BidirectionalPairCollator(pad_token_id=0, pad_to_multiple_of=8)
    span = DataCollatorForT5MLM(sentinel_ids=sentinels, eos_token_id=1, tokens_length=tokens_length)
    with tempfile.TemporaryDirectory() as folder:
        data = synthetic_datasets(args.rows, args.input_length, Path(folder))
        cases = {"translation": (translation, data["pairs"]), "span_corruption": (span, data["packed"]),
                 "mixture": (MixtureCollator(translation, span), data["mixture"]),
                 "seq2seq (fine-tuning)": (Seq2SeqCollator(0, 8), data["seq2seq"])}
        results = {name: time_collator(collate, ds, args.batch_size, args.batches) for name, (collate, ds) in
                   cases.items()}
    print(f"one CPU core, batch {args.batch_size}, rows read from memory-mapped Arrow and collated:")
    for name, r in results.items():
        print(f"  {name:<24} {r['examples_per_s']:>10,.0f} examples/s  ({r['batches_per_s']:.1f} batches/s; "
              f"collation alone {r['collate_only_examples_per_s']:,.0f}/s)")
    record = {"batch_size": args.batch_size, "input_length": args.input_length, "tokens_length": tokens_length,
              "threads": 1, "machine": platform.processor() or platform.machine(), "python": platform.python_version(),
              "results": results}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
