#!/usr/bin/env python
"""Rows/s of batched ``model.generate`` (the path before the engine) vs the continuous-batching engine.

Same trained checkpoint, same real ChEBI-20 sources, same decoding (greedy, fp32 on a CPU, bf16 autocast on
a bf16 GPU), one timed run each, side by side: rows/s, speed-up, how many outputs are identical, the share
of outputs that ran to the token limit and the median output length (what decides the speed-up: a batch of
``model.generate`` runs until its slowest row stops; the engine refills a finished row's slot at once).
``--stop_repeats N`` adds a third run with that cut, with its effect on outputs and time.

    python bench/generation_speed.py --model runs/chebi20-text2mol --rows 256
    python bench/generation_speed.py --model A --model B --rows 256 --stop_repeats 4 \\
        --output bench/results/generation_speed.json
    python bench/generation_speed.py --model M --dtype bf16 --compile_decoder      # on a GPU

The task (text2mol: descriptions in; mol2text: SMILES in) is the checkpoint's own (``run_info.json``) or
``--task``. Rows are the first ``--rows`` of ``--split`` of ``--data`` (default ../shared/data/chebi20).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", action="append", required=True, help="checkpoint folder (repeat for several)")
    p.add_argument("--task", choices=("text2mol", "mol2text"), help="default: the checkpoint's own")
    p.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "chebi20"), help="ChEBI-20 folder")
    p.add_argument("--split", default="validation", help="which ChEBI-20 file gives the sources")
    p.add_argument("--rows", type=int, default=256, help="sources decoded by each path")
    p.add_argument("--batch_size", type=int, default=64, help="batch of model.generate = the engine's slots")
    p.add_argument("--max_new_tokens", type=int, default=512, help="the token limit (paper: 512)")
    p.add_argument("--dtype", default="auto", choices=("auto", "bf16", "fp32"))
    p.add_argument("--device", default="auto")
    p.add_argument("--compile_decoder", action="store_true", help="engine with the compiled decoder step")
    p.add_argument("--stop_repeats", type=int, default=0, help="also time the engine with this cut (0: skip)")
    p.add_argument("--output", help="write the results as JSON here")
    return p.parse_args(argv)


def read_sources(folder: Path, split: str, task: str, rows: int) -> list[str]:
    from ada_t5.data import load_pairs

    pairs = load_pairs(str(folder / f"{split}.txt"))
    column = "description" if task == "text2mol" else "smiles"
    return list(pairs[column][:rows])


def timed(model, tokenizer, sources, settings):
    from ada_t5.decoding import generate_ids
    from ada_t5.decoding_engine import EngineStats

    encoded = tokenizer(sources, max_length=settings.max_source_length, truncation=True)["input_ids"]
    stats = EngineStats()
    started = time.perf_counter()
    ids = [r[0] for r in generate_ids(model, tokenizer, encoded, settings, progress=False, stats=stats)]
    seconds = time.perf_counter() - started
    return ids, seconds, stats


def bench_model(path: str, args) -> dict:
    import dataclasses

    import torch

    from ada_t5.decoding import GenerationSettings
    from ada_t5.inference import checkpoint_task, resolve_device
    from ada_t5.modeling import load_pretrained_model
    from ada_t5.tokenization import load_tokenizer

    task = args.task or checkpoint_task(path) or "text2mol"
    tokenizer = load_tokenizer(path)
    device = resolve_device(args.device)
    model = load_pretrained_model(path, tokenizer).to(device).eval()
    sources = read_sources(Path(args.data), args.split, task, args.rows)
    base = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, dtype=args.dtype)
    runs = {"generate": dataclasses.replace(base, engine=False),
            "engine": dataclasses.replace(base, compile_decoder=args.compile_decoder)}
    if args.stop_repeats:
        runs[f"engine_stop_repeats_{args.stop_repeats}"] = dataclasses.replace(
            runs["engine"], stop_repeats=args.stop_repeats)
    if args.compile_decoder:  # compile outside the timed run
        timed(model, tokenizer, sources[:4], runs["engine"])
    results, reference = {}, None
    for name, settings in runs.items():
        ids, seconds, stats = timed(model, tokenizer, sources, settings)
        if reference is None:
            reference = ids
        lengths = [len(x) for x in ids]
        results[name] = dict(seconds=round(seconds, 2), rows_per_s=round(len(ids) / seconds, 2),
                             identical_to_generate=sum(a == b for a, b in zip(ids, reference)),
                             capped_share=round(sum(n >= args.max_new_tokens for n in lengths) / len(ids), 4),
                             median_tokens=statistics.median(lengths), decoder_steps=stats.decoder_steps or None,
                             cut_by_stop_repeats=stats.cut_repeats if "stop" in name else None)
    base_rate = results["generate"]["rows_per_s"]
    for result in results.values():
        result["speedup"] = round(result["rows_per_s"] / base_rate, 2)
    return dict(model=path, task=task, rows=len(sources), device=str(device),
                parameters_m=round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
                dtype=args.dtype, torch_threads=torch.get_num_threads(), runs=results)


def main(argv=None) -> int:
    args = parse_args(argv)
    report = dict(command="python bench/generation_speed.py " + " ".join(argv or __import__("sys").argv[1:]),
                  machine=platform.processor() or platform.machine(), batch_size=args.batch_size,
                  max_new_tokens=args.max_new_tokens, split=args.split, models=[])
    print("| model | capped | median tokens | generate rows/s | engine rows/s | speed-up | identical |")
    print("|---|---|---|---|---|---|---|")
    for path in args.model:
        result = bench_model(path, args)
        report["models"].append(result)
        g, e = result["runs"]["generate"], result["runs"]["engine"]
        print(f"| {Path(path).name} | {g['capped_share']:.1%} | {g['median_tokens']:.0f} | {g['rows_per_s']:.2f} | "
              f"{e['rows_per_s']:.2f} | {e['speedup']:.2f}x | {e['identical_to_generate']}/{result['rows']} |",
              flush=True)
        for name, run in result["runs"].items():
            if name.startswith("engine_stop"):
                print(f"|   {name} | {run['capped_share']:.1%} | {run['median_tokens']:.0f} | | "
                      f"{run['rows_per_s']:.2f} "
                      f"| {run['speedup']:.2f}x | {run['identical_to_generate']}/{result['rows']} |", flush=True)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
