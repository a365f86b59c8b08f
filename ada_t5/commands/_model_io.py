"""What ``ada-t5 caption`` and ``ada-t5 generate`` share: their options, batch files in and out, the summary.

Batch input: ``.tsv`` (header row; the column named by ``--column``, else ``smiles``/``description`` by name,
else a one-column file's only column), ``.jsonl`` (objects with that key, or bare JSON strings), or any other
suffix read as plain text, one input per line. Batch output by suffix: ``.jsonl`` (each input row with the
results added) or ``.tsv`` (input columns, then the result columns; tabs and line breaks inside a model output
are written as spaces; lines end with ``\n``). An input longer than ``--max_source_length`` tokens is
truncated as in training: its row's ``warning`` column says so, and the summary line counts them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ada_t5.errors import AdaT5Error
from ada_t5.jsonl import read_jsonl

COLUMN_NAMES = {"caption": ("smiles", "SMILES", "canonical_smiles", "mol"),
                "generate": ("description", "text", "caption", "prompt")}


class InputFileError(AdaT5Error, ValueError):
    pass


def add_model_arguments(parser: argparse.ArgumentParser, kind: str) -> None:
    what = "SMILES" if kind == "caption" else "TEXT"
    parser.add_argument("inputs", nargs="*", metavar=what,
                        help="inputs on the command line (or use --input FILE)")
    parser.add_argument("--model", "-m", default=os.environ.get("ADA_T5_MODEL"),
                        help="checkpoint folder or Hub id (default: $ADA_T5_MODEL)")
    parser.add_argument("--input", "-i", metavar="FILE", help="batch mode: read inputs from a .tsv, .jsonl or "
                                                              "plain-text (one per line) file")
    parser.add_argument("--output", "-o", metavar="FILE", help="batch mode: write results to a .tsv or .jsonl file")
    parser.add_argument("--column", help="input column / JSON key (default: found by name)")
    parser.add_argument("-n", "--num_return_sequences", dest="n", type=int, default=1,
                        help="candidates per input (default 1); without --sample the beam widens to n")
    parser.add_argument("--num_beams", type=int, default=1, help="beam width (default 1: greedy, the paper's)")
    parser.add_argument("--sample", action="store_true", help="sample instead of searching")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    parser.add_argument("--top_p", type=float, default=1.0, help="nucleus sampling threshold")
    parser.add_argument("--repetition_penalty", type=float, default=1.0,
                        help="divide the logits of already generated tokens by this (default 1.0: off)")
    parser.add_argument("--no_repeat_ngram_size", type=int, default=0,
                        help="forbid repeating any n-gram of this size (default 0: off)")
    parser.add_argument("--stop_repeats", type=int, default=0,
                        help="end an output once it repeats one cycle of tokens N times (default 0: off; changes "
                             "greedy results)")
    parser.add_argument("--no_engine", action="store_true",
                        help="batched model.generate instead of the continuous-batching engine")
    parser.add_argument("--compile_decoder", action="store_true",
                        help="torch.compile the engine's decoder step (CUDA graphs on a GPU)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (for --sample)")
    parser.add_argument("--max_new_tokens", type=int, default=512, help="new tokens at most (default 512)")
    parser.add_argument("--max_source_length", type=int, default=512,
                        help="input tokens the model reads (default 512, as in training); longer inputs are "
                             "truncated and flagged with a warning")
    parser.add_argument("--batch_size", type=int, default=32, help="inputs per generation batch")
    parser.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda, cuda:1 ...")
    parser.add_argument("--dtype", default="auto", choices=("auto", "bf16", "fp32"),
                        help="auto: bf16 autocast on a bf16-capable GPU, else fp32")
    parser.add_argument("--on_invalid", choices=("error", "flag"), default="error",
                        help="an unusable input: stop with an error naming it (default) or flag it in the output "
                             "and go on")


@dataclass
class InputRows:
    texts: list[str]
    rows: list[dict]  # the input rows as read (for batch output); {"input": text} for plain inputs
    column: str
    fmt: str  # tsv, jsonl, txt, args


def read_inputs(args: argparse.Namespace, kind: str) -> InputRows:
    if args.input and args.inputs:
        raise InputFileError("give inputs on the command line or --input FILE, not both")
    if not args.input:
        if not args.inputs:
            raise InputFileError("no inputs: give them on the command line or with --input FILE")
        return InputRows(list(args.inputs), [{"input": t} for t in args.inputs], "input", "args")
    path = Path(args.input)
    if not path.is_file():
        raise InputFileError(f"--input {path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".tsv":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                column = _pick_column(path, reader.fieldnames or [], args.column, kind)
                rows = list(reader)
            texts = [row[column] if row[column] is not None else "" for row in rows]
            return InputRows(texts, rows, column, "tsv")
        if suffix == ".jsonl":
            rows, texts, column = [], [], args.column
            for number, value in read_jsonl(path, error=InputFileError):
                if isinstance(value, str):
                    column = column or "input"
                    rows.append({column: value})
                    texts.append(value)
                    continue
                if not isinstance(value, dict):
                    raise InputFileError(f"{path}:{number}: expected an object or a string")
                column = column or _pick_column(path, list(value), None, kind)
                if not isinstance(value.get(column), str):
                    raise InputFileError(f"{path}:{number}: no string field {column!r}")
                rows.append(value)
                texts.append(value[column])
            return InputRows(texts, rows, column or "input", "jsonl")
        texts = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return InputRows(texts, [{"input": t} for t in texts], "input", "txt")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not valid UTF-8") from None


def _pick_column(path, names: list[str], wanted: str | None, kind: str) -> str:
    if wanted:
        if wanted not in names:
            raise InputFileError(f"{path}: no column {wanted!r} (columns: {', '.join(names)})")
        return wanted
    for name in COLUMN_NAMES[kind]:
        if name in names:
            return name
    if len(names) == 1:
        return names[0]
    raise InputFileError(f"{path}: which column holds the inputs? none of {', '.join(COLUMN_NAMES[kind])} among "
                         f"{', '.join(names)}; pass --column")


def result_fields(prediction, kind: str, n: int) -> dict:
    """The columns a result adds to its input row."""
    name = "caption" if kind == "caption" else "generated_smiles"
    fields: dict = {}
    candidates = prediction.candidates
    fields[name] = candidates[0].text if candidates else ""
    if kind == "generate":
        fields["valid"] = bool(candidates and candidates[0].valid)
    if n > 1:
        for j in range(n):
            c = candidates[j] if j < len(candidates) else None
            fields[f"{name}_{j + 1}"] = c.text if c else ""
            if kind == "generate":
                fields[f"valid_{j + 1}"] = bool(c and c.valid)
    fields["error"] = prediction.error or ""
    fields["warning"] = prediction.warning or ""
    return fields


def write_outputs(path: str | os.PathLike, inputs: InputRows, predictions, kind: str, n: int) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = [{**row, **result_fields(p, kind, n)} for row, p in zip(inputs.rows, predictions)]
    if path.suffix.lower() == ".jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for row, prediction in zip(merged, predictions):
                row["candidates"] = [{"text": c.text, "raw": c.raw, "valid": c.valid, "rank": c.rank}
                                     for c in prediction.candidates]
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return path
    if path.suffix.lower() != ".tsv":
        raise InputFileError(f"--output {path}: use a .tsv or .jsonl file")
    names = list(dict.fromkeys(key for row in merged for key in row))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
        writer.writerow(names)
        for row in merged:
            writer.writerow([_flat(row.get(name, "")) for name in names])
    return path


def _flat(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def print_results(predictions, kind: str, out=None) -> None:
    out = out or sys.stdout
    for prediction in predictions:
        print(prediction.input, file=out)
        if prediction.error:
            print(f"  ! invalid input: {prediction.error}", file=out)
            continue
        if prediction.warning:
            print(f"  ! {prediction.warning}", file=out)
        many = len(prediction.candidates) > 1
        for j, c in enumerate(prediction.candidates, 1):
            flag = "" if c.valid is None else ("  (valid)" if c.valid else "  (invalid SMILES)")
            print(f"  {f'{j}. ' if many else '-> '}{c.text}{flag}", file=out)


def summary(predictions, kind: str, seconds: float, output: Path | None) -> str:
    total = len(predictions)
    flagged = sum(p.error is not None for p in predictions)
    parts = [f"{total:,} input(s) in {seconds:.1f} s ({total / max(seconds, 1e-9):.1f}/s)"]
    if flagged:
        parts.append(f"{flagged} invalid input(s) flagged")
    truncated = sum(p.truncated for p in predictions)
    if truncated:
        parts.append(f"{truncated} input(s) truncated (see their warning)")
    if kind == "generate":
        decoded = [p for p in predictions if p.error is None]
        if decoded:
            best_valid = sum(bool(p.valid) for p in decoded)
            any_valid = sum(any(c.valid for c in p.candidates) for p in decoded)
            parts.append(f"best candidate valid for {best_valid}/{len(decoded)}")
            if any(len(p.candidates) > 1 for p in decoded):
                parts.append(f"some candidate valid for {any_valid}/{len(decoded)}")
    if output is not None:
        parts.append(f"wrote {output}")
    return f"ada-t5 {kind}: " + "; ".join(parts)


def run_model_command(args: argparse.Namespace, kind: str) -> int:
    """Shared body of ``ada-t5 caption`` / ``ada-t5 generate``: exit 0, or 2 with a one-line error."""
    from ada_t5.inference import InvalidInputError

    def fail(message: str) -> int:
        print(f"ada-t5 {kind}: error: {message}", file=sys.stderr)
        return 2

    if not args.model:
        return fail("no checkpoint: pass --model PATH_OR_HUB_ID (or set ADA_T5_MODEL)")
    try:
        inputs = read_inputs(args, kind)
        if args.output and Path(args.output).suffix.lower() not in (".tsv", ".jsonl"):
            raise InputFileError(f"--output {args.output}: use a .tsv or .jsonl file")
    except InputFileError as error:
        return fail(str(error))
    from ada_t5 import load
    from ada_t5.modeling import ModelLoadError
    from ada_t5.tokenization import TokenizerLoadError

    try:
        model = load(args.model, device=args.device, dtype=args.dtype, engine=not args.no_engine,
                     compile_decoder=args.compile_decoder)
    except (ModelLoadError, TokenizerLoadError, OSError) as error:
        return fail(str(error))
    options = dict(n=args.n, num_beams=args.num_beams, do_sample=args.sample, temperature=args.temperature,
                   top_p=args.top_p, repetition_penalty=args.repetition_penalty,
                   no_repeat_ngram_size=args.no_repeat_ngram_size, stop_repeats=args.stop_repeats,
                   max_new_tokens=args.max_new_tokens, max_source_length=args.max_source_length,
                   batch_size=args.batch_size,
                   on_invalid="flag" if args.on_invalid == "flag" else "raise", seed=args.seed, progress=True)
    started = time.perf_counter()
    try:
        if kind == "caption":
            predictions = model.caption(inputs.texts, canonicalize_inputs=args.canonicalize,
                                        rank_by_facts=args.rank_by_facts, **options)
        else:
            predictions = model.generate(inputs.texts, rank_valid_first=args.rank_valid_first, **options)
    except InvalidInputError as error:
        if inputs.fmt in ("tsv", "jsonl", "txt"):
            offset = 2 if inputs.fmt == "tsv" else 1  # header line; 1-based lines
            where = ", ".join(f"line {i + offset}" for i, _, _ in error.problems[:5])
            return fail(f"{args.input} ({where}): {error}".replace("on_invalid='flag'", "--on_invalid flag"))
        return fail(str(error).replace("on_invalid='flag'", "--on_invalid flag"))
    except ValueError as error:
        return fail(str(error))
    seconds = time.perf_counter() - started
    written = None
    if args.output:
        written = write_outputs(args.output, inputs, predictions, kind, args.n)
    else:
        print_results(predictions, kind)
    print(summary(predictions, kind, seconds, written), file=sys.stderr)
    return 0
