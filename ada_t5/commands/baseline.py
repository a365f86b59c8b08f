"""``ada-t5 baseline``: the retrieval floor every model should beat, as MolT5 prediction files.

    ada-t5 baseline --task mol2text --pool chebi20/train.txt chebi20/test.txt --output retrieval.tsv
    ada-t5 baseline --task text2mol --pool chebi20/train.txt chebi20/test.txt --output retrieval.tsv
    ada-t5 evaluate retrieval.tsv

mol2text answers each test molecule with the description of the most Morgan-similar pool molecule (never one
with the test molecule's own structure); text2mol answers each test description with the SMILES of the pool
molecule whose description matches best (BM25). Papers rarely report this floor; on ChEBI-20 it is high.

Reranking (``--rerank_k K``, :mod:`ada_t5.rag.rerank`): the answer is the best of the K nearest neighbours'
targets by retrieval similarity, consensus among the K, the character n-gram closeness of the query to each
neighbour's source (:mod:`ada_t5.rag.lexical`) and, with ``--rerank_model CHECKPOINT``, the checkpoint's
likelihood. The weights come from ``--rerank_weights`` or are fitted on ``--rerank_validation`` rows (never on
the test rows); they are written to ``OUTPUT.rerank.json`` with the validation score of every weight tried.

    ada-t5 baseline --task mol2text --pool train.txt test.txt --output reranked.tsv \
        --rerank_k 10 --rerank_model runs/chebi20-mol2text --rerank_validation validation.txt
"""

from __future__ import annotations

import argparse
import logging
import time

from ada_t5.tasks import TASK_NAMES

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("test_file", help="pairs to answer (any format ada_t5.data reads: MolT5 .txt, JSON, CSV...)")
    parser.add_argument("--task", required=True, choices=TASK_NAMES, help="which direction")
    parser.add_argument("--pool", required=True, help="described molecules to retrieve from (the train split)")
    parser.add_argument("--output", required=True, help="predictions TSV in MolT5's format")
    parser.add_argument("--max_rows", type=int, default=None, help="answer only the first N rows of test_file")
    parser.add_argument("--skip_invalid", action="store_true",
                        help="skip (and report) unreadable rows of either file instead of stopping")
    parser.add_argument("--rerank_k", type=int, default=1,
                        help="candidates per query: the K nearest neighbours' targets, reranked (1: plain retrieval)")
    parser.add_argument("--rerank_model", default=None,
                        help="a fine-tuned checkpoint (folder or Hub id) whose likelihood of each candidate is a "
                             "feature")
    parser.add_argument("--rerank_validation", default=None,
                        help="pairs to fit the reranking weights on (e.g. the validation split); not the test file")
    parser.add_argument("--rerank_validation_rows", type=int, default=500,
                        help="fit on the first N rows of --rerank_validation")
    parser.add_argument("--rerank_weights", default=None,
                        help="fixed weights instead of fitting, e.g. retrieval=1,consensus=0.5,model=2,lexical=1")
    parser.add_argument("--text_tokenizer", default="auto",
                        help="caption tokenizer for the mol2text fitting objective (BLEU-4 on its tokens)")


