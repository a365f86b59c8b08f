"""Write pseudo descriptions for molecules with an LLM prompted with retrieved examples (``ada-t5 pseudo``).

Usage: ``ada-t5 pseudo [--config configs/pseudo/X.yaml] --input MOLS --pool PAIRS --output OUT.jsonl
[--exclude TEST ...] [--backend openai|openai-batch|local|rule] ...``. Running the same command again resumes:
what is in OUT.jsonl (or OUT.jsonl.rejected.jsonl) is skipped. ``ada-t5 pseudo push OUT.jsonl --repo_id
owner/name [--dry_run]`` publishes the output as a Hub dataset with a card. See docs/pseudo_data.md.
"""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger(__name__)


# One owner for each default: flags default to "not given", so a --config YAML can fill them and a flag given on
# the command line still wins (defaults < YAML < command line).
DEFAULTS: dict[str, object] = {
    "input": None, "smiles_column": None, "id_column": None, "output": None, "limit": None,
    "retry_rejected": False, "no_progress": False, "pool": None, "exclude": None, "exclude_match": "smiles",
    "k": 3, "radius": 2,
    "n_bits": 2048, "retrieval_method": "sparse", "num_proc": 2, "template": None, "backend": "openai",
    "model": None, "base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY", "concurrency": 8,
    "requests_per_minute": 0, "max_retries": 6, "timeout": 120.0, "backoff_base": 1.0, "temperature": None,
    "max_tokens": 512, "max_tokens_field": "auto", "poll_interval": 60.0, "batch_max_requests": 50000,
    "no_wait": False, "batch_size": 8, "device": None, "dtype": "auto", "max_words": 300, "max_chars": 3000,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    def opt(group, name, help, **kw):  # noqa: A002 - argparse's own name for it
        default = DEFAULTS[name]
        suffix = f" (default: {default})" if default not in (None, False) else ""
        group.add_argument(f"--{name}", default=argparse.SUPPRESS, help=help + suffix, **kw)

    parser.add_argument("--config", default=None, help="YAML of defaults (keys: these flags without '--'); "
                                                       "flags given on the command line win")
    io = parser.add_argument_group("molecules and output")
    opt(io, "input", "molecules to describe: .smi/.txt (SMILES [id] per line), CSV/TSV with a SMILES column, "
                     "or any pair file (its SMILES are used)", nargs="+", action="extend", metavar="FILE")
    opt(io, "smiles_column", "SMILES column of a CSV/TSV input (default: found by name)")
    opt(io, "id_column", "id column of a CSV/TSV input (default: found by name)")
    opt(io, "output", "JSONL to append pairs to (side files: .rejected.jsonl, .invalid.tsv, .summary.json)")
    opt(io, "limit", "describe at most this many pending molecules", type=int)
    opt(io, "retry_rejected", "ask again for molecules whose earlier answers the filters rejected",
        action="store_true")
    opt(io, "no_progress", "no progress bar", action="store_true")
    ret = parser.add_argument_group("retrieval")
    opt(ret, "pool", "described molecules to take examples from (e.g. ChEBI-20 train + validation)",
        nargs="+", action="extend", metavar="FILE")
    opt(ret, "exclude", "molecules that must never be an example or a target (test sets): the leakage guard",
        nargs="+", action="extend", metavar="FILE")
    opt(ret, "exclude_match", "what counts as a test molecule: smiles = same canonical isomeric SMILES; inchikey = "
                              "same InChIKey after stripping salts and charges; skeleton = same InChIKey first block "
                              "(also stereoisomers, isotopologues); the stricter levels cost minutes per million "
                              "molecules", choices=("smiles", "inchikey", "skeleton"))
    opt(ret, "k", "examples per prompt (0: zero-shot)", type=int)
    opt(ret, "radius", "Morgan radius", type=int)
    opt(ret, "n_bits", "Morgan fingerprint bits", type=int)
    opt(ret, "retrieval_method", "exact Tanimoto by bit-row sums (fast) or RDKit's BulkTanimotoSimilarity",
        choices=("sparse", "rdkit"))
    opt(ret, "num_proc", "processes for parsing and retrieval", type=int)
    opt(ret, "template", "prompt template file (.yaml with system/user/example, or a text file for the user "
                         "message)")
    gen = parser.add_argument_group("backend")
    opt(gen, "backend", "openai: any OpenAI-compatible endpoint; openai-batch: OpenAI's Batch API (half price, "
                        "within 24 h, resumable); local: a transformers causal LM folder; "
                        "rule: the offline RDKit describer", choices=("openai", "openai-batch", "local", "rule"))
    opt(gen, "model", "model name (openai) or folder (local)")
    opt(gen, "base_url", "endpoint base URL (openai)")
    opt(gen, "api_key_env", "environment variable holding the API key (its value is never printed or written)")
    opt(gen, "concurrency", "requests in flight over kept-alive connections (openai). Throughput ~= concurrency / "
                            "seconds per answer: a hosted API's limit is its tier (RPM / 60 x latency; e.g. 5,000 "
                            "RPM at 3 s: 250); an own vLLM server: ~2x its --max-num-seqs; hundreds are fine",
        type=int)
    opt(gen, "requests_per_minute", "rate limit (openai; 0: none)", type=float)
    opt(gen, "max_retries", "retries on 429/5xx/timeouts (openai)", type=int)
    opt(gen, "timeout", "seconds per HTTP request (openai)", type=float)
    opt(gen, "backoff_base", "first retry delay in seconds, doubled each time", type=float)
    opt(gen, "temperature", "sampling temperature (default: the endpoint's; local: greedy)", type=float)
    opt(gen, "max_tokens", "answer token limit", type=int)
    opt(gen, "max_tokens_field", "request field for --max_tokens: auto = max_completion_tokens for api.openai.com "
                                 "(its reasoning models reject max_tokens), max_tokens for vLLM / llama.cpp / Ollama",
        choices=("auto", "max_completion_tokens", "max_tokens"))
    opt(gen, "poll_interval", "seconds between status checks of running batches (openai-batch)", type=float)
    opt(gen, "batch_max_requests", "requests per batch file (openai-batch; the API allows 50,000 and 200 MB)",
        type=int)
    opt(gen, "no_wait", "submit the batches and collect those already finished, then exit; run the same command "
                        "later to collect the rest (openai-batch)", action="store_true")
    opt(gen, "batch_size", "prompts per generate() call (local)", type=int)
    opt(gen, "device", "local model device (default: cuda if available)")
    opt(gen, "dtype", "local model dtype", choices=("auto", "bf16", "fp16", "fp32"))
    flt = parser.add_argument_group("filters")
    opt(flt, "max_words", "longer answers are rejected (too_long)", type=int)
    opt(flt, "max_chars", "longer answers are rejected (too_long)", type=int)


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    """defaults < --config YAML < command line; an unknown YAML key is an error naming file and key."""
    values = dict(DEFAULTS)
    if getattr(args, "config", None):
        import yaml

        with open(args.config, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.config}: expected a mapping of flag names to values")
        for key, value in loaded.items():
            if key not in DEFAULTS:
                raise ValueError(f"{args.config}: unknown key {key!r}")
            values[key] = value
    values.update({k: v for k, v in vars(args).items() if k != "config"})
    for key in ("input", "pool", "exclude"):
        if isinstance(values[key], str):
            values[key] = [values[key]]
    return argparse.Namespace(**values)


def build_backend(args: argparse.Namespace):
    from ada_t5.pseudo import backends

    if args.backend == "rule":
        return backends.RuleBackend()
    if not args.model:
        raise ValueError(f"--model is required for the {args.backend} backend")
    if args.backend == "local":
        return backends.TransformersBackend(args.model, batch_size=args.batch_size, max_new_tokens=args.max_tokens,
                                            temperature=args.temperature or 0.0, device=args.device, dtype=args.dtype)
    if args.backend == "openai-batch":
        from ada_t5.pseudo.openai_batch import BatchBackend

        return BatchBackend(args.base_url, args.model, args.output, api_key_env=args.api_key_env,
                            temperature=args.temperature, max_tokens=args.max_tokens,
                            max_tokens_field=args.max_tokens_field, max_requests=args.batch_max_requests,
                            poll_interval=args.poll_interval, wait=not args.no_wait)
    from ada_t5.pseudo.openai_chat import OpenAIBackend

    return OpenAIBackend(args.base_url, args.model, api_key_env=args.api_key_env, concurrency=args.concurrency,
                         requests_per_minute=args.requests_per_minute, max_retries=args.max_retries,
                         timeout=args.timeout, temperature=args.temperature, max_tokens=args.max_tokens,
                         max_tokens_field=args.max_tokens_field, backoff_base=args.backoff_base)


def run(args: argparse.Namespace) -> int:
    from ada_t5.pseudo.filters import FilterConfig
    from ada_t5.pseudo.runner import GenerationConfig, run_generation

    try:
        args = resolve(args)
        if not args.input or not args.output:
            raise ValueError("--input and --output are required (on the command line or in --config)")
        config = GenerationConfig(
            inputs=list(args.input), output=args.output, pool=list(args.pool or []), exclude=list(args.exclude or []),
            exclude_match=args.exclude_match,
            smiles_column=args.smiles_column, id_column=args.id_column, k=args.k, radius=args.radius,
            n_bits=args.n_bits, retrieval_method=args.retrieval_method, num_proc=args.num_proc,
            template=args.template, limit=args.limit, retry_rejected=args.retry_rejected,
            filters=FilterConfig(max_words=args.max_words, max_chars=args.max_chars),
            progress=not args.no_progress)
        summary = run_generation(config, build_backend(args))
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(format_summary(summary, args.output))
    if summary["failed"] and not summary["written"] and not summary["rejected_total"]:
        print(f"error: every one of the {summary['failed']:,} requests failed; nothing was written (see the log "
              "for the first errors)", file=sys.stderr)
        return 1
    return 1 if summary["stopped"] else 0


def format_summary(s: dict, output: str) -> str:
    t = s.get("totals", {})
    lines = [
        f"pseudo data: {s['written']:,} pairs written, {s['rejected_total']:,} rejected {s['rejected'] or ''}, "
        f"{s['failed']:,} without an answer (retried by the next run) in {s['seconds']:.1f} s",
        f"  read {s['molecules_read']:,} molecules: {s['invalid_smiles']:,} invalid SMILES, {s['duplicates']:,} "
        f"duplicates, {s['excluded_test']:,} excluded (test), {s['already_done']:,} already done",
        f"  tokens: {s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} completion; retries: {s['retries']:,}",
        f"  {output}: {t.get('pairs', 0):,} pairs in all ({t.get('rejected', 0):,} rejected answers kept aside)",
        f"  summary: {output}.summary.json",
    ]
    if s["invalid_smiles"]:
        lines.append(f"  invalid SMILES listed in {output}.invalid.tsv")
    if s.get("batches_pending"):
        lines.append(f"  {s['batches_pending']} batches still running ({output}.batches.jsonl): run the same command "
                     "later to collect them")
    if s["stopped"]:
        lines.append(f"  STOPPED: {s['stopped']} (run the same command again to continue)")
    return "\n".join(lines)


PASSTHROUGH = True  # `ada-t5 pseudo push ...` is a sub-subcommand: main() sees the raw arguments


def push_main(argv: list[str]) -> int:
    """``ada-t5 pseudo push OUTPUT.jsonl --repo_id owner/name [--dry_run]``."""
    from ada_t5.errors import ArgumentParser
    from ada_t5.pseudo.publish import push

    parser = ArgumentParser(prog="ada-t5 pseudo push", description="publish a pseudo-data output as a Hub dataset "
                                                                  "with a dataset card (docs/pseudo_data.md)")
    parser.add_argument("output", metavar="OUTPUT.jsonl", help="the output of `ada-t5 pseudo`")
    parser.add_argument("--repo_id", required=True, help="the Hub dataset repository, owner/name")
    parser.add_argument("--dry_run", action="store_true", help="only write the upload folder (card + parquet)")
    parser.add_argument("--dry_run_dir", default=None, help="where --dry_run writes (default: OUTPUT.jsonl.hub_upload)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    args = parser.parse_args(argv)
    staged = push(args.output, args.repo_id, dry_run=args.dry_run, dry_run_dir=args.dry_run_dir,
                  private=args.private)
    if args.dry_run:
        print(f"dry run: {staged.pairs:,} pairs staged in {staged.folder} (nothing uploaded): "
              + ", ".join(staged.files))
    else:
        print(f"uploaded {staged.pairs:,} pairs to https://huggingface.co/datasets/{staged.repo_id} ({staged.url})")
    return 0


def main(argv: list[str] | None = None) -> int:
    from ada_t5.cli import parse_and_run

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["push"]:
        return push_main(argv[1:])
    return parse_and_run(sys.modules[__name__], argv, prog="ada-t5 pseudo")


if __name__ == "__main__":
    from ada_t5.errors import run_command

    sys.exit(run_command(main))
