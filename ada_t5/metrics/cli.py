"""``ada-t5 evaluate``: score a MolT5-format predictions TSV, print a table, write metrics.json.

    ada-t5 evaluate [--task mol2text|text2mol] [--text_tokenizer PATH_OR_HUB_ID] [--output metrics.json] FILE.tsv

Exit status 2, with a one-line message and no traceback, for an unreadable file or a missing resource.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ada_t5.metrics.core import TASKS, MetricResourceError, Scores


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.tsv", help="predictions in MolT5's format (header SMILES|description, "
                                                         "ground truth, output)")
    parser.add_argument("--task", choices=TASKS, default=None, help="default: inferred from the header")
    parser.add_argument("--output", "-o", metavar="metrics.json", default=None, help="write the aggregate scores")
    parser.add_argument("--per_example", metavar="per_example.jsonl", default=None,
                        help="write one JSON line of scores per row")
    parser.add_argument("--text_tokenizer", default="auto", metavar="PATH_OR_HUB_ID",
                        help="SciBERT vocab.txt, a folder or a Hub id (default: auto = $ADA_T5_TEXT_TOKENIZER, "
                             "then allenai/scibert_scivocab_uncased from the Hub/cache, else a simple tokenizer)")
    parser.add_argument("--nltk_data", default=None, metavar="DIR", help="folder holding corpora/wordnet[.zip] "
                                                                         "(default: $NLTK_DATA, NLTK's paths)")
    parser.add_argument("--no_meteor", action="store_true", help="skip METEOR (mol2text)")
    parser.add_argument("--no_fcd", action="store_true", help="skip FCD (text2mol)")
    parser.add_argument("--no_fact_check", action="store_true",
                        help="skip ada-t5's caption fact check (mol2text; not a MolT5 metric, reported under its own "
                             "key ada_t5_fact_check)")
    parser.add_argument("--fcd_model", default=None, metavar="PATH", help="ChemNet checkpoint (default: fcd's)")
    parser.add_argument("--num_proc", type=int, default=None, help="processes to use (default: min(2, CPUs))")


def format_table(scores: Scores) -> str:
    rows = [(key, "not computed" if value is None else f"{value:.4f}") for key, value in scores.aggregate.items()]
    width = max(len(key) for key, _ in rows)
    value_width = max(len(value) for _, value in rows)
    lines = [f"  {'metric'.ljust(width)}  {'value'.rjust(value_width)}", f"  {'-' * width}  {'-' * value_width}"]
    lines += [f"  {key.ljust(width)}  {value.rjust(value_width)}" for key, value in rows]
    return "\n".join(lines)


def task_mismatch(predictions) -> str | None:
    """A text2mol file whose outputs and references are mostly not SMILES (captions in the wrong file, or the
    wrong --task) scores validity ~0 without complaint: say so."""
    if predictions.task != "text2mol" or not len(predictions):
        return None
    from ada_t5.chem import mol_from_smiles

    def share(texts) -> float:
        return sum(mol_from_smiles(t) is not None for t in texts) / len(texts)

    outputs, references = share(predictions.outputs), share(predictions.references)
    if outputs < 0.5 and references < 0.5:
        return (f"scored as text2mol, but {1 - outputs:.0%} of the outputs and {1 - references:.0%} of the references "
                "are not valid SMILES: is this a captioning (mol2text) file? Check its header or --task")
    return None


def _fail(message: str) -> int:
    print(f"ada-t5 evaluate: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from ada_t5.metrics import score
    from ada_t5.metrics.io import PredictionFileError, read_predictions

    try:
        predictions = read_predictions(args.file, task=args.task)
    except PredictionFileError as error:
        return _fail(str(error))
    for option, value in (("--output", args.output), ("--per_example", args.per_example)):
        if value and Path(value).is_dir():  # found now, not after minutes of scoring
            return _fail(f"{option} {value} is a folder; name a file (e.g. {Path(value) / 'metrics.json'})")
    kwargs: dict = {"num_proc": args.num_proc}
    if predictions.task == "mol2text":
        kwargs.update(text_tokenizer=args.text_tokenizer, nltk_data=args.nltk_data,
                      meteor=False if args.no_meteor else "auto")
    else:
        kwargs.update(fcd=not args.no_fcd, fcd_model=args.fcd_model)
    start = time.perf_counter()
    try:
        scores = score(predictions.task, predictions.outputs, predictions.references, **kwargs)
    except (MetricResourceError, ValueError) as error:
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    facts, checks = None, None
    if predictions.task == "mol2text" and not args.no_fact_check:
        from ada_t5.metrics.facts import fact_check

        facts, checks = fact_check(predictions.outputs, predictions.inputs)
    seconds = time.perf_counter() - start

    print(f"{args.file}: {predictions.task}, {len(predictions):,} examples, scored in {seconds:.1f} s")
    print(format_table(scores))
    for note in scores.notes:
        print(f"  note: {note}")
    if facts is not None:
        from ada_t5.metrics.facts import format_fact_summary

        print(f"ada-t5 fact check (not a MolT5 metric; key ada_t5_fact_check): {format_fact_summary(facts)}; "
              f"{facts['captions_with_facts']:,} of {facts['captions']:,} captions state a checkable fact")
    mismatch = task_mismatch(predictions)
    if mismatch:
        print(f"ada-t5 evaluate: warning: {mismatch}", file=sys.stderr)
    if args.output:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = dict(scores.aggregate, **({"ada_t5_fact_check": facts} if facts is not None else {}))
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    if args.per_example:
        path = Path(args.per_example)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            for index, (row, source, reference, output) in enumerate(zip(
                    scores.per_example, predictions.inputs, predictions.references, predictions.outputs)):
                record = {"index": index, "input": source, "reference": reference, "output": output, **row}
                if checks is not None:
                    record["ada_t5_fact_check"] = {"precision": checks[index].precision,
                                                   "facts": [f.to_dict() for f in checks[index].facts]}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"wrote {path}")
    return 0
