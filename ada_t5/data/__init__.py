"""Molecule-text pair data: every supported format in, one ``datasets.Dataset`` out.

:func:`load_pairs` reads one source into a Dataset with the columns ``smiles`` (str), ``description`` (str)
and ``id`` (str, or None where the source has no identifier), in the source's row order:

==============================  ==========================================================================
source                          how it is read
==============================  ==========================================================================
MolT5 TSV (``.txt``, ``.tsv``)  header ``CID\\tSMILES\\tdescription`` (ChEBI-20), tab-separated, no quoting
                                (fields are taken verbatim, quotes included); ``id`` is the CID
the paper's JSON (``.json``)    a list of ``{"smiles", "description"}`` objects (its ChEBI-20, PCdes,
                                DrugBank-23 and PseudoMD-1M files), parsed 32 MB at a time, so a 753 MB
                                file never becomes one giant Python list; also JSON Lines content in a
                                ``.json`` file and an object holding one such list under any key
JSON Lines (``.jsonl``)         one object per line
CSV / TSV (``.csv``, ``.tsv``)  header row + ``columns`` mapping (standard CSV quoting)
Parquet (``.parquet``)          any string columns, mapped the same way
a ``save_to_disk`` folder       a Dataset or DatasetDict folder (``split=`` picks a split)
a Hub id (``owner/name``)       through the real ``datasets.load_dataset`` path, only when no local path
                                of that name exists; fails fast with a clear message when offline
==============================  ==========================================================================

Columns are found by name, case-insensitively, with common aliases (``caption``/``text`` for the
description, ``cid`` for the id, ...; see :data:`COLUMN_ALIASES`); ``columns={"smiles": "SMILES",
"description": "caption", "id": "cid"}`` names them explicitly. A ``.smi`` file holds molecules only and
is refused with a pointer to the captioning / describing tools.

Bad rows
--------
A row with an empty (or whitespace-only) SMILES or description, a SMILES RDKit cannot parse, the wrong
number of fields, bytes that are not UTF-8, or a JSON value of the wrong type raises
:class:`DataFormatError`, whose message names the file, the 1-based physical line (for a JSON list, the
line where the row's object starts; for Parquet / Arrow / Hub data, the 0-based row index, said as
"row") and the field as the file names it, e.g.::

    chebi20/test.txt:17: field 'SMILES': RDKit cannot parse 'C1CC' (unclosed ring)

With ``skip_invalid=True`` those rows are skipped instead, counted and listed in a :class:`LoadReport`
(logged as a warning, and returned with ``return_report=True``); nothing is ever dropped silently. A
missing column (a header without a SMILES or description column) is always an error. Blank lines in
text formats are not rows and are passed over.

SMILES validation parses every SMILES with RDKit (sanitized, as MolT5's scripts do), in ``num_proc``
worker processes for big files (default: all available cores from 20,000 rows up).

MolT5's doubled backslashes
---------------------------
``smiles_backslashes="keep"`` (the default) reads MolT5's doubled ``\\`` bonds exactly as stored, ``"unescape"``
rewrites them with :func:`ada_t5.chem.unescape_backslashes`; why the default keeps them: README, "Data".

Splits and the embedded demo
----------------------------
:func:`load_splits` reads a folder of ``train`` / ``validation`` (also ``valid``, ``val``, ``dev``) /
``test`` files (MolT5 ``.txt`` or the paper's ``.json``, or any format above), a ``{split: path}``
mapping, a saved DatasetDict or a Hub id into a ``DatasetDict``. :func:`load_demo_splits` builds the
embedded default data set: the ~5,000 molecules that ship inside RDKit, described by
:func:`ada_t5.describe.describe`, split by seed, cached under ``$ADA_T5_CACHE`` (default
``~/.cache/ada_t5``).

Modules
-------
One job each, imported in one direction (``errors`` <- readers <- ``assemble`` <- ``loader`` <- ``demo``):
:mod:`~ada_t5.data.errors` (exceptions, :class:`Problem`, :class:`LoadReport`),
:mod:`~ada_t5.data.sources` (formats, suffixes, split names), :mod:`~ada_t5.data.raw` (the raw row table
every reader fills, column aliases), the readers :mod:`~ada_t5.data.tables` (MolT5 TSV, CSV, TSV),
:mod:`~ada_t5.data.json_files` and :mod:`~ada_t5.data.json_stream` (JSON lists, JSON Lines),
:mod:`~ada_t5.data.arrow` (Parquet, saved datasets) and :mod:`~ada_t5.data.hub_datasets` (Hub dataset ids),
:mod:`~ada_t5.data.assemble` (validation, the Dataset and its report), :mod:`~ada_t5.data.loader`
(:func:`load_pairs`, :func:`load_splits`), :mod:`~ada_t5.data.stream` (:func:`stream_pairs`: the same sources
as a checked stream) and :mod:`~ada_t5.data.demo` (:func:`load_demo_splits`).
"""

from __future__ import annotations

from ada_t5.data.demo import default_cache_dir, load_demo_splits
from ada_t5.data.errors import DataFormatError, LoadReport, MissingSplitError, Problem
from ada_t5.data.loader import load_pairs, load_splits
# PAIR_COLUMNS, REQUIRED and SPLIT_ALIASES are public too, as they were before the split (not in __all__).
from ada_t5.data.raw import COLUMN_ALIASES, PAIR_COLUMNS, REQUIRED  # noqa: F401
from ada_t5.data.sources import FORMATS, SPLIT_ALIASES  # noqa: F401
from ada_t5.data.stream import split_file, stream_pairs

__all__ = [
    "COLUMN_ALIASES",
    "FORMATS",
    "DataFormatError",
    "LoadReport",
    "MissingSplitError",
    "Problem",
    "default_cache_dir",
    "load_demo_splits",
    "load_pairs",
    "load_splits",
    "split_file",
    "stream_pairs",
]
