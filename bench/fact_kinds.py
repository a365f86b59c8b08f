#!/usr/bin/env python
"""Which facts does a caption model get wrong? The fact check (ada_t5.metrics.facts) of one predictions file, by kind
and by phrase, and what deleting content from the same captions would give (no retraining).

    python bench/fact_kinds.py runs/demo-mol2text/test_predictions.tsv [--top 25]

Prints fact precision and facts per caption for the references and the outputs, precision per kind, the phrases
with the most refuted facts (counts folded: "2 benzene" and "two benzene" are "# benzene"), then the outputs with
sentences or words removed: the stereo sentence, primary/secondary/aromatic qualifiers, stated counts, the
opening sentence, and all of these. It measures what a model cannot yet read off the SMILES, to choose what the
demo's descriptions state; a higher precision from stating less only counts if the captions stay informative, hence
facts per caption beside every line.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

QUALIFIER = re.compile(r"\b(?:primary|secondary|tertiary|aliphatic|aromatic|aryl|phenolic|heteroaromatic) "
                       r"(?=(?:\w+ )?(?:alcohol|amine|carboxylic|ketone|hydroxy|ether|nitro|amino|methoxy))")
COUNT = re.compile(r"\b(?:two|three|four|five|six|\d+) (?=[a-z])")
FOLD = re.compile(r"^(?:a|an|one|single|two|three|four|five|six|\d+) ")


def _sentences(caption: str) -> list[str]:
    return caption.split(". ")


def _without_stereo(caption: str) -> str:
    return ". ".join(s for s in _sentences(caption) if "stereo" not in s.lower())


def _without_opening(caption: str) -> str:
    return ". ".join(_sentences(caption)[1:])


EDITS = {
    "without the stereo sentence": _without_stereo,
    "without group qualifiers": lambda c: QUALIFIER.sub("", c),
    "without stated counts": lambda c: COUNT.sub("", c),
    "without the opening sentence": _without_opening,
    "all four": lambda c: COUNT.sub("", QUALIFIER.sub("", _without_stereo(_without_opening(c)))),
}


def _line(name: str, captions, smiles) -> tuple[dict, list]:
    from ada_t5.metrics.facts import fact_check

    aggregate, checks = fact_check(captions, smiles)
    kinds = ", ".join(f"{k} {v['precision']:.2f} ({v['facts']})" for k, v in aggregate["by_kind"].items())
    print(f"{name:32s} precision {aggregate['precision']:.3f}  facts/caption {aggregate['facts'] / len(captions):.2f}"
          f"  {kinds}")
    return aggregate, checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("predictions", help="a MolT5-format predictions TSV (SMILES, ground truth, output)")
    parser.add_argument("--top", type=int, default=25, help="phrases to list, most refuted first")
    args = parser.parse_args(argv)
    from ada_t5.metrics.io import read_predictions

    rows = read_predictions(args.predictions)
    smiles, outputs = rows.inputs, rows.outputs
    _line("references", rows.references, smiles)
    _, checks = _line("outputs", outputs, smiles)
    stated, refuted = Counter(), Counter()
    for check in checks:
        for fact in check.facts:
            key = (fact.kind, FOLD.sub("# ", fact.text.lower()))
            stated[key] += 1
            refuted[key] += not fact.correct
    print(f"\nmost refuted phrases (of {sum(refuted.values()):,} refuted facts):")
    for key in sorted(stated, key=lambda k: (-refuted[k], -stated[k]))[:args.top]:
        print(f"  {key[0]:10s} {key[1]:42s} {refuted[key]:4d} of {stated[key]:4d} wrong")
    print("\nthe same outputs, content deleted:")
    for name, edit in EDITS.items():
        _line(name, [edit(c) for c in outputs], smiles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
