"""Score a checkpoint on a split (:func:`score_split`): decode, write MolT5's evaluation TSV and a metrics JSON.

This is the paper's ``test.sh`` as a library call, shared by ``scripts/test.py`` and the end of
``scripts/finetune.py``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from ada_t5.decoding import GenerationSettings, generate_sharded
from ada_t5.molecule_format import from_model_format, to_model_format
from ada_t5.tasks import Task, get_task

logger = logging.getLogger(__name__)


@dataclass
class SplitResult:
    split: str
    task: str
    predictions_path: Path | None
    metrics_path: Path | None
    metrics: dict
    candidates_path: Path | None = None  # every candidate per row, when num_return_sequences > 1
    notes: list[str] = field(default_factory=list)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (input, reference, output)
    fact_check: dict | None = None  # mol2text: ada-t5's caption fact check (not a MolT5 metric), aggregate
    example_checks: list = field(default_factory=list)  # its CaptionCheck for each of ``examples``


def score_split(model, tokenizer, dataset, task: Task | str, *, split: str = "test",
                output_dir: str | Path | None = None, settings: GenerationSettings | None = None,
                metric_kwargs: dict | None = None, progress: bool = True, num_examples: int = 5,
                augment=None, rank_by_facts: int = 0) -> SplitResult:
    """Generate for every row of ``dataset`` (raw ``smiles``/``description`` columns) and score it.

    ``rank_by_facts`` (mol2text, N >= 2): decode N beam candidates per molecule and answer with the one stating
    the fewest facts RDKit refutes (:func:`ada_t5.metrics.facts.order_by_refuted_facts`; the beam order among
    equals); the candidates file keeps all N in that order.
    ``augment``: a retrieval-augmented checkpoint's :class:`ada_t5.rag.Augmenter`; the model is given the
    augmented sources, the files keep the original ones and the neighbours go to ``<split>_neighbours.jsonl``.
    Under a multi-process launch every rank generates a shard; only the main process scores and writes.
    """
    from accelerate import PartialState

    from ada_t5 import metrics

    task = get_task(task) if isinstance(task, str) else task
    sources = list(dataset[task.source_column])
    references = list(dataset[task.target_column])
    settings = settings or GenerationSettings()
    if rank_by_facts >= 2 and task.name == "mol2text":
        settings = replace(settings, num_beams=max(settings.num_beams, rank_by_facts),
                           num_return_sequences=rank_by_facts)
    molecule_format = getattr(model.config, "molecule_format", "smiles")
    model_sources, format_notes = to_model_format(sources, task.name, molecule_format)
    from ada_t5.molecule_format import constrain_to_selfies

    settings = constrain_to_selfies(settings, tokenizer, task.name, molecule_format)
    model_sources, neighbours = augment(model_sources) if augment is not None else (model_sources, None)
    candidates = generate_sharded(model, tokenizer, model_sources, settings, progress=progress,
                                  desc=f"generating {split}")
    candidates = from_model_format(candidates, task.name, molecule_format)
    if rank_by_facts >= 2 and task.name == "mol2text":
        from ada_t5.metrics.facts import order_by_refuted_facts

        candidates = [[texts[i] for i in order_by_refuted_facts(texts, smiles)]
                      for texts, smiles in zip(candidates, sources)]
    outputs = [texts[0] for texts in candidates]
    state = PartialState()
    result = SplitResult(split=split, task=task.name, predictions_path=None, metrics_path=None, metrics={})
    if not state.is_main_process:
        return result
    scores = metrics.score(task.name, outputs, references, **(metric_kwargs or {}))
    result.metrics = dict(scores.aggregate)
    result.notes = list(scores.notes) + format_notes
    result.examples = list(zip(sources, references, outputs))[:num_examples]
    if task.name == "mol2text":
        from ada_t5.metrics.facts import fact_check

        result.fact_check, checks = fact_check(outputs, sources)
        result.example_checks = checks[:num_examples]
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        result.predictions_path = output_dir / f"{split}_predictions.tsv"
        metrics.write_predictions(result.predictions_path, task.name, sources, references, outputs)
        if neighbours is not None:
            with open(output_dir / f"{split}_neighbours.jsonl", "w", encoding="utf-8") as handle:
                for row in neighbours:
                    handle.write(json.dumps([vars(n) for n in row]) + "\n")
        result.metrics_path = output_dir / f"{split}_metrics.json"
        payload = {"task": task.name, "split": split, "num_examples": len(outputs), **result.metrics,
                   "notes": result.notes, "decoding": settings.decoding_options()}
        if rank_by_facts >= 2 and task.name == "mol2text":
            payload["decoding"]["rank_by_facts"] = rank_by_facts
        if result.fact_check is not None:
            payload["ada_t5_fact_check"] = result.fact_check
        result.metrics_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        if settings.num_return_sequences > 1:
            result.candidates_path = output_dir / f"{split}_candidates.jsonl"
            with result.candidates_path.open("w", encoding="utf-8") as handle:
                for source, reference, texts in zip(sources, references, candidates):
                    handle.write(json.dumps({"input": source, "reference": reference, "candidates": texts}) + "\n")
    return result


def format_fact_line(result: SplitResult) -> str | None:
    """The fact check under the metric table: its own line, saying it is not one of MolT5's metrics."""
    if result.fact_check is None:
        return None
    from ada_t5.metrics.facts import format_fact_summary

    return f"fact check (ada-t5, not a MolT5 metric): {format_fact_summary(result.fact_check)}"


def format_example_facts(check) -> str:
    """'5 of 5 stated facts correct' or '3 of 4 correct; wrong: "C10H10O2" (RDKit: C10H11NO5)'."""
    if check.error:
        return f"not checked ({check.error})"
    if not check.facts:
        return "no checkable fact stated"
    line = f"{check.correct} of {check.stated} stated facts correct"
    if check.wrong:
        line += "; wrong: " + ", ".join(f'"{f.text}" (RDKit: {f.truth})' for f in check.wrong)
    return line


def format_metrics_table(metrics: dict, title: str = "") -> str:
    rows = [(k, "not computed" if v is None else f"{v:.4f}") for k, v in metrics.items()]
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title] if title else []
    lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines)
