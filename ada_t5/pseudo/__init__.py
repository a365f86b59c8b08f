"""Pseudo-data generation (the Ada-T5 paper's method): describe unlabeled molecules with an LLM prompted with
retrieved, really-described example molecules, and write "artificially real" pairs to JSONL.

The road, one module per step::

    inputs.py     read molecules (.smi/.txt/CSV/any pair file), canonicalize, report invalid SMILES
    retrieval.py  k most similar pool molecules by Morgan Tanimoto (self and test molecules excluded)
    prompts.py    role + task + retrieved examples + output rules -> chat messages (template overridable)
    backends.py   OpenAI-compatible HTTP endpoint, local transformers causal LM, offline rule-based describer
    filters.py    clean answers; drop empty / refusals / echoes / over-long ones
    runner.py     the resumable loop: skip what is done, append + fsync per record, summary

The output JSONL has ``smiles`` and ``description`` on every line and loads with
:func:`ada_t5.data.load_pairs`. Nothing heavy is imported here.
"""

from __future__ import annotations

__all__ = ["run_generation", "GenerationConfig"]


def __getattr__(name: str):  # lazy: importing the package must not import RDKit, numpy or transformers
    if name in __all__:
        from ada_t5.pseudo import runner

        return getattr(runner, name)
    raise AttributeError(name)
