"""How fast pseudo-data retrieval finds the k most similar pool molecules (Morgan r=2, 2048 bits, Tanimoto).

    python bench/retrieval_speed.py [--data-dir ../shared/data] [--queries 100000] [--pool 30000]
                                    [--num-proc 2] [--method sparse|rdkit] [--k 3]

Goal (issue 5): 100,000 queries against a 30,000-molecule pool in under 5 minutes on 2 cores.

Data, all real molecules: the pool is the first ``--pool`` distinct molecules of ChEBI-20's
``train_candidates_cid_smiles.tsv`` (26,409 train SMILES), then ``validation.txt``, then RDKit's
``NCI/first_5K.smi``; the queries cycle through ChEBI-20 ``test.txt``, ``train_partial.txt`` (these are in the
pool, so self-exclusion is exercised) and NCI ``first_5K.smi`` (about 18,000 distinct molecules), repeated until
``--queries`` (a repeated query costs what a new one does: it is parsed, fingerprinted and searched again).

Timed: building the searchable pool (parse + fingerprint + index), and the search of all queries including
parsing and fingerprinting them, in ``--num-proc`` worker processes (their start-up included). Writes
bench/results/retrieval_speed[_<method>].json. Without the shared data folder, pool and queries come from NCI
alone (5,000 molecules, repeated), which says so in the results.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _column(path: Path, index: int) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        next(handle)
        return [line.rstrip("\n").split("\t")[index] for line in handle if line.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=30_000)
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--method", choices=("sparse", "rdkit"), default="sparse")
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args(argv)

    from rdkit import RDConfig

    from ada_t5.pseudo.inputs import canonicalize_many
    from ada_t5.pseudo.retrieval import Retriever

    nci_path = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
    nci = [line.split()[0] for line in nci_path.read_text().splitlines() if line.strip()]
    chebi = Path(args.data_dir) / "chebi20"
    if chebi.is_dir():
        pool_source = (_column(chebi / "train_candidates_cid_smiles.tsv", 1) + _column(chebi / "validation.txt", 1)
                       + nci)
        query_source = _column(chebi / "test.txt", 1) + _column(chebi / "train_partial.txt", 1) + nci
        data = ("ChEBI-20 train candidates + validation + NCI first_5K (pool); ChEBI-20 test + train_partial + NCI "
                "(queries)")
    else:
        pool_source, query_source = nci, nci
        data = "NCI first_5K only (shared data not found): pool and queries repeat 5,000 molecules"

    started = time.perf_counter()
    pool = []
    seen = set()
    for canon in canonicalize_many(pool_source, num_proc=args.num_proc):
        if canon and canon not in seen:
            seen.add(canon)
            pool.append(canon)
        if len(pool) == args.pool:
            break
    if len(pool) < args.pool:
        pool = list(itertools.islice(itertools.cycle(pool), args.pool))
    retriever = Retriever(pool, method=args.method, num_proc=args.num_proc)
    pool_seconds = time.perf_counter() - started

    queries = list(itertools.islice(itertools.cycle(query_source), args.queries))
    started = time.perf_counter()
    found = 0
    for neighbours in retriever.search(queries, args.k, chunk_size=512):
        found += len(neighbours.indices) > 0
    search_seconds = time.perf_counter() - started

    result = {
        "queries": len(queries), "distinct_query_smiles": len(set(query_source)), "pool": len(retriever),
        "k": args.k, "method": args.method, "num_proc": args.num_proc, "fingerprint": "Morgan r=2, 2048 bits",
        "data": data, "pool_build_seconds": round(pool_seconds, 1), "search_seconds": round(search_seconds, 1),
        "queries_per_second": round(len(queries) / search_seconds, 1),
        "goal": "100,000 queries x 30,000 pool in < 300 s on 2 cores",
        "goal_met": bool(search_seconds + pool_seconds < 300) if (len(queries), len(retriever)) == (100_000, 30_000)
        else None,
        "queries_with_neighbours": found, "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(result, indent=2))
    out = REPO / "bench" / "results" / ("retrieval_speed.json" if args.method == "sparse"
                                        else f"retrieval_speed_{args.method}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
