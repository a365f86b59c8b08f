"""How much faster ada_t5.metrics scores than MolT5's evaluation scripts, with identical values.

    python bench/metrics_speed.py [--data-dir ../shared/data] [--quick] [--repeats 3] [--num-proc N]

For each full ``molt5-base-*`` prediction file (3,300 rows) it times, each in a fresh process so imports and
resource loading count on both sides:
  (a) straightforward: MolT5's scripts reimplemented literally (tests/metrics/molt5_literal.py), one process,
      no caching; text2mol runs its three scripts' passes (translation, fingerprints, FCD);
  (b) ours, cold: the first ``ada_t5.metrics.score`` call in a new process;
  (c) ours, cached: further calls with the same references (as at every validation during training), best of
      ``--repeats``;
then checks the values are identical and writes bench/results/metrics_speed.json. ``--quick`` uses 300 rows
and one repeat (a smoke test, not a measurement). The text2mol suite is also timed without FCD, because
ChemNet's forward pass (FLOP-bound, the same work on both sides) dominates it.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = {"mol2text": "molt5-base-smiles2caption.txt", "text2mol": "molt5-base-caption2smiles.txt"}
CASES = [("mol2text", "mol2text", True), ("text2mol", "text2mol", True), ("text2mol (no FCD)", "text2mol", False)]


def _rows(data_dir: Path, task: str, limit: int | None) -> tuple[list[str], list[str]]:
    with open(data_dir / "molt5_predictions" / FILES[task], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[:limit]
    return [r["output"] for r in rows], [r["ground truth"] for r in rows]


def _to_float(value):
    return None if value is None else float(value)


def worker(args: argparse.Namespace) -> None:
    """Runs in a child process; prints one JSON line with timings and values."""
    data_dir = Path(args.data_dir)
    outputs, references = _rows(data_dir, args.task, args.limit)
    vocab = data_dir / "scibert_scivocab_uncased" / "vocab.txt"
    result: dict = {"rows": len(outputs)}
    if args.worker == "literal":
        spec = importlib.util.spec_from_file_location("molt5_literal", REPO / "tests/metrics/molt5_literal.py")
        literal = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(literal)
        import warnings

        warnings.simplefilter("ignore")
        start = time.perf_counter()
        if args.task == "mol2text":
            values = literal.mol2text(outputs, references, vocab)
        else:
            values = literal.text2mol(outputs, references, fcd=args.fcd)
        result.update(seconds=time.perf_counter() - start, values={k: _to_float(v) for k, v in values.items()})
    else:
        from ada_t5.metrics import score

        kwargs = {"num_proc": args.num_proc}
        kwargs.update({"text_tokenizer": vocab} if args.task == "mol2text" else {"fcd": args.fcd})
        start = time.perf_counter()
        scores = score(args.task, outputs, references, **kwargs)
        result.update(cold=time.perf_counter() - start, values=scores.aggregate)
        repeats = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            again = score(args.task, outputs, references, **kwargs)
            repeats.append(time.perf_counter() - start)
            assert again.aggregate == scores.aggregate
        result["cached"] = repeats
    print("RESULT " + json.dumps(result))


def _child(args: argparse.Namespace, kind: str, task: str, fcd: bool, limit: int | None) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--task", task, "--data-dir", str(args.data_dir),
               "--repeats", str(args.repeats)] + (["--limit", str(limit)] if limit else []) + \
              ([] if fcd else ["--no-fcd"]) + (["--num-proc", str(args.num_proc)] if args.num_proc else [])
    env = {**os.environ, "NLTK_DATA": str(Path(args.data_dir) / "nltk_wordnet" / "nltk_data"),
           "TOKENIZERS_PARALLELISM": os.environ.get("TOKENIZERS_PARALLELISM", "true")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{kind} {task} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def _compare(ours: dict, literal: dict) -> tuple[bool, float]:
    diffs = [abs(ours[k] - literal[k]) for k in ours if ours[k] is not None and literal.get(k) is not None]
    same = all(ours[k] == literal[k] for k in ours if literal.get(k) is not None or ours[k] is None)
    return same, max(diffs, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="300 rows, one repeat: checks the bench runs")
    parser.add_argument("--repeats", type=int, default=3, help="cached calls; the best is reported")
    parser.add_argument("--num-proc", type=int, default=None)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "metrics_speed.json")
    parser.add_argument("--worker", choices=["literal", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--task", choices=list(FILES), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-fcd", dest="fcd", action="store_false", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.quick:
        args.repeats = 1
    limit = 300 if args.quick else None

    results = []
    for label, task, fcd in CASES:
        literal = _child(args, "literal", task, fcd, limit)
        ours = _child(args, "ours", task, fcd, limit)
        same, max_diff = _compare(ours["values"], literal["values"])
        baseline, cached = literal["seconds"], min(ours["cached"])
        results.append({"case": label, "file": FILES[task], "rows": ours["rows"], "straightforward_s": baseline,
                        "ours_cold_s": ours["cold"], "ours_cached_s": cached, "ours_cached_all_s": ours["cached"],
                        "speedup_cold": baseline / ours["cold"], "speedup_cached": baseline / cached,
                        "identical": same, "max_abs_diff": max_diff, "values": ours["values"],
                        "straightforward_values": literal["values"]})
        print(f"{label}: straightforward {baseline:.1f} s, ours cold {ours['cold']:.1f} s, cached {cached:.2f} s",
              file=sys.stderr)

    header = ("case", "rows", "straightforward s", "ours cold s", "ours cached s", "cold x", "cached x", "identical")
    table = [header] + [(r["case"], f"{r['rows']:,}", f"{r['straightforward_s']:.1f}", f"{r['ours_cold_s']:.1f}",
                         f"{r['ours_cached_s']:.2f}", f"{r['speedup_cold']:.1f}x", f"{r['speedup_cached']:.1f}x",
                         "yes" if r["identical"] else f"no (max diff {r['max_abs_diff']:.2g})") for r in results]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))

    import rdkit
    import torch

    payload = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "quick": args.quick,
               "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                           "torch": torch.__version__, "rdkit": rdkit.__version__,
                           "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None},
               "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
