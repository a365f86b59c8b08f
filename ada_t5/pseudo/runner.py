"""The resumable generation loop: molecules -> (retrieve -> prompt -> backend -> filter) -> JSONL.

:func:`run_generation` reads the molecules, drops invalid ones (reported in ``<output>.invalid.tsv``),
duplicates (same canonical SMILES), excluded (test) molecules and those already in the output or the rejected
file, then retrieves examples, prompts the backend and appends every answer as it arrives:

* ``<output>`` (JSONL): one kept pair per line: ``smiles``, ``description``, ``id``, ``canonical_smiles`` and
  provenance (``backend``, ``model``, ``template_hash``, ``examples`` (pool ids), ``example_similarities``,
  ``prompt_tokens``, ``completion_tokens``, ``attempts``, ``created``);
* ``<output>.rejected.jsonl``: answers the filters dropped, with ``reason`` and the ``answer``: paid for, so
  kept, and not asked again (``retry_rejected=True`` asks again);
* ``<output>.summary.json``: this run and every earlier one, and totals read back from the files.

Molecules whose request failed for good (retries exhausted, HTTP 400) are written nowhere and retried by the
next run. Running the same command again therefore finishes the job, never asks twice for a stored answer, and
never writes a molecule twice.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from ada_t5.errors import ArgumentError
from ada_t5.pseudo import store
from ada_t5.pseudo.backends import Answer, Backend, BackendFatal, Request
from ada_t5.pseudo.filters import FilterConfig, clean, reject_reason
from ada_t5.pseudo.inputs import read_molecules, write_problems
from ada_t5.pseudo.leakage import LeakageGuard
from ada_t5.pseudo.prompts import Example, load_template

logger = logging.getLogger(__name__)


@dataclass
class GenerationConfig:
    inputs: list[str]
    output: str
    pool: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    exclude_match: str = "smiles"  # smiles | inchikey | skeleton: see ada_t5.pseudo.leakage
    smiles_column: str | None = None
    id_column: str | None = None
    k: int = 3
    radius: int = 2
    n_bits: int = 2048
    retrieval_method: str = "sparse"
    num_proc: int = 1
    template: str | None = None
    limit: int | None = None
    retry_rejected: bool = False
    filters: FilterConfig = field(default_factory=FilterConfig)
    chunk_size: int = 256
    progress: bool = True


def side_file(output: str, suffix: str) -> str:
    return os.fspath(output) + suffix


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def run_generation(config: GenerationConfig, backend: Backend) -> dict:
    """Describe every pending molecule of ``config.inputs`` with ``backend``; returns the run summary."""
    started = time.perf_counter()
    output = os.fspath(config.output)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    rejected_path = side_file(output, ".rejected.jsonl")
    lock = store.Lock(output)
    try:
        return _run(config, backend, output, rejected_path, started)
    finally:
        lock.release()


def _run(config: GenerationConfig, backend: Backend, output: str, rejected_path: str, started: float) -> dict:
    template = load_template(config.template)
    uses_prompt = backend.uses_prompt
    template_hash = template.hash if uses_prompt else None
    k = config.k if uses_prompt else 0
    if k > 0 and not config.pool:
        raise ValueError("retrieval needs a pool of described molecules (pool=...), or k=0 for zero-shot prompts")
    if k > 0 and not template.shows_examples:  # the provenance would list examples that were never sent
        raise ArgumentError(f"the template {config.template or ''} has no {{examples}} placeholder, so the {k} "
                            "retrieved examples would not be sent: add {examples} to its user text, or pass --k 0")

    repaired = store.repair(output) + store.repair(rejected_path)
    done = store.scan(output)
    rejected_before = store.scan(rejected_path)
    _warn_mixed(done, backend, template_hash)

    molecules, problems = read_molecules(config.inputs, smiles_column=config.smiles_column,
                                         id_column=config.id_column, num_proc=config.num_proc)
    write_problems(side_file(output, ".invalid.tsv"), problems)
    for problem in problems[:5]:
        logger.warning("invalid SMILES %s %r: %s", problem.where, problem.smiles, problem.reason)
    if len(problems) > 5:
        logger.warning("... %d invalid SMILES in all, listed in %s", len(problems), side_file(output, ".invalid.tsv"))

    held_out: set[str] = set()
    exclude_problems = 0
    if config.exclude:
        held, bad = read_molecules(config.exclude, num_proc=config.num_proc)
        held_out = {m.canonical for m in held}
        exclude_problems = len(bad)
        if bad:
            logger.warning("%d unparseable SMILES in the exclude files were ignored (first: %s)", len(bad),
                           bad[0].where)
    guard = LeakageGuard(held_out, config.exclude_match, num_proc=config.num_proc)

    seen: set[str] = set()
    counts = Counter()
    unique = []
    for molecule in molecules:
        if molecule.canonical in seen:
            counts["duplicates"] += 1
            continue
        seen.add(molecule.canonical)
        unique.append(molecule)
    todo = []
    skip = done.keys if config.retry_rejected else done.keys | rejected_before.keys
    for molecule, leaked in zip(unique, guard.matches([m.canonical for m in unique])):
        if leaked:
            counts["excluded_test"] += 1
            if molecule.canonical in done.keys:
                counts["excluded_but_in_output"] += 1
        elif molecule.canonical in skip:
            counts["already_done"] += 1
        else:
            todo.append(molecule)
    if counts["excluded_but_in_output"]:
        logger.warning("%d molecules already in %s match a held-out molecule at exclude_match=%s (written by a "
                       "run with a looser guard); remove them before training", counts["excluded_but_in_output"],
                       output, config.exclude_match)
    if config.limit is not None:
        counts["left_for_later"] = max(0, len(todo) - config.limit)
        todo = todo[:config.limit]

    pool, pool_info, excluded = [], {}, set()
    neighbours = itertools.repeat(None)
    if k > 0 and todo:
        from ada_t5.pseudo.retrieval import Retriever

        pool, pool_problems = read_molecules(config.pool, num_proc=config.num_proc, with_descriptions=True)
        pool_canonical = [m.canonical for m in pool]
        excluded = {c for c, leaked in zip(pool_canonical, guard.matches(pool_canonical)) if leaked}
        retriever = Retriever(pool_canonical, exclude=excluded, radius=config.radius,
                              n_bits=config.n_bits, method=config.retrieval_method, num_proc=config.num_proc)
        pool_info = {"pool_rows": len(pool) + len(pool_problems), "pool_invalid": len(pool_problems),
                     "pool_excluded_test": retriever.excluded, "pool_duplicates": retriever.duplicates,
                     "pool_size": len(retriever)}
        if pool_problems:
            logger.warning("%d pool rows unusable (first: %s: %s)", len(pool_problems), pool_problems[0].where,
                           pool_problems[0].reason)
        logger.info("retrieval pool: %d described molecules (%d test molecules removed)", len(retriever),
                    retriever.excluded)
        neighbours = retriever.search([m.canonical for m in todo], k, chunk_size=config.chunk_size)

    def requests():
        for molecule, found in zip(todo, neighbours):
            examples = [] if found is None else [
                Example(pool[i].id, pool[i].smiles, pool[i].description, s)
                for i, s in zip(found.indices, found.similarities)]
            if found is not None and any(pool[i].canonical in excluded for i in found.indices):
                raise AssertionError("leakage guard: a test molecule was retrieved as an example")
            messages = template.render(molecule.smiles, examples) if uses_prompt else []
            yield Request(molecule.canonical, molecule.smiles, messages, job=(molecule, examples))

    summary = {"started": _now(), "backend": backend.name, "model": backend.model, "template_hash": template_hash,
               "k": k, "inputs": [os.fspath(p) for p in config.inputs],
               "exclude": [os.fspath(p) for p in config.exclude], "filters": dataclasses.asdict(config.filters),
               "molecules_read": len(molecules) + len(problems),
               "invalid_smiles": len(problems), "duplicates": counts["duplicates"],
               "excluded_test": counts["excluded_test"], "exclude_match": config.exclude_match,
               "excluded_but_in_output": counts["excluded_but_in_output"], "exclude_file_problems": exclude_problems,
               "already_done": counts["already_done"], "left_for_later": counts["left_for_later"],
               "torn_bytes_repaired": repaired, "to_describe": len(todo), **pool_info,
               "exclude_keyed": guard.keyed}
    written, failed, rejected = 0, 0, Counter()
    tokens = Counter()
    errors: list[str] = []
    stopped = None
    instructions = template.instructions() if uses_prompt else []
    out, rej = store.Appender(output), store.Appender(rejected_path)

    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), unit="mol", desc=f"pseudo ({backend.name})", disable=not config.progress,
               dynamic_ncols=True)
    try:
        for group in backend.run(requests()):
            keep, drop = [], []
            for request, answer in group:
                tokens["prompt"] += answer.prompt_tokens or 0
                tokens["completion"] += answer.completion_tokens or 0
                if answer.error is not None:
                    failed += 1
                    if len(errors) < 10:
                        errors.append(f"{request.smiles}: {answer.error}")
                    continue
                record, reason = _record(request, answer, backend, template_hash, instructions, config.filters)
                if reason is None:
                    keep.append(record)
                else:
                    rejected[reason] += 1
                    drop.append(record)
            out.write(keep)
            rej.write(drop)
            written += len(keep)
            bar.update(len(group))
            bar.set_postfix(ok=written, rejected=sum(rejected.values()), failed=failed,
                            tokens=tokens["prompt"] + tokens["completion"], refresh=False)
    except BackendFatal as err:
        stopped = str(err)
        logger.error("stopped: %s", err)
    except KeyboardInterrupt:
        stopped = "interrupted"
        logger.error("interrupted: everything answered so far is saved; run the same command again to go on")
    finally:
        bar.close()
        out.close()
        rej.close()

    for error in errors[:5]:
        logger.warning("no answer for %s", error)
    seconds = time.perf_counter() - started
    summary.update({"written": written, "rejected": dict(rejected), "rejected_total": sum(rejected.values()),
                    "failed": failed, "errors_sample": errors, "prompt_tokens": tokens["prompt"],
                    "completion_tokens": tokens["completion"], "retries": getattr(backend, "retries", 0),
                    "peak_in_flight": getattr(backend, "peak_in_flight", None),
                    "batches_submitted": getattr(backend, "batches_submitted", None),
                    "batches_pending": getattr(backend, "batches_pending", None),
                    "seconds": round(seconds, 2),
                    "molecules_per_second": round((written + sum(rejected.values())) / seconds, 3) if seconds else None,
                    "stopped": stopped, "finished": _now()})
    _save_summary(output, summary)
    return summary


def _record(request: Request, answer: Answer, backend: Backend, template_hash, instructions, filters):
    molecule, examples = request.job
    text = clean(answer.text)
    reason = reject_reason(text, molecule.smiles, prompt_parts=[e.description for e in examples],
                           instructions=instructions, finish_reason=answer.finish_reason, config=filters)
    record = {"id": molecule.id, "smiles": molecule.smiles, "description": text,
              "canonical_smiles": molecule.canonical, "backend": backend.name, "model": backend.model,
              "template_hash": template_hash, "examples": [e.id for e in examples],
              "example_similarities": [round(e.similarity, 4) for e in examples],
              "prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens,
              "attempts": answer.attempts, "created": _now()}
    if reason is not None:
        record.update({"reason": reason, "answer": answer.text})
    return record, reason


def _warn_mixed(done: store.Scan, backend: Backend, template_hash) -> None:
    others = [p for p in done.provenance if p != (backend.name, backend.model, template_hash)]
    if others:
        logger.warning("the output already holds %d lines from another backend/model/template (%s); they are kept "
                       "and their molecules skipped", sum(done.provenance[p] for p in others), others[0])


def _save_summary(output: str, summary: dict) -> None:
    path = side_file(output, ".summary.json")
    runs = []
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as handle:
                runs = json.load(handle).get("runs", [])
        except (OSError, ValueError, AttributeError):
            runs = []
    kept, dropped = store.scan(output), store.scan(side_file(output, ".rejected.jsonl"))
    totals = {"pairs": kept.lines, "rejected": dropped.lines, "rejected_by_reason": dict(dropped.reasons),
              "prompt_tokens": kept.prompt_tokens + dropped.prompt_tokens,
              "completion_tokens": kept.completion_tokens + dropped.completion_tokens}
    payload = {"last_run": summary, "totals": totals, "runs": runs + [summary]}
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)  # a kill while saving leaves the old summary, never half a file
    summary["totals"] = totals


__all__ = ["GenerationConfig", "run_generation"]
