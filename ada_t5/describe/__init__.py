"""Deterministic, rule-based English descriptions of molecules, computed with RDKit.

This is the project's offline stand-in for an LLM writing pseudo descriptions: the embedded demo
describes the molecules that ship inside RDKit, and the pseudo-data generator can use it as a backend.

Two layers, so that facts can be checked apart from phrasing:

* :func:`facts` computes a :class:`MoleculeFacts` (formula, weights, charge, fragments, rings and
  aromatic systems, functional groups, stereo elements) from the canonical form of the molecule;
* :func:`describe` turns those facts into two to six sentences in the style of ChEBI-20
  ("The molecule is ..."), structure first, with several phrasings per sentence picked by a CRC-32 of the
  canonical SMILES (never Python's salted ``hash``), so the text is the same in every process and for
  every spelling of the molecule. ``variant=`` forces one phrasing for every sentence.

Functional groups come from RDKit's functional-group hierarchy (``Functional_Group_Hierarchy.txt``,
read through :func:`rdkit.Chem.FunctionalGroups.BuildFuncGroupHierarchy`), plus the SMARTS groups in
:data:`EXTRA_GROUPS` that the hierarchy lacks (esters, amides, ethers, ketones, nitriles, sulfonamides,
...) or refines (primary/secondary/tertiary alcohols, ammonium ions). Each reported group says which
source it came from. Every matched atom is reported once, under the most specific group that matches it.

Nothing heavy happens at import time: the hierarchy and every SMARTS pattern are compiled on first use.

Modules: :mod:`~ada_t5.describe.group_tables` (functional-group names and SMARTS, data only),
:mod:`~ada_t5.describe.groups` (matching them), :mod:`~ada_t5.describe.rings` (rings and their names),
:mod:`~ada_t5.describe.molecule_facts` (:func:`facts`), :mod:`~ada_t5.describe.english` (articles,
plurals, lists), :mod:`~ada_t5.describe.sentences` (:func:`describe`) and :mod:`~ada_t5.describe.batch`
(:func:`describe_many`).
"""

from __future__ import annotations

from ada_t5.describe.batch import describe_many
from ada_t5.describe.group_tables import EXTRA_GROUPS
from ada_t5.describe.groups import GroupCount
from ada_t5.describe.molecule_facts import MoleculeFacts, facts
from ada_t5.describe.rings import AromaticSystem, ring_vocabulary
from ada_t5.describe.sentences import MAX_SENTENCES, MAX_WORDS, describe

# Internals the tests reach through the package (``d._group_tree``, ``d._count``, ``d._join``).
from ada_t5.describe.english import _count, _join  # noqa: F401
from ada_t5.describe.groups import _group_tree  # noqa: F401

__all__ = [
    "EXTRA_GROUPS",
    "MAX_SENTENCES",
    "MAX_WORDS",
    "AromaticSystem",
    "GroupCount",
    "MoleculeFacts",
    "describe",
    "describe_many",
    "facts",
    "ring_vocabulary",
]
