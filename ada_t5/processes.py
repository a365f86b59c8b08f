"""Worker processes: how many CPUs this process may use, and the one way ada-t5 starts a pool of workers.

Two start methods, chosen by the caller for a reason it states:

* ``"fork"`` (Linux; spawn elsewhere, where fork is unsafe): workers start at once and share the parent's
  memory; right for short RDKit-only jobs on a big list. Workers that only run RDKit do not mind threads that
  torch or tokenizers may have started in the parent.
* ``"spawn"``: a fresh interpreter per worker; right where the parent holds threads that matter (HTTP clients,
  torch/OpenMP, CUDA) or the pool lives long.

Spawned children normally re-run the parent's entry script (as ``__mp_main__``), which re-runs a script that
lacks an ``if __name__ == "__main__":`` guard, training loop included. Every job ada-t5 sends is a function of
an ``ada_t5`` module and never needs ``__main__``, so :class:`WorkerPool` starts spawned workers with
``__main__`` hidden (a bare module for the moment of the start).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Literal

Start = Literal["fork", "spawn"]


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask: a container or ``taskset`` limit, not the machine's
    count), at least 1."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    real = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if real is not None:
            sys.modules["__main__"] = real


class WorkerPool(ProcessPoolExecutor):
    """A ``ProcessPoolExecutor`` of ``num_proc`` workers started the ``start`` way (see the module docstring).

    Spawned workers start inside ``submit`` (one per job until there are ``num_proc``), so that is where
    ``__main__`` is hidden; forked workers inherit the parent's modules and keep the real ``__main__``."""

    def __init__(self, num_proc: int, start: Start, initializer: Callable | None = None,
                 initargs: tuple = ()) -> None:
        if start not in ("fork", "spawn"):
            raise ValueError(f"start must be 'fork' or 'spawn', not {start!r}")
        method = "fork" if start == "fork" and sys.platform.startswith("linux") else "spawn"
        self._hide_main = method != "fork"
        super().__init__(max_workers=num_proc, mp_context=multiprocessing.get_context(method),
                         initializer=initializer, initargs=initargs)

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        if not self._hide_main:
            return super().submit(fn, *args, **kwargs)
        with _main_hidden():
            return super().submit(fn, *args, **kwargs)


def map_chunks(fn: Callable[[list], Sequence], items: Sequence, num_proc: int, start: Start, *,
               min_chunk: int = 1) -> list[Any]:
    """``fn`` over consecutive chunks of ``items`` in a :class:`WorkerPool` of ``num_proc`` workers; ``fn``
    returns one result per item of its chunk, and the results come back in item order. About 8 chunks per
    worker (at least ``min_chunk`` items each): a slow chunk then does not leave the other workers idle."""
    size = max(min_chunk, -(-len(items) // (num_proc * 8)))
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    with WorkerPool(num_proc, start) as pool:
        return [result for part in pool.map(fn, chunks) for result in part]
