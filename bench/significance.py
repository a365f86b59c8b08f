#!/usr/bin/env python
"""Is arm A really better than arm B on the same test rows? Paired bootstrap of the score difference.

    python bench/significance.py A/test_predictions.tsv B/test_predictions.tsv \\
        --text_tokenizer ../shared/data/scibert_scivocab_uncased

Rows are resampled with replacement (the same rows for A and B, ``--resamples`` times, fixed seed); each resample
recomputes every metric as MolT5 defines it: corpus BLEU from per-row n-gram counts (SciBERT tokens for
captions, characters for SMILES), means of per-row ROUGE-L / METEOR / Levenshtein, fingerprint similarities over
the rows whose output is valid. Printed per metric: A, B, A - B, the 95% interval of A - B, and how often A was
better. Differences of a few thousandths on 1,000 rows are often inside the interval: say so instead of "beats".
Lineage: Koehn 2004, "Statistical Significance Tests for Machine Translation Evaluation" (paired bootstrap).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

PER_ROW = {"mol2text": ("rougeL", "meteor"), "text2mol": ("levenshtein", "morgan", "maccs")}
LOWER_IS_BETTER = {"levenshtein"}


def compare(task: str, a, b, references, *, text_tokenizer="auto", resamples: int = 1000, seed: int = 0) -> dict:
    from ada_t5 import metrics
    from ada_t5.metrics.bleu import RowCounter

    kwargs = {"text_tokenizer": text_tokenizer} if task == "mol2text" else {"fcd": False}
    per_row = {name: metrics.score(task, outputs, references, **kwargs).per_example for name, outputs in
               (("a", a), ("b", b))}
    counter = RowCounter(task, references, text_tokenizer)
    bleu_rows = {"a": counter.rows(a), "b": counter.rows(b)}
    bleu_name = "bleu4" if task == "mol2text" else "bleu"
    values = {}
    for name in ("a", "b"):
        values[name] = {key: np.array([np.nan if r.get(key) is None else float(r[key]) for r in per_row[name]])
                        for key in PER_ROW[task]}
    n = len(references)
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, n, n) for _ in range(resamples)]
    report = {}
    for metric in (bleu_name, *PER_ROW[task]):
        def value(name, idx, metric=metric):
            if metric == bleu_name:
                return counter.corpus([bleu_rows[name][i] for i in idx])
            return float(np.nanmean(values[name][metric][idx]))
        full = np.arange(n)
        diffs = np.array([value("a", idx) - value("b", idx) for idx in draws])
        better = (diffs < 0) if metric in LOWER_IS_BETTER else (diffs > 0)
        report[metric] = dict(a=value("a", full), b=value("b", full), diff=value("a", full) - value("b", full),
                              low=float(np.percentile(diffs, 2.5)), high=float(np.percentile(diffs, 97.5)),
                              a_better=float(better.mean()))
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", help="predictions TSV of arm A (MolT5 format)")
    p.add_argument("b", help="predictions TSV of arm B, same inputs in the same order")
    p.add_argument("--text_tokenizer", default="auto", help="caption tokenizer (MolT5's: SciBERT's vocab folder)")
    p.add_argument("--resamples", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", help="also write the report as JSON here")
    args = p.parse_args(argv)
    from ada_t5.metrics import read_predictions

    a, b = read_predictions(args.a), read_predictions(args.b)
    if a.inputs != b.inputs or a.references != b.references:
        print("error: the two files do not hold the same inputs and references in the same order", file=sys.stderr)
        return 2
    report = compare(a.task, a.outputs, b.outputs, a.references, text_tokenizer=args.text_tokenizer,
                     resamples=args.resamples, seed=args.seed)
    print(f"{a.task}, {len(a.references)} rows, {args.resamples} paired resamples: A = {args.a}, B = {args.b}")
    print("| metric | A | B | A - B | 95% interval | A better in |\n|---|---|---|---|---|---|")
    for metric, r in report.items():
        print(f"| {metric} | {r['a']:.4f} | {r['b']:.4f} | {r['diff']:+.4f} | [{r['low']:+.4f}, {r['high']:+.4f}] "
              f"| {r['a_better']:.1%} |")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
