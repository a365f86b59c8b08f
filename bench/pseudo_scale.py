"""The whole pseudo-data pipeline at scale against a fake OpenAI-compatible server with realistic latency.

    python bench/pseudo_scale.py [--molecules 200000] [--concurrency 512] [--latency 0.5-3] [--num-proc 2]
                                 [--work-dir /tmp/pseudo_scale] [--out bench/results/pseudo_scale.json]

Runs ``ada_t5.pseudo.run_generation`` end to end (input reading and canonicalization, de-duplication, retrieval
of k=3 examples from a described pool, prompt building, requests, filters, the fsync-ed store) with the async
``openai`` backend, against a fake chat-completions server in its own process (aiohttp): every answer takes a
random ``--latency`` (uniform in a range, or fixed), 2% of molecules get a 429 (``Retry-After: 1``) and 1% a 500
on their first attempt. Reports molecules/s over the request phase and overall, the peak number of requests in
flight, the peak resident memory of the run (its process plus worker processes, sampled), retries, and the
projection for 1M molecules.

Molecules: the distinct SMILES of ChEBI-20 (train candidates, validation, test) and RDKit's NCI first_5K, each
also with the prefixes C, CC, CCC, OC, NC, FC, ClC attached (real-looking, mostly valid variants; invalid ones
are reported by the run like any invalid input), cycled to ``--molecules`` rows. Pool: ChEBI-20 validation
(3,301 described molecules) or ``--pool`` files. Nothing is written into the repository except the results JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PREFIXES = ("", "C", "CC", "CCC", "OC", "NC", "FC", "ClC")


# --- the fake server (runs in its own process: python bench/pseudo_scale.py --serve PORTFILE ...) ---


def serve(port_file: str, low: float, high: float, rate_429: float, rate_500: float) -> None:
    from aiohttp import web

    attempts: dict[str, int] = {}
    rng = random.Random(0)

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        user = body["messages"][-1]["content"]
        smiles = [line[8:].strip() for line in user.splitlines() if line.startswith("SMILES: ")][-1]
        attempts[smiles] = attempts.get(smiles, 0) + 1
        roll = (zlib.crc32(smiles.encode()) % 10_000) / 10_000
        if attempts[smiles] == 1 and roll < rate_429:
            return web.json_response({"error": {"message": "rate limited"}}, status=429, headers={"Retry-After": "1"})
        if attempts[smiles] == 1 and roll < rate_429 + rate_500:
            return web.json_response({"error": {"message": "internal error"}}, status=500)
        await asyncio.sleep(rng.uniform(low, high))
        text = (f"The molecule is a synthetic test compound (number {zlib.crc32(smiles.encode())}). It is a member "
                "of the mock class of compounds and has a role as a benchmark metabolite.")
        return web.json_response({
            "id": "x", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(user) // 4, "completion_tokens": len(text) // 4}})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        Path(port_file + ".tmp").write_text(str(port))
        os.replace(port_file + ".tmp", port_file)
        await asyncio.Event().wait()

    asyncio.run(main())


# --- memory sampling (the run's process and its children) ---


def _tree_rss_bytes(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class Sampler(threading.Thread):
    """Peak resident memory of this process tree (minus the fake server) and requests in flight, 4 times a s."""

    def __init__(self, backend, exclude: int | None = None):
        super().__init__(daemon=True)
        self.peak, self.backend, self.exclude, self.stop = 0, backend, exclude, threading.Event()
        self.in_flight: list[int] = []

    def run(self) -> None:
        while not self.stop.wait(0.25):
            rss = _tree_rss_bytes(os.getpid())
            if self.exclude:
                rss -= _tree_rss_bytes(self.exclude)
            self.peak = max(self.peak, rss)
            if self.backend._in_flight:
                self.in_flight.append(self.backend._in_flight)


def timed(run):
    """Wrap a backend's run() to stamp when each group of answers came back."""
    stamps: list[tuple[float, int]] = []

    def wrapper(requests):
        for group in run(requests):
            stamps.append((time.perf_counter(), len(group)))
            yield group

    return wrapper, stamps


def sustained_rate(stamps: list[tuple[float, int]]) -> float | None:
    """Answers per second between the 10th and the 90th percentile answer (start-up and tail left out)."""
    total = sum(n for _, n in stamps)
    if total < 100:
        return None
    seen, t10, n10 = 0, None, 0
    for stamp, n in stamps:
        seen += n
        if t10 is None and seen >= 0.1 * total:
            t10, n10 = stamp, seen
        if seen >= 0.9 * total:
            return round((seen - n10) / (stamp - t10), 1) if stamp > t10 else None
    return None


