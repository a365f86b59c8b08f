#!/usr/bin/env python
"""Quality on real data: arms (retrieval, fine-tuning, retrieval-augmented fine-tuning, adaptation + fine-tuning)
trained and scored on ChEBI-20 with fixed seeds; predictions, metrics JSON, a Markdown table and a PNG plot.

    # CPU tier: 2 cores, the same training steps for every arm (calibrated to ~15 min on an idle machine)
    python bench/quality.py --tier cpu --tasks mol2text text2mol --arms retrieval finetune rag
    python bench/quality.py --tier cpu --tasks mol2text --arms finetune adapt+finetune --train_rows 1000
    # GPU tier: the same arms with a t5-v1_1-small shape, bf16, the full test set
    python bench/quality.py --tier gpu --tasks mol2text text2mol --arms retrieval finetune rag
    # only rebuild the table and plot from finished arms
    python bench/quality.py --table_only

Each arm writes ``OUT/<task>/<arm>[@rows]/`` (the run folder of ``scripts/finetune.py``, or the baseline's
predictions) and ``arm.json`` (the metrics, the command, training minutes); finished arms are skipped, so an
interrupted benchmark continues where it stopped. ``OUT/results.md`` and ``OUT/low_resource.png`` are rebuilt
from every ``arm.json`` found. The data is ``--data`` (../shared/data/chebi20): ``train_partial.txt`` (9,958 rows)
as train, ``validation.txt`` for checkpoint selection, the first ``--test_rows`` test rows (CPU tier: 1,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARMS = ("retrieval", "consensus", "finetune", "finetune+selfies", "rerank", "rag", "adapt+finetune")
PUBLISHED = ("MolT5-small", "MolT5-base", "MolT5-large")
ARM_TITLES = {
    "retrieval": "retrieval (nearest train molecule's description / BM25-nearest description's SMILES)",
    "consensus": "the best of the 10 nearest neighbours' targets by retrieval score, consensus and character "
                 "n-gram closeness of the query to each neighbour's source (no model; weights fitted on 500 "
                 "validation rows)",
    "rerank": "the best of the 10 nearest neighbours' targets by the `consensus` arm's features and the `finetune` "
              "arm's likelihood (weights fitted on 500 validation rows)",
    "finetune": "fine-tuning, fresh model, real pairs only",
    "finetune+selfies": "fine-tuning with molecules as SELFIES (`--molecule_format selfies`), scored as SMILES",
    "rag": "retrieval-augmented fine-tuning (`--retrieval_k`)",
    "adapt+finetune": "adaptation on rule-described pseudo pairs, then fine-tuning",
}
METRIC_COLUMNS = {
    "mol2text": ("bleu2", "bleu4", "rouge1", "rouge2", "rougeL", "meteor"),
    "text2mol": ("bleu", "exact", "levenshtein", "validity", "maccs", "rdk", "morgan", "fcd"),
}
LOWER_IS_BETTER = {"levenshtein", "fcd", "looping"}
RETRIEVAL_ARMS = ("retrieval", "consensus", "rerank")  # answered from the pool, no training of their own
RERANK_K, RERANK_FIT_ROWS = 10, 500  # candidates per query; validation rows the weights are fitted on

# The tiers. CPU: `mini` (2.5M parameters with a 4,000-piece tokenizer) because on 2 cores a bigger shape sees too
# few examples in minutes (t5-v1_1-small trains at 2.4 samples/s there, bench/finetune_throughput.py). Its optimiser
# settings come from a screen of 300-step mol2text runs (validation loss on 500 rows, same tokenizer; commands in
# docs/results.md): dropout 0.1 -> 0 took it from 2.881 to 2.653 (a model this far from fitting its data gains nothing
# from dropout), lr 2e-3 -> 5e-3 to 2.577 (1e-2 trained worse), and the same samples in batches of 16 (600 steps) to
# 2.464. 2,000 x 16 = the 32,000 samples (3.2 epochs) of the earlier 1,000 x 32 (~0.75 s/step, ~13 min, on an idle
# 2-core machine; 2,000 x 16 was only timed loaded: 42 min at load 8-14). It lowers validation loss and greedy
# looping but scores below the earlier settings with --no_repeat_ngram_size 3 (docs/results.md).
# GPU: the paper's shape and dropout, bf16.
TIERS = {
    "cpu": dict(model_shape="mini", tokenizer_vocab_size=4000, max_steps=2000, learning_rate=5e-3, dropout_rate=0.0,
                per_device_train_batch_size=16, bf16="false", test_rows=1000, eval_rows=200, eval_batch=100,
                dataloader_num_workers=0),
    "gpu": dict(model_shape="t5-v1_1-small", tokenizer_vocab_size=8000, max_steps=1500, learning_rate=1e-3,
                dropout_rate=0.1,
                per_device_train_batch_size=64, bf16="true", test_rows=None, eval_rows=500, eval_batch=250,
                dataloader_num_workers=4),
}
# ChEBI-20 train, 4,000-piece tokenizer: descriptions are 76 tokens on average, 99.89% fit in 256 (p99 193, max 318);
# SMILES 17 on average, 99.95% fit in 256. A looping output stops at 256 instead of the paper's 512: half the cost.
MAX_NEW_TOKENS = {"mol2text": 256, "text2mol": 256}


@dataclass
class ArmResult:
    task: str
    arm: str
    train_rows: int | None  # None: all
    metrics: dict
    train_minutes: float | None = None
    adapt_minutes: float | None = None
    steps: int | None = None
    command: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.arm if self.train_rows is None else f"{self.arm}@{self.train_rows}"


# --------------------------------------------------------------------------- degenerate outputs


def loops_to_limit(text: str, *, max_period: int = 200, min_span: int = 20, min_repeats: int = 3) -> bool:
    """True when ``text`` ends in one unit repeated back to back (``min_repeats`` copies, at least ``min_span``
    characters in all), possibly cut off mid-copy: the signature of greedy decoding stuck in a loop until the length
    limit stopped it. Checked on characters, so a loop inside one "word" (``1,1,1,1,...``) counts too."""
    flat = " ".join(text.split())
    for period in range(1, max_period + 1):
        span = max(min_repeats * period, min_span)
        if len(flat) < span:
            break
        tail = flat[-span:]
        if tail[:-period] == tail[period:]:  # the last ``span`` characters repeat with this period
            return True
    return False


def looping_share(outputs: list[str]) -> float:
    return sum(loops_to_limit(o) for o in outputs) / max(1, len(outputs))


# --------------------------------------------------------------------------- table and plot


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if abs(value) >= 10 else f"{value:.4f}" if abs(value) < 1 else f"{value:.3f}"


def markdown_table(results: list[ArmResult], task: str) -> str:
    """One row per arm of ``task``: the metrics, the looping share (mol2text), training and adaptation minutes."""
    rows = [r for r in results if r.task == task]
    columns = list(METRIC_COLUMNS[task]) + (["looping"] if task == "mol2text" else [])
    head = ["arm", "train pairs", *columns, "steps", "train min", "adapt min"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    best = {}
    for col in columns:
        values = [r.metrics.get(col) for r in rows if r.metrics.get(col) is not None]
        if values:
            best[col] = min(values) if col in LOWER_IS_BETTER else max(values)
    order = {arm: i for i, arm in enumerate(ARMS + PUBLISHED)}
    for r in sorted(rows, key=lambda r: (-(r.train_rows or 10**9), order.get(r.arm, 99))):
        cells = []
        for col in columns:
            value = r.metrics.get(col)
            text = _fmt(value)
            cells.append(f"**{text}**" if value is not None and value == best.get(col) and len(rows) > 1 else text)
        pairs = "26,407 (all)" if r.arm in PUBLISHED else "all" if r.train_rows is None else f"{r.train_rows:,}"
        lines.append("| " + " | ".join([r.arm, pairs, *cells,
                                          "-" if r.steps is None else f"{r.steps:,}", _fmt_minutes(r.train_minutes),
                                          _fmt_minutes(r.adapt_minutes)]) + " |")
    return "\n".join(lines)


def _fmt_minutes(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def write_report(results: list[ArmResult], out: Path, *, full_train_rows: int) -> Path:
    parts = ["# ada-t5 quality benchmark (bench/quality.py)", ""]
    for task in METRIC_COLUMNS:
        if any(r.task == task for r in results):
            parts += [f"## {task}", "", markdown_table(results, task), ""]
    parts += ["Arms: " + "; ".join(f"`{k}`: {v}" for k, v in ARM_TITLES.items()) + ".", ""]
    parts += ["Commands:", ""] + [f"- `{r.label}` ({r.task}): `{r.command}`" for r in results if r.command] + [""]
    path = out / "results.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    plot_low_resource(results, out / "low_resource.png", full_train_rows=full_train_rows)
    return path


def plot_low_resource(results: list[ArmResult], path: Path, *, full_train_rows: int,
                      metric: str = "bleu4") -> Path | None:
    """mol2text BLEU-4 against real training pairs, one line per arm; retrieval as a line per pool size."""
    rows = [r for r in results if r.task == "mol2text" and r.metrics.get(metric) is not None]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for arm in ARMS:
        points = sorted((r.train_rows or full_train_rows, r.metrics[metric]) for r in rows if r.arm == arm)
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=arm)
    ax.set_xscale("log")
    ax.set_xlabel("real training pairs (ChEBI-20 train)")
    ax.set_ylabel(f"test {metric.upper() if metric.startswith('bleu') else metric}")
    ax.set_title("mol2text: quality against real data")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def load_results(out: Path) -> list[ArmResult]:
    results = []
    for file in sorted(out.glob("*/*/arm.json")):
        payload = json.loads(file.read_text(encoding="utf-8"))
        result = ArmResult(**payload)
        predictions = file.parent / "test_predictions.tsv"
        if result.task == "mol2text" and predictions.is_file():  # the detector may be newer than the arm
            from ada_t5.metrics import read_predictions

            result.metrics["looping"] = looping_share(read_predictions(predictions).outputs)
        results.append(result)
    return results


# --------------------------------------------------------------------------- running arms


NLTK_DATA = REPO.parent / "shared" / "data" / "nltk_wordnet" / "nltk_data"  # WordNet for METEOR


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    if "NLTK_DATA" not in env and NLTK_DATA.is_dir():
        env["NLTK_DATA"] = str(NLTK_DATA)
    # on a shared CPU, OpenMP threads spinning at barriers were 7x slower than one thread per process
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _run(cmd: list[str], log: Path) -> float:
    started = time.time()
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(" ".join(cmd) + "\n")
        handle.flush()
        done = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, env=_env(), cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd[:4])} ... failed (exit {done.returncode}); see {log}")
    return (time.time() - started) / 60


def data_files(args, rows: int | None) -> dict[str, str]:
    data = Path(args.data)
    return dict(train=str(data / "train_partial.txt"), validation=str(data / "validation.txt"),
                test=str(data / "test.txt"))


def finetune_command(args, task: str, arm: str, rows: int | None, folder: Path,
                     start_from: str | None = None) -> list[str]:
    tier = TIERS[args.tier]
    files = data_files(args, rows)
    cmd = [sys.executable, str(REPO / "scripts" / "finetune.py"), "--task", task, "--dataset", args.data,
           "--train_file", files["train"], "--validation_file", files["validation"], "--test_file", files["test"],
           "--max_steps", str(args.max_steps or tier["max_steps"]), "--learning_rate", str(tier["learning_rate"]),
           "--warmup_steps", "0.02", "--per_device_train_batch_size", str(tier["per_device_train_batch_size"]),
           "--dropout_rate", str(tier["dropout_rate"]),
           "--bf16", tier["bf16"], "--dataloader_num_workers", str(tier["dataloader_num_workers"]),
           "--max_eval_samples", str(tier["eval_rows"]), "--per_device_eval_batch_size", str(tier["eval_batch"]),
           "--eval_steps", str((args.max_steps or tier["max_steps"]) // 2),
           "--save_steps", str((args.max_steps or tier["max_steps"]) // 2),
           "--generation_max_new_tokens", str(MAX_NEW_TOKENS[task]), "--logging_steps", "25",
           "--validation_fcd", "false", "--disable_tqdm", "true", "--seed", str(args.seed),
           "--output_dir", str(folder), "--overwrite_output_dir", "true", "--save_total_limit", "1"]
    if start_from:
        cmd += ["--model_name_or_path", start_from]
    else:
        cmd += ["--model_shape", tier["model_shape"], "--tokenizer_vocab_size", str(tier["tokenizer_vocab_size"])]
    if tier["test_rows"]:
        cmd += ["--max_test_samples", str(tier["test_rows"])]
    if rows:
        cmd += ["--max_train_samples", str(rows)]
    if arm == "rag":
        cmd += ["--retrieval_k", str(args.retrieval_k)]
    if arm == "finetune+selfies":
        cmd += ["--molecule_format", "selfies"]
    if task == "mol2text":
        cmd += ["--text_tokenizer", args.text_tokenizer, "--meteor", "true"]
    return cmd


def run_arm(args, task: str, arm: str, rows: int | None) -> ArmResult:
    label = arm if rows is None else f"{arm}@{rows}"
    folder = Path(args.output_dir) / task / label
    folder.mkdir(parents=True, exist_ok=True)
    tier = TIERS[args.tier]
    files = data_files(args, rows)
    adapt_minutes = None
    notes: list[str] = []
    if arm in RETRIEVAL_ARMS:
        output = folder / "test_predictions.tsv"
        cmd = [sys.executable, "-m", "ada_t5.cli", "baseline", "--task", task, "--pool", files["train"],
               files["test"], "--output", str(output)]
        if arm != "retrieval":
            cmd += ["--rerank_k", str(RERANK_K), "--rerank_validation", files["validation"],
                    "--rerank_validation_rows", str(RERANK_FIT_ROWS), "--text_tokenizer", args.text_tokenizer]
        if arm == "rerank":
            model = Path(args.output_dir) / task / ("finetune" if rows is None else f"finetune@{rows}")
            if not (model / "arm.json").is_file():
                raise SystemExit(f"error: the rerank arm uses the finetune arm's checkpoint; run --arms finetune "
                                 f"first ({model} is not finished)")
            cmd += ["--rerank_model", str(model)]
        if tier["test_rows"]:
            cmd += ["--max_rows", str(tier["test_rows"])]
        if rows:
            pool = folder / "pool.txt"
            lines = Path(files["train"]).read_text(encoding="utf-8").splitlines()[: rows + 1]
            pool.write_text("\n".join(lines) + "\n", encoding="utf-8")
            cmd[cmd.index("--pool") + 1] = str(pool)
        answer_minutes = _run(cmd, folder / "run.log")
        fitting = " (fitting the weights on validation rows included)" if arm != "retrieval" else ""
        notes.append(f"answering the test rows took {answer_minutes:.1f} min{fitting}")
        score = [sys.executable, "-m", "ada_t5.cli", "evaluate", str(output), "-o", str(folder / "test_metrics.json")]
        if task == "mol2text":
            score += ["--text-tokenizer", args.text_tokenizer]
        _run(score, folder / "score.log")
        train_minutes, steps = None, None
    else:
        start_from = None
        if arm == "adapt+finetune":
            start_from, adapt_minutes = adapted_checkpoint(args)
        cmd = finetune_command(args, task, arm, rows, folder, start_from)
        _run(cmd, folder / "run.log")
        train = json.loads((folder / "train_results.json").read_text())
        train_minutes, steps = train["train_runtime"] / 60, args.max_steps or tier["max_steps"]
    metrics = json.loads((folder / "test_metrics.json").read_text())
    metrics = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and k != "num_examples"}
    if task == "mol2text":
        from ada_t5.metrics import read_predictions

        metrics["looping"] = looping_share(read_predictions(folder / "test_predictions.tsv").outputs)
    result = ArmResult(task=task, arm=arm, train_rows=rows, metrics=metrics, train_minutes=train_minutes,
                       adapt_minutes=adapt_minutes, steps=steps, command=" ".join(_relative(c) for c in cmd),
                       notes=notes)
    (folder / "arm.json").write_text(json.dumps(vars(result), indent=2) + "\n", encoding="utf-8")
    return result


def _relative(part: str) -> str:
    for root, name in ((sys.executable, "python"), (str(REPO.parent / "shared"), "../shared"),
                       (str(Path(REPO.parent / "shared").resolve()), "../shared"), (str(REPO) + "/", "")):
        part = part.replace(root, name)
    return part


def adapted_checkpoint(args) -> tuple[str, float]:
    """The paper's adaptation at small scale: translation pre-training (both directions) on the rule-described
    molecules of ``train_candidates_cid_smiles.tsv`` minus every test molecule; one checkpoint for every task."""
    out = Path(args.output_dir) / "adapted"
    done = out / "model" / "config.json"
    if done.is_file():
        return str(out / "model"), json.loads((out / "minutes.json").read_text())["minutes"]
    out.mkdir(parents=True, exist_ok=True)
    pairs = out / "pseudo_pairs.tsv"
    if not pairs.is_file():
        write_pseudo_pairs(args, pairs)
    tier = TIERS[args.tier]
    steps = args.adapt_steps or tier["max_steps"]
    cmd = [sys.executable, str(REPO / "scripts" / "pretrain.py"), "--objective", "translation",
           "--dataset", str(pairs), "--model_shape", tier["model_shape"],
           "--tokenizer_name_or_path", str(shared_tokenizer(args, out)), "--max_steps", str(steps),
           "--learning_rate", str(tier["learning_rate"]), "--warmup_steps", "0.02",
           "--dropout_rate", str(tier["dropout_rate"]),
           "--per_device_train_batch_size", str(tier["per_device_train_batch_size"]), "--bf16", tier["bf16"],
           "--dataloader_num_workers", str(tier["dataloader_num_workers"]), "--logging_steps", "25",
           "--save_steps", str(steps), "--disable_tqdm", "true", "--output_dir", str(out / "model"),
           "--overwrite_output_dir", "true", "--seed", str(args.seed)]
    _run(cmd, out / "run.log")
    minutes = json.loads((out / "model" / "train_results.json").read_text())["train_runtime"] / 60
    (out / "minutes.json").write_text(json.dumps({"minutes": minutes, "command": " ".join(map(_relative, cmd))}))
    return str(out / "model"), minutes


def shared_tokenizer(args, out: Path) -> Path:
    """A tokenizer for adaptation and fine-tuning alike: trained on the real train pairs and the pseudo pairs."""
    folder = out / "tokenizer"
    if (folder / "tokenizer.json").is_file():
        return folder
    from ada_t5 import data
    from ada_t5.tokenizer_training import train_tokenizer

    real = data.load_pairs(data_files(args, None)["train"])
    pseudo = data.load_pairs(out / "pseudo_pairs.tsv")
    texts = [*real["smiles"], *real["description"], *pseudo["smiles"], *pseudo["description"]]
    train_tokenizer(texts, vocab_size=TIERS[args.tier]["tokenizer_vocab_size"], output_dir=folder,
                    max_sentences=40_000)
    return folder


def write_pseudo_pairs(args, path: Path) -> None:
    from ada_t5 import chem, data
    from ada_t5.describe.batch import describe_many

    test = data.load_pairs(data_files(args, None)["test"])
    banned = {chem.canonical_smiles(s) for s in test["smiles"]}
    candidates = Path(args.data) / "train_candidates_cid_smiles.tsv"
    rows, left_out = [], 0
    for line in candidates.read_text(encoding="utf-8").splitlines()[1:]:
        cid, smi = line.split("\t")[:2]
        if chem.canonical_smiles(smi) in banned:  # the leakage guard: no test molecule in adaptation data
            left_out += 1
            continue
        rows.append((cid, smi))
        if len(rows) == args.adapt_molecules:
            break
    descriptions = describe_many([smi for _, smi in rows], errors="none")
    print(f"pseudo pairs: {len(rows):,} rule-described molecules ({left_out} test molecules left out)", flush=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("CID\tSMILES\tdescription\n")
        for (cid, smi), text in zip(rows, descriptions):
            if text:
                handle.write(f"{cid}\t{smi}\t{text}\n")


def score_published(args, task: str) -> list[ArmResult]:
    """MolT5's released test outputs (``molt5_predictions/``) scored with our metrics on the same test rows as the
    arms (rows matched by input), so published models sit in the same table; ``OUT/<task>/molt5-*/arm.json``."""
    from ada_t5 import chem, data, metrics

    folder = Path(args.data).parent / "molt5_predictions"
    name = {"mol2text": "smiles2caption", "text2mol": "caption2smiles"}[task]
    test = data.load_pairs(data_files(args, None)["test"])
    rows = TIERS[args.tier]["test_rows"] or len(test)
    wanted = list(test[get_source_column(task)])[:rows]
    results = []
    for size in ("small", "base", "large"):
        path = folder / f"molt5-{size}-{name}.txt"
        if not path.is_file():
            continue
        published = metrics.read_predictions(path, task=task)
        # MolT5's files are in their own order and spell some SMILES differently: match by structure
        key = (lambda s: chem.canonical_smiles(s) or s) if task == "mol2text" else (lambda s: " ".join(s.split()))
        by_input = {}
        for source, reference, output in zip(published.inputs, published.references, published.outputs):
            by_input.setdefault(key(source), (reference, output))
        matched = [by_input[key(s)] for s in wanted if key(s) in by_input]
        kwargs = dict(text_tokenizer=args.text_tokenizer) if task == "mol2text" else {}
        scores = metrics.score(task, [o for _, o in matched], [r for r, _ in matched], **kwargs)
        values = {k: v for k, v in scores.aggregate.items() if isinstance(v, (int, float))}
        if task == "mol2text":
            values["looping"] = looping_share([o for _, o in matched])
        result = ArmResult(task=task, arm=f"MolT5-{size}", train_rows=None, metrics=values,
                           notes=[f"MolT5's released outputs ({path.name}), {len(matched)} of {len(wanted)} test rows "
                                  "matched by input, scored here"])
        out = Path(args.output_dir) / task / f"molt5-{size}"
        out.mkdir(parents=True, exist_ok=True)
        (out / "arm.json").write_text(json.dumps(vars(result), indent=2) + "\n", encoding="utf-8")
        results.append(result)
    return results


def get_source_column(task: str) -> str:
    return "smiles" if task == "mol2text" else "description"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tier", choices=tuple(TIERS), default="cpu")
    p.add_argument("--tasks", nargs="+", default=["mol2text", "text2mol"], choices=("mol2text", "text2mol"))
    p.add_argument("--arms", nargs="+", default=["retrieval", "finetune", "rag"], choices=ARMS)
    p.add_argument("--train_rows", nargs="+", type=int, default=None,
                   help="low-resource points: the first N real train pairs (default: all)")
    p.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "chebi20"))
    p.add_argument("--text_tokenizer", default=str(REPO.parent / "shared" / "data" / "scibert_scivocab_uncased"))
    p.add_argument("--output_dir", default=None, help="default: bench/results/quality-<tier>")
    p.add_argument("--max_steps", type=int, default=None, help="training steps per arm (default: the tier's)")
    p.add_argument("--adapt_steps", type=int, default=None, help="adaptation steps (default: the tier's)")
    p.add_argument("--adapt_molecules", type=int, default=20_000, help="rule-described molecules for adaptation")
    p.add_argument("--retrieval_k", type=int, default=1, help="neighbours per source for the rag arm")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--table_only", action="store_true", help="only rebuild results.md and the plot")
    p.add_argument("--published", action="store_true",
                   help="also score MolT5's released test outputs (../shared/data/molt5_predictions) on the same rows")
    args = p.parse_args(argv)
    args.output_dir = args.output_dir or str(REPO / "bench" / "results" / f"quality-{args.tier}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if args.published:
        for task in args.tasks:
            for result in score_published(args, task):
                print(f"{task} {result.arm}: {json.dumps(result.metrics)} ({result.notes[0]})", flush=True)
    if not args.table_only:
        for task in args.tasks:
            for rows in args.train_rows or [None]:
                for arm in args.arms:
                    label = arm if rows is None else f"{arm}@{rows}"
                    if (out / task / label / "arm.json").is_file():
                        print(f"{task} {label}: done, skipped", flush=True)
                        continue
                    print(f"{task} {label}: running", flush=True)
                    result = run_arm(args, task, arm, rows)
                    print(f"{task} {label}: {json.dumps(result.metrics)}", flush=True)
    results = load_results(out)
    path = write_report(results, out, full_train_rows=9958)
    print(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
