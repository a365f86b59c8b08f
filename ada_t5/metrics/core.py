"""What every metric suite shares: the result type, the metric keys, input checks and the reference cache."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ada_t5.errors import AdaT5Error
from ada_t5.tasks import TASK_NAMES as TASKS

# The keys (and their order) of ``Scores.aggregate`` and of the CLI's metrics.json; the rest of the project
# and published tables rely on these exact names.
MOL2TEXT_KEYS = ("bleu2", "bleu4", "rouge1", "rouge2", "rougeL", "meteor")
TEXT2MOL_KEYS = ("bleu", "exact", "levenshtein", "validity", "maccs", "rdk", "morgan", "fcd")
KEYS = {"mol2text": MOL2TEXT_KEYS, "text2mol": TEXT2MOL_KEYS}

# Lower is better for these; everything else is higher-is-better (the trainer's best-model choice needs it).
LOWER_IS_BETTER = frozenset({"levenshtein", "fcd"})


class MetricResourceError(AdaT5Error, RuntimeError):
    """A resource a metric needs (tokenizer vocab, WordNet, FCD model) is missing; the message says how to get it."""


class Text2MolScorer(Protocol):
    """A Text2Mol model plugged in by the user: cosine similarity of each (text, molecule) pair.

    MolT5's ``text_text2mol_metric.py`` / ``mol_text2mol_metric.py`` need the Text2Mol checkpoint, mol2vec
    embeddings and SciBERT weights, none of which can be fetched here, so the suites only call this hook when it
    is given and otherwise say in ``Scores.notes`` that Text2Mol was not computed. Return ``None`` for a pair
    that cannot be embedded (e.g. an invalid SMILES).
    """

    def __call__(self, texts: list[str], smiles: list[str]) -> Sequence[float | None]: ...


@dataclass
class Scores:
    """Scores of one suite: corpus-level ``aggregate`` (keys as in MOL2TEXT_KEYS / TEXT2MOL_KEYS; ``None`` only
    for what was not computed), ``per_example`` rows in input order, and ``notes`` saying what was not computed,
    why, and which resources were used."""

    task: str
    aggregate: dict[str, float | None]
    per_example: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def num_examples(self) -> int:
        return len(self.per_example)

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-example rows: task, number of examples, aggregate, notes."""
        return {"task": self.task, "num_examples": self.num_examples, "aggregate": dict(self.aggregate),
                "notes": list(self.notes)}

    def to_json(self, *, indent: int | None = 2) -> str:
        """The aggregate scores as JSON, keys exactly as the suite defines them (what ``metrics.json`` holds)."""
        return json.dumps(self.aggregate, indent=indent)

    def floats(self) -> dict[str, float]:
        """The computed aggregate scores only (Trainer logs cannot hold ``None``)."""
        return {key: float(value) for key, value in self.aggregate.items() if value is not None}


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")
    return task


def check_pairs(outputs: Sequence[str | None], references: Sequence[str | None]) -> tuple[list[str], list[str]]:
    """Lists of strings of equal length; ``None`` (a missing generation) counts as an empty output."""
    outputs, references = list(outputs), list(references)
    if len(outputs) != len(references):
        raise ValueError(f"outputs and references differ in length: {len(outputs)} outputs, "
                         f"{len(references)} references")
    for name, values in (("outputs", outputs), ("references", references)):
        for index, value in enumerate(values):
            if value is None:
                values[index] = ""
            elif not isinstance(value, str):
                raise TypeError(f"{name}[{index}] is a {type(value).__name__}, not a string")
    return outputs, references


def check_inputs(inputs: Sequence[str] | None, n: int) -> list[str] | None:
    if inputs is None:
        return None
    inputs = list(inputs)
    if len(inputs) != n:
        raise ValueError(f"inputs has {len(inputs)} items but there are {n} outputs")
    return inputs


def fingerprint_strings(values: Sequence[str], *extra: object) -> str:
    """A stable key for a list of strings (plus settings): the reference caches are keyed by it."""
    digest = hashlib.blake2b(digest_size=16)
    for item in extra:
        digest.update(repr(item).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    digest.update(len(values).to_bytes(8, "little"))
    for value in values:
        digest.update(value.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


class LRUCache:
    """A small thread-safe LRU: a validation loop reuses one reference set, a test run a handful."""

    def __init__(self, max_entries: int = 4) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_create(self, key: str, factory: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = factory()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def mean_or_none(values: Sequence[float]) -> float | None:
    """``np.mean`` (pairwise summation, as MolT5's scripts average) or ``None`` for nothing to average."""
    if len(values) == 0:
        return None
    import numpy as np

    return float(np.mean(values))


def text2mol_similarity(scorer: Text2MolScorer, texts: list[str], smiles: list[str]) -> tuple[float | None, list]:
    sims = list(scorer(texts, smiles))
    if len(sims) != len(texts):
        raise ValueError(f"the Text2Mol scorer returned {len(sims)} similarities for {len(texts)} pairs")
    return mean_or_none([float(s) for s in sims if s is not None]), sims
