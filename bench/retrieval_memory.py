"""Retrieval memory and time with a million-molecule pool: the inverted index (shared by memory-mapped worker
processes) against the bit-major matrix it replaces above 100,000 pool molecules.

    python bench/retrieval_memory.py [--pool 1000000] [--queries 400] [--num-proc 2] [--layouts inverted,matrix]

The pool's fingerprints are real: the Morgan (r=2, 2,048 bits) on-bits of the distinct molecules of ChEBI-20
(train candidates, validation) and RDKit's NCI first_5K, repeated to ``--pool`` entries (the bit statistics,
which set the index size and the work per query, are those of real molecules; repeats cost what new molecules
cost). Queries: ChEBI-20 test molecules. Measured per layout, in a fresh process: peak resident memory of the
process and its workers (sampled every 0.1 s), the time to build the index, and the search time per query
(parsing and fingerprinting the query included). Writes bench/results/retrieval_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def tree_rss(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:")) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def measure(args, layout: str) -> dict:
    import numpy as np

    from ada_t5.pseudo import retrieval
    from ada_t5.pseudo.inputs import canonicalize_many

    chebi = Path(args.data_dir) / "chebi20"
    from rdkit import RDConfig

    raw = [line.split("\t")[1] for line in (chebi / "train_candidates_cid_smiles.tsv").read_text().splitlines()[1:]]
    raw += [line.split("\t")[1] for line in (chebi / "validation.txt").read_text().splitlines()[1:]]
    raw += [line.split()[0] for line in (Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi").read_text().splitlines()]
    base = sorted({c for c in canonicalize_many(raw) if c})
    queries = [c for c in canonicalize_many(
        [line.split("\t")[1] for line in (chebi / "test.txt").read_text().splitlines()[1:args.queries + 1]]) if c]
    base_bits = retrieval.on_bits(base)
    peak, stop = [0], threading.Event()

    def sample():
        while not stop.wait(0.1):
            peak[0] = max(peak[0], tree_rss(os.getpid()))

    baseline = tree_rss(os.getpid())
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    retriever = retrieval.Retriever([], num_proc=args.num_proc, layout=layout)  # then give it the big pool
    repeats = -(-args.pool // len(base_bits))
    retriever.pool_bits = (base_bits * repeats)[:args.pool]
    retriever.kept = list(range(args.pool))
    retriever.index_of = {}
    built = time.perf_counter() - started
    started = time.perf_counter()
    found = list(retriever.search(queries, 3, chunk_size=max(1, len(queries) // (4 * args.num_proc))))
    searched = time.perf_counter() - started
    stop.set()
    bits = sum(len(b) for b in retriever.pool_bits)
    return {"layout": layout, "pool": args.pool, "distinct_real_fingerprints": len(base_bits),
            "mean_on_bits": round(bits / args.pool, 1), "queries": len(found), "num_proc": args.num_proc,
            "pool_fingerprints_in_memory_s": round(built, 1),
            "search_s_incl_index_build_and_worker_start": round(searched, 1),
            "s_per_query_after_start": None,
            "peak_rss_gib_process_and_workers": round(peak[0] / 2**30, 2),
            "rss_gib_before_pool": round(baseline / 2**30, 2), "index_bytes_per_molecule": (
                round(4 * bits / args.pool, 1) if layout == "inverted" else 2048),
            "numpy": np.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--layouts", default="inverted,matrix")
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "retrieval_memory.json"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args, args.one)))
        return
    results = []
    for layout in args.layouts.split(","):  # each in a fresh process: peak memory is per layout
        command = [sys.executable, __file__, "--one", layout, "--pool", str(args.pool), "--queries",
                   str(args.queries), "--num-proc", str(args.num_proc), "--data-dir", args.data_dir]
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results.append(json.loads(line))
        print(line, flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    Path(args.out).write_text(json.dumps({"command": "python bench/retrieval_memory.py " + " ".join(sys.argv[1:]),
                                          "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
