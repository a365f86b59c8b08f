#!/usr/bin/env python
"""Fine-tuning and generation throughput of a T5 shape on this machine.

Prints training samples/s and target tokens/s (optimizer steps with fused AdamW, bf16 autocast when
asked), and greedy generation examples/s at a fixed output length. Batches are synthetic token ids with
ChEBI-20-like lengths (captioning: ~50-token SMILES in, ~90-token descriptions out), so the figure
measures the model and the training step, not the data.

    python bench/finetune_throughput.py --shape t5-v1_1-small --batch_size 32 --device cuda --bf16
    python bench/finetune_throughput.py --shape mini --device cpu --steps 20
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import time
from pathlib import Path

import torch


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", default="mini", help="named shape from ada_t5.modeling.MODEL_SHAPES")
    p.add_argument("--vocab_size", type=int, default=32128, help="embedding rows (T5's 32,128 by default)")
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--source_length", type=int, default=64, help="mean source tokens (ChEBI-20 SMILES: ~50-60)")
    p.add_argument("--target_length", type=int, default=96, help="mean target tokens (ChEBI-20 captions: ~90)")
    p.add_argument("--steps", type=int, default=20, help="timed optimizer steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (allocator, compile, autotune)")
    p.add_argument("--device", default="auto")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast, as the training configs on GPUs")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--gen_batch_size", type=int, default=64)
    p.add_argument("--gen_examples", type=int, default=128)
    p.add_argument("--gen_new_tokens", type=int, default=96, help="fixed output length for generation")
    p.add_argument("--output", default=None, help="also write the figures as JSON here")
    return p.parse_args(argv)


class _Vocab:  # what build_fresh_model reads from a tokenizer
    def __init__(self, size):
        self.size, self.pad_token_id, self.eos_token_id = size, 0, 1

    def __len__(self):
        return self.size


def synthetic_batch(batch_size, source_length, target_length, vocab_size, generator):
    """Ragged lengths (+-25%) padded per batch, as the length-grouped sampler would see."""
    from ada_t5.collators import Seq2SeqCollator

    def ragged(mean):
        low, high = max(4, int(mean * 0.75)), int(mean * 1.25) + 1
        return torch.randint(low, high, (batch_size,), generator=generator).tolist()

    features = [{"input_ids": torch.randint(3, vocab_size, (s,), generator=generator).tolist(),
                 "labels": torch.randint(3, vocab_size, (t,), generator=generator).tolist()}
                for s, t in zip(ragged(source_length), ragged(target_length))]
    return Seq2SeqCollator(pad_token_id=0, pad_to_multiple_of=8)(features)


def main(argv=None):
    from ada_t5.modeling import build_fresh_model, count_parameters

    args = parse_args(argv)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    model = build_fresh_model(args.shape, _Vocab(args.vocab_size), seed=0).to(device)
    model.config.use_cache = False
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1, fused=True)
    forward = torch.compile(model) if args.compile else model
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if args.bf16 else contextlib.nullcontext()
    generator = torch.Generator().manual_seed(0)
    batches = [synthetic_batch(args.batch_size, args.source_length, args.target_length, args.vocab_size, generator)
               for _ in range(min(8, args.steps + args.warmup))]

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    model.train()
    target_tokens = 0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            sync()
            started = time.perf_counter()
            target_tokens = 0
        batch = {k: v.to(device, non_blocking=True) for k, v in batches[step % len(batches)].items()}
        with autocast:
            loss = forward(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        target_tokens += int((batch["labels"] != -100).sum())
    sync()
    train_seconds = time.perf_counter() - started

    model.eval()
    model.config.use_cache = True
    sources = synthetic_batch(args.gen_examples, args.source_length, 4, args.vocab_size, generator)
    gen_kwargs = dict(max_new_tokens=args.gen_new_tokens, min_new_tokens=args.gen_new_tokens, num_beams=1,
                      do_sample=False)
    with torch.inference_mode(), autocast:
        model.generate(input_ids=sources["input_ids"][:2].to(device),
                       attention_mask=sources["attention_mask"][:2].to(device), max_new_tokens=4)  # warm-up
        sync()
        started = time.perf_counter()
        for i in range(0, args.gen_examples, args.gen_batch_size):
            model.generate(input_ids=sources["input_ids"][i:i + args.gen_batch_size].to(device),
                           attention_mask=sources["attention_mask"][i:i + args.gen_batch_size].to(device),
                           **gen_kwargs)
        sync()
        gen_seconds = time.perf_counter() - started

    result = {
        "shape": args.shape, "parameters_m": round(count_parameters(model) / 1e6, 2), "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
        or platform.machine(), "threads": torch.get_num_threads(), "bf16": args.bf16, "compile": args.compile,
        "batch_size": args.batch_size, "steps": args.steps,
        "train_samples_per_s": round(args.steps * args.batch_size / train_seconds, 2),
        "train_target_tokens_per_s": round(target_tokens / train_seconds, 1),
        "train_steps_per_s": round(args.steps / train_seconds, 3),
        "generation_examples_per_s": round(args.gen_examples / gen_seconds, 2),
        "generation_new_tokens": args.gen_new_tokens, "generation_batch_size": args.gen_batch_size,
    }
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key.ljust(width)}  {value}")
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
