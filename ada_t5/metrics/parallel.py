"""Persistent, spawn-based process pools for the metric suites (one per kind of job).

Spawn (not fork) because the parent may hold torch/OpenMP threads or CUDA; persistent because a validation
loop scores every few hundred steps and a worker that already imported RDKit/NLTK and loaded WordNet answers
at once. Small inputs stay in-process: starting workers costs more than it saves. Any failure to start or keep
workers (a daemonic caller, a broken pool) falls back to in-process work with a warning, never to an error.
Each pool is an :class:`ada_t5.processes.WorkerPool`, so a training script without an
``if __name__ == "__main__":`` guard is not re-run by the workers.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ada_t5.processes import WorkerPool, available_cpus

logger = logging.getLogger(__name__)

MIN_ROWS_PER_WORKER = 150

# one pool per kind of job: METEOR workers keep WordNet loaded, RDKit workers do not need it
_pools: dict[str, tuple[WorkerPool, int]] = {}
_disabled = False
_lock = threading.Lock()


def resolve_num_proc(num_proc: int | None) -> int:
    """``None`` -> min(2, CPUs): the metrics share the machine with training, so they stay polite by default."""
    if num_proc is None:
        return max(1, min(2, available_cpus()))
    if num_proc < 1:
        raise ValueError(f"num_proc must be >= 1, got {num_proc}")
    return num_proc


def split_evenly(n: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, min(parts, n))
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


def _get_executor(num_proc: int, pool: str) -> WorkerPool | None:
    with _lock:
        if _disabled or multiprocessing.current_process().daemon:
            return None
        executor, size = _pools.get(pool, (None, 0))
        if executor is not None and size >= num_proc:
            return executor
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        executor = WorkerPool(num_proc, "spawn")
        _pools[pool] = (executor, num_proc)
        return executor


def _give_up(error: BaseException) -> None:
    global _disabled
    logger.warning("metric worker processes unavailable (%s: %s); computing in-process", type(error).__name__,
                   error)
    with _lock:
        for executor, _ in _pools.values():
            executor.shutdown(wait=False, cancel_futures=True)
        _pools.clear()
        _disabled = True


def submit(fn: Callable, args: Sequence[Any], num_proc: int, pool: str = "default") -> Future | None:
    """Fire a job without waiting (e.g. warming workers up); ``None`` when there is no pool."""
    executor = _get_executor(num_proc, pool)
    if executor is None:
        return None
    try:
        return executor.submit(fn, *args)
    except Exception as error:  # noqa: BLE001 - broken pool, interpreter shutting down
        _give_up(error)
        return None


class PendingJobs:
    """Jobs started in the pool (or deferred, without one); ``results()`` waits and returns them in job order."""

    def __init__(self, jobs: Sequence[tuple[Callable, Sequence[Any]]], futures: list[Future] | None) -> None:
        self._jobs, self._futures = list(jobs), futures

    def results(self) -> list[Any]:
        if self._futures is not None:
            try:
                return [future.result() for future in self._futures]
            except (BrokenProcessPool, OSError, RuntimeError) as error:
                _give_up(error)
        return [fn(*args) for fn, args in self._jobs]


def start_jobs(jobs: Sequence[tuple[Callable, Sequence[Any]]], num_proc: int, pool: str = "default",
               min_jobs: int = 2) -> PendingJobs:
    """Start ``fn(*args)`` jobs in the named pool of ``num_proc`` workers and return at once, so the caller can
    work meanwhile; fewer than ``min_jobs`` jobs (or ``num_proc`` 0) run in-process when results are asked for."""
    futures = None
    if num_proc >= 1 and len(jobs) >= min_jobs:
        executor = _get_executor(num_proc, pool)
        if executor is not None:
            try:
                futures = [executor.submit(fn, *args) for fn, args in jobs]
            except (BrokenProcessPool, OSError, RuntimeError) as error:
                _give_up(error)
    return PendingJobs(jobs, futures)


def shutdown() -> None:
    """Stop the workers (also runs at interpreter exit); a later call starts new pools."""
    global _disabled
    with _lock:
        for executor, _ in _pools.values():
            executor.shutdown(wait=True, cancel_futures=True)
        _pools.clear()
        _disabled = False


atexit.register(shutdown)
