"""What the leakage guard's match levels cost per million molecules and how many more molecules they exclude.

    python bench/leakage_guard.py [--data-dir ../shared/data] [--num-proc 1] [--out bench/results/leakage_guard.json]

Held out: ChEBI-20 ``test.txt`` (3,300). Checked, separately: ChEBI-20 train candidates + validation (a
ChEBI-like input, the worst case for the formula pre-filter: full of isomers of test molecules) and RDKit's
NCI ``first_5K.smi`` (a screening-library-like input). Timed: :meth:`LeakageGuard.matches` on canonical SMILES
(the runner already has them); building the guard (keying the 3,300 held-out molecules) is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _canonical_column(path: Path, index: int) -> list[str]:
    from ada_t5.pseudo.inputs import canonicalize_many

    with open(path, encoding="utf-8") as handle:
        next(handle)
        raw = [line.rstrip("\n").split("\t")[index] for line in handle if line.strip()]
    return [c for c in canonicalize_many(raw) if c]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--num-proc", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "leakage_guard.json"))
    args = parser.parse_args()
    from rdkit import RDConfig

    from ada_t5.pseudo.inputs import canonicalize_many
    from ada_t5.pseudo.leakage import LEVELS, LeakageGuard

    chebi = Path(args.data_dir) / "chebi20"
    test = _canonical_column(chebi / "test.txt", 1)
    inputs = {
        "chebi20_train_candidates+validation": sorted(set(
            _canonical_column(chebi / "train_candidates_cid_smiles.tsv", 1)
            + _canonical_column(chebi / "validation.txt", 1))),
        "nci_first_5k": sorted({c for c in canonicalize_many(
            [line.split()[0] for line in open(os.path.join(RDConfig.RDDataDir, "NCI", "first_5K.smi")) if line.strip()])
            if c}),
    }
    results = {"held_out": "chebi20 test.txt", "held_out_molecules": len(set(test)), "num_proc": args.num_proc,
               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)", "sets": {}}
    for name, molecules in inputs.items():
        rows = {}
        for level in LEVELS:
            started = time.perf_counter()
            guard = LeakageGuard(test, level, num_proc=args.num_proc)
            built = time.perf_counter() - started
            started = time.perf_counter()
            hits = guard.matches(molecules)
            seconds = time.perf_counter() - started
            rows[level] = {"excluded": sum(hits), "excluded_pct": round(100 * sum(hits) / len(molecules), 2),
                           "keyed": guard.keyed, "keyed_pct": round(100 * guard.keyed / len(molecules), 1),
                           "guard_build_s": round(built, 2), "check_s": round(seconds, 2),
                           "s_per_million": round(seconds / len(molecules) * 1e6, 1)}
            print(name, len(molecules), level, rows[level], flush=True)
        results["sets"][name] = {"molecules": len(molecules), "levels": rows}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
