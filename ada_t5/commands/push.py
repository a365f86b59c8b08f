"""``ada-t5 push FOLDER REPO_ID``: upload a checkpoint, its tokenizer and a generated model card to the Hub.

    ada-t5 push runs/chebi20-mol2text me/ada-t5-small-chebi20-mol2text
    ada-t5 push runs/demo-mol2text me/demo --dry_run               # writes runs/demo-mol2text_hub_upload/

The card (README.md) states the task, base model, data and hyper-parameters (from the run's run_info.json),
the metrics of the metrics JSON (default: the folder's test_metrics.json), a usage snippet and the paper's
citation. The token comes from HF_TOKEN or `hf auth login`, never from the command line.
"""

from __future__ import annotations

import argparse
import sys

from ada_t5.tasks import TASK_NAMES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="FOLDER", help="checkpoint folder (a fine-tuning output_dir)")
    parser.add_argument("repo_id", metavar="REPO_ID", help="the Hub repository, owner/name")
    parser.add_argument("--metrics", metavar="metrics.json", default=None,
                        help="metrics for the card (default: FOLDER/test_metrics.json when present)")
    parser.add_argument("--dry_run", action="store_true",
                        help="only write the upload folder and card locally (nothing is sent)")
    parser.add_argument("--dry_run_dir", default=None, help="where --dry_run writes (default: FOLDER_hub_upload)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--commit_message", default="Upload ada-t5 model")
    parser.add_argument("--task", choices=TASK_NAMES, default=None,
                        help="for the card when the folder has no run_info.json")
    parser.add_argument("--base_model", default=None, help="for the card: the model fine-tuning started from")
    parser.add_argument("--dataset", default=None, help="for the card: the training data")
    parser.add_argument("--license", default=None, help="for the card's metadata, e.g. apache-2.0")


def run(args: argparse.Namespace) -> int:
    from ada_t5.model_card import HubPushError, push

    try:
        result = push(args.folder, args.repo_id, dry_run=args.dry_run, dry_run_dir=args.dry_run_dir,
                      metrics=args.metrics, private=args.private, commit_message=args.commit_message,
                      task=args.task, base_model=args.base_model, dataset=args.dataset, license=args.license)
    except (HubPushError, FileNotFoundError) as error:
        print(f"ada-t5 push: error: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"dry run: wrote {len(result.files)} files to {result.folder} (nothing uploaded):")
        for name in result.files:
            print(f"  {name}")
        print(f"model card: {result.folder / 'README.md'}")
    else:
        print(f"uploaded {len(result.files)} files to https://huggingface.co/{result.repo_id} ({result.url})")
    return 0
