"""``ada-t5 baseline``: the retrieval floor every model should beat, as MolT5 prediction files.

    ada-t5 baseline --task mol2text --pool chebi20/train.txt chebi20/test.txt --output retrieval.tsv
    ada-t5 baseline --task text2mol --pool chebi20/train.txt chebi20/test.txt --output retrieval.tsv
    ada-t5 evaluate retrieval.tsv

mol2text answers each test molecule with the description of the most Morgan-similar pool molecule (never one
with the test molecule's own structure); text2mol answers each test description with the SMILES of the pool
molecule whose description matches best (BM25). Papers rarely report this floor; on ChEBI-20 it is high.
"""

from __future__ import annotations

import argparse
import logging
import time

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("test_file", help="pairs to answer (any format ada_t5.data reads: MolT5 .txt, JSON, CSV...)")
    parser.add_argument("--task", required=True, choices=("mol2text", "text2mol"), help="which direction")
    parser.add_argument("--pool", required=True, help="described molecules to retrieve from (the train split)")
    parser.add_argument("--output", required=True, help="predictions TSV in MolT5's format")
    parser.add_argument("--max_rows", type=int, default=None, help="answer only the first N rows of test_file")
    parser.add_argument("--skip_invalid", action="store_true",
                        help="skip (and report) unreadable rows of either file instead of stopping")


def run(args: argparse.Namespace) -> int:
    import sys

    from ada_t5 import data
    from ada_t5.metrics import write_predictions
    from ada_t5.rag.augment import neighbours_for
    from ada_t5.rag.pool import RetrievalPool
    from ada_t5.tasks import get_task

    task = get_task(args.task)
    started = time.perf_counter()
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
    found = neighbours_for(pool, task.name, sources, 1)
    field = task.target_column
    outputs = [getattr(n[0], field) if n else "" for n in found]
    empty = sum(1 for n in found if not n)
    if empty:
        logger.warning("%d of %d queries found no neighbour: empty outputs", empty, len(found))
    path = write_predictions(args.output, task.name, sources, list(test[field]), outputs)
    print(f"{task.name} retrieval baseline: {len(outputs):,} rows from a {len(pool):,}-row pool in "
          f"{time.perf_counter() - started:.1f} s -> {path}  (score it: ada-t5 evaluate {path})")
    return 0