def run(args: argparse.Namespace) -> int:
    import sys

    from ada_t5 import data
    from ada_t5.metrics import write_predictions
    from ada_t5.rag.augment import neighbours_for
    from ada_t5.rag.pool import RetrievalPool
    from ada_t5.tasks import get_task

    task = get_task(args.task)
    started = time.perf_counter()
    problem = rerank_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        pool_rows = data.load_pairs(args.pool, skip_invalid=args.skip_invalid)
        test = data.load_pairs(args.test_file, skip_invalid=args.skip_invalid)
    except (data.DataFormatError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.max_rows is not None:
        test = test.select(range(min(args.max_rows, len(test))))
    pool = RetrievalPool.from_dataset(pool_rows)
    sources = list(test[task.source_column])
    field = task.target_column
    if args.rerank_k > 1:
        outputs = rerank(args, task, pool, sources)
        empty = sum(1 for o in outputs if not o)
    else:
        found = neighbours_for(pool, task.name, sources, 1)
        outputs = [getattr(n[0], field) if n else "" for n in found]
        empty = sum(1 for n in found if not n)
    if empty:
        logger.warning("%d of %d queries found no neighbour: empty outputs", empty, len(found))
    path = write_predictions(args.output, task.name, sources, list(test[field]), outputs)
    what = f"retrieval, best of {args.rerank_k} reranked" if args.rerank_k > 1 else "retrieval baseline"
    print(f"{task.name} {what}: {len(outputs):,} rows from a {len(pool):,}-row pool in "
          f"{time.perf_counter() - started:.1f} s -> {path}  (score it: ada-t5 evaluate {path})")
    return 0


def rerank_problem(args: argparse.Namespace) -> str | None:
    if args.rerank_k < 1:
        return f"--rerank_k must be at least 1, got {args.rerank_k}"
    if args.rerank_k == 1 and (args.rerank_model or args.rerank_validation or args.rerank_weights):
        return "--rerank_model, --rerank_validation and --rerank_weights need --rerank_k 2 or more"
    if args.rerank_k > 1 and not (args.rerank_validation or args.rerank_weights):
        return "--rerank_k needs --rerank_validation FILE (to fit the weights) or --rerank_weights"
    if args.rerank_weights:
        from ada_t5.rag.rerank import RerankWeights

        try:
            weights = RerankWeights.parse(args.rerank_weights)
        except ValueError as error:
            return f"--rerank_weights: {error}"
        if weights.model and not args.rerank_model:
            return "--rerank_weights gives the model a weight but no --rerank_model is set"
    return None


def rerank(args: argparse.Namespace, task, pool, sources: list[str]) -> list[str]:
    """Fit (or take) the weights, then choose each test answer among its ``--rerank_k`` candidates."""
    import json

    from ada_t5 import data
    from ada_t5.rag import rerank as reranking

    model = None
    if args.rerank_model:
        import ada_t5

        model = ada_t5.load(args.rerank_model)
        model.task = task.name
    tried, fitted_rows = [], None
    if args.rerank_weights:
        weights = reranking.RerankWeights.parse(args.rerank_weights)
        # the n-gram index reads the whole pool: only build it when the given weights use it
        lexical = reranking.lexical_index(pool, task.name) if weights.lexical else None
    else:
        lexical = reranking.lexical_index(pool, task.name)
        validation = data.load_pairs(args.rerank_validation, skip_invalid=args.skip_invalid)
        validation = validation.select(range(min(args.rerank_validation_rows, len(validation))))
        fitted_rows = len(validation)
        # validation rows are queried as test rows are (no leave-one-out: neither split is in the pool)
        fit_on = reranking.build_candidates(pool, task.name, list(validation[task.source_column]), args.rerank_k,
                                            model=model, lexical=lexical)
        weights, tried = reranking.fit_weights(task.name, fit_on, list(validation[task.target_column]),
                                               text_tokenizer=args.text_tokenizer, use_model=model is not None)
        best = max(score for _, score in tried)
        plain = {str(w): s for w, s in tried}.get(str(reranking.RerankWeights(1.0, 0.0, 0.0)))
        logger.info("reranking weights %s: validation %s %.4f (retrieval alone among these candidates: %s) on %d rows",
                    weights, "BLEU-4" if task.name == "mol2text" else "BLEU", best,
                    "-" if plain is None else f"{plain:.4f}", len(validation))
    # the model's feature only where it has a weight: scoring every candidate is most of the time
    candidates = reranking.build_candidates(pool, task.name, sources, args.rerank_k,
                                            model=model if weights.model else None,
                                            lexical=lexical if weights.lexical else None)
    outputs = reranking.choose(candidates, weights)
    record = dict(task=task.name, k=args.rerank_k, weights=str(weights), model=args.rerank_model,
                  validation=args.rerank_validation, validation_rows=fitted_rows,
                  tried=[dict(weights=str(w), score=s) for w, s in tried])
    with open(f"{args.output}.rerank.json", "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
    return outputs
