"""``ada-t5 data download NAME``: fetch a public data set, check it, print the next command.

    ada-t5 data download chebi20                      # MolT5's ChEBI-20 into data/chebi20
    ada-t5 data download chebi20 --dir /data/chebi20 --splits validation test
    ada-t5 data download pcdes | ada-t5-samples       # KV-PLM's public PCdes files; the paper's JSON samples
    ada-t5 data list                                  # what can be fetched, and what has no public source

Exit status 2 with a one-line message for an unknown or non-public data set, an unreachable server, or a
file that fails its checksum (nothing half-written is left behind).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ada_t5.data.download import NOT_PUBLIC, SOURCES

    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    fetch = actions.add_parser("download", help="fetch a data set and check its files")
    fetch.add_argument("name", metavar="NAME", help=f"one of {', '.join(SOURCES)} ({', '.join(NOT_PUBLIC)} have no "
                                                    "public source: the command says where to get them)")
    fetch.add_argument("--dir", default=None, help="target folder (default: data/<name>, where the configs look)")
    fetch.add_argument("--base-url", default=None,
                       help="fetch from this URL instead of the pinned public repository (a mirror, a local copy)")
    fetch.add_argument("--splits", nargs="+", default=None, metavar="SPLIT",
                       help="only these splits (chebi20: train validation test)")
    fetch.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default 30)")
    fetch.add_argument("--force", action="store_true", help="fetch again even when a checked copy is present")
    actions.add_parser("list", help="the data sets, their sources, and the ones with no public source")


def run(args: argparse.Namespace) -> int:
    from ada_t5.data.download import (
        NOT_PUBLIC,
        SOURCES,
        DownloadError,
        download,
        resolve_source,
    )

    if args.action == "list":
        for source in SOURCES.values():
            print(f"{source.name:<15} -> {source.default_dir}: {source.about}")
        for name, why in NOT_PUBLIC.items():
            print(f"{name:<15}    not downloadable: {why}")
        return 0
    try:
        source = resolve_source(args.name)
        target = args.dir or source.default_dir
        print(f"{source.name}: {source.about}")
        results = download(source, target, base_url=args.base_url, splits=args.splits, timeout=args.timeout,
                           force=args.force)
    except DownloadError as error:
        print(f"ada-t5 data download: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the target folder cannot be written
        print(f"ada-t5 data download: error: {error.filename or target}: {error.strerror or error}", file=sys.stderr)
        return 2
    fetched = sum(r.status == "downloaded" for r in results)
    print(f"{len(results)} file(s) in {target} checked ({fetched} downloaded, {len(results) - fetched} already there)")
    dataset = "" if target == source.default_dir else f" --dataset {target}"
    print("next: " + source.next_step.format(dataset=dataset, dir=target))
    return 0
