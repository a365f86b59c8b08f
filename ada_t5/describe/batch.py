"""Many molecules at once: :func:`describe_many`, in worker processes when asked, order preserved."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Literal

from ada_t5.describe.sentences import describe
from ada_t5.processes import map_chunks


def _describe_or_none(smiles: str, **options) -> str | None:
    try:
        return describe(smiles, **options)
    except ValueError:
        return None


def describe_many(
    smiles_list: Iterable[str], num_proc: int = 1, *, errors: Literal["raise", "none"] = "raise",
    quantities: bool = True, formula: bool = True, stereo: bool = True, variant: int | None = None,
) -> list[str | None]:
    """Describe many SMILES, optionally in ``num_proc`` worker processes (order preserved).

    ``errors="raise"`` raises ValueError on the first unparseable SMILES; ``errors="none"`` puts ``None``
    in its place instead. ``quantities``, ``formula``, ``stereo`` and ``variant`` are :func:`describe`'s.
    """
    if errors not in ("raise", "none"):
        raise ValueError(f"errors must be 'raise' or 'none', not {errors!r}")
    smiles_list = list(smiles_list)
    worker = functools.partial(describe if errors == "raise" else _describe_or_none, quantities=quantities,
                               formula=formula, stereo=stereo, variant=variant)
    if num_proc <= 1 or len(smiles_list) < 64:
        return [worker(s) for s in smiles_list]
    # fork, as ada_t5.data's SMILES check does: workers start at once and a script without an
    # ``if __name__ == "__main__"`` guard still works (the workers only run RDKit)
    return map_chunks(functools.partial(_describe_chunk, worker), smiles_list, num_proc, "fork", min_chunk=16)


def _describe_chunk(worker, smiles_list: list[str]) -> list[str | None]:
    return [worker(s) for s in smiles_list]