def molecules(data_dir: Path, count: int) -> list[str]:
    from rdkit import RDConfig

    bases: list[str] = []
    chebi = data_dir / "chebi20"
    for name, column in (("train_candidates_cid_smiles.tsv", 1), ("validation.txt", 1), ("test.txt", 1)):
        path = chebi / name
        if path.exists():
            bases += [line.split("\t")[column] for line in path.read_text().splitlines()[1:] if line.strip()]
    nci = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
    bases += [line.split()[0] for line in nci.read_text().splitlines() if line.strip()]
    bases = list(dict.fromkeys(bases))
    rows = []
    for prefix in PREFIXES:
        rows += [prefix + s for s in bases]
        if len(rows) >= count:
            break
    while len(rows) < count:
        rows += rows[: count - len(rows)]
    return rows[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--molecules", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--latency", default="0.5-3", help="seconds per answer: 'LOW-HIGH' (uniform) or one value")
    parser.add_argument("--rate-429", type=float, default=0.02)
    parser.add_argument("--rate-500", type=float, default=0.01)
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--pool", nargs="*", default=None)
    parser.add_argument("--work-dir", default="/tmp/pseudo_scale")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "pseudo_scale.json"))
    args = parser.parse_args()
    low, _, high = args.latency.partition("-")
    low, high = float(low), float(high or low)
    if args.serve:
        serve(args.serve, low, high, args.rate_429, args.rate_500)
        return

    from ada_t5.pseudo.openai_chat import OpenAIBackend
    from ada_t5.pseudo.runner import GenerationConfig, run_generation

    work = Path(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    inputs = work / "molecules.smi"
    inputs.write_text("".join(f"{s}\tm{i}\n" for i, s in enumerate(molecules(Path(args.data_dir), args.molecules))))
    pool = args.pool or [str(Path(args.data_dir) / "chebi20" / "validation.txt")]

    load_at_start = os.getloadavg()[0]
    port_file = work / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file), "--latency", args.latency,
                               "--rate-429", str(args.rate_429), "--rate-500", str(args.rate_500)])
    try:
        while not port_file.exists():
            if server.poll() is not None:
                raise SystemExit("the fake server did not start")
            time.sleep(0.1)
        base_url = f"http://127.0.0.1:{port_file.read_text()}/v1"
        backend = OpenAIBackend(base_url, "fake-llm", api_key_env="PSEUDO_SCALE_NO_KEY", concurrency=args.concurrency,
                                timeout=60, backoff_base=1.0)
        backend.run, stamps = timed(backend.run)
        memory = Sampler(backend, exclude=server.pid)
        memory.start()
        config = GenerationConfig([str(inputs)], str(work / "pseudo.jsonl"), pool=pool, k=args.k,
                                  num_proc=args.num_proc, progress=False)
        started = time.perf_counter()
        summary = run_generation(config, backend)
        seconds = time.perf_counter() - started
        memory.stop.set()
        memory.join()
        own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime  # server not yet reaped
        with open(f"/proc/{server.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        server_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        server.terminate()
        server.wait()
    answered = summary["written"] + summary["rejected_total"]
    result = {
        "molecules": args.molecules, "concurrency": args.concurrency, "latency_s": [low, high],
        "rate_429": args.rate_429, "rate_500": args.rate_500, "num_proc": args.num_proc, "k": args.k,
        "pool": pool, "pool_size": summary.get("pool_size"), "invalid_smiles": summary["invalid_smiles"],
        "duplicates": summary["duplicates"], "to_describe": summary["to_describe"], "written": summary["written"],
        "rejected": summary["rejected_total"], "failed": summary["failed"], "retries": summary["retries"],
        "peak_in_flight": summary["peak_in_flight"], "seconds_total": round(seconds, 1),
        "molecules_per_second_overall": round(answered / seconds, 1),
        "molecules_per_second_sustained": sustained_rate(stamps),
        "seconds_before_first_answer": round(stamps[0][0] - started, 1) if stamps else None,
        "mean_in_flight": round(sum(memory.in_flight) / len(memory.in_flight), 1) if memory.in_flight else None,
        "projected_hours_per_million": round(1e6 / (sustained_rate(stamps) or answered / seconds) / 3600, 2),
        "cpu_seconds_pipeline": round(client_cpu, 1), "cpu_seconds_fake_server": round(server_cpu, 1),
        "cpu_ms_per_molecule_pipeline": round(1000 * client_cpu / max(1, answered), 2),
        "peak_rss_gib_run_and_workers": round(memory.peak / 2**30, 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared; load average {load_at_start:.1f} at the "
                   f"start, {os.getloadavg()[0]:.1f} at the end)",
        "command": "python bench/pseudo_scale.py " + " ".join(sys.argv[1:]),
    }
    print(json.dumps(result, indent=2))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
