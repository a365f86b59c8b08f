"""The one way ada-t5 starts worker processes: order kept, real workers, no re-run of an unguarded script."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ada_t5.processes import WorkerPool, available_cpus, map_chunks


def test_available_cpus_follows_the_affinity_mask():
    assert available_cpus() == len(os.sched_getaffinity(0)) >= 1


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_map_chunks_keeps_item_order_across_many_chunks(start):
    items = [f"item {i}" for i in range(1001)]
    # ``list`` gives back its chunk: the result is the input only if the chunks come back in order
    assert map_chunks(list, items, 2, start) == items
    assert map_chunks(list, items, 2, start, min_chunk=600) == items  # 2 chunks, one short


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_jobs_run_in_other_processes(start):
    with WorkerPool(2, start) as pool:
        assert pool.submit(os.getpid).result() != os.getpid()


def test_spawned_workers_do_not_rerun_an_unguarded_script(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        "print('TOP-LEVEL RAN', flush=True)\n"
        "import os\n"
        "from ada_t5.processes import WorkerPool, map_chunks\n"
        "with WorkerPool(2, 'spawn') as pool:\n"
        "    pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
        "print('workers elsewhere', os.getpid() not in pids, flush=True)\n"
        "print('mapped', map_chunks(list, list(range(50)), 2, 'spawn') == list(range(50)))\n"
        "import sys\n"
        "print('main kept', sys.modules['__main__'].__file__ == __file__)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("TOP-LEVEL RAN") == 1
    assert "workers elsewhere True" in done.stdout and "mapped True" in done.stdout
    assert "main kept True" in done.stdout  # hidden only while workers start


def test_an_unknown_start_method_is_refused():
    with pytest.raises(ValueError, match="fork.*spawn"):
        WorkerPool(2, "forkserver")
