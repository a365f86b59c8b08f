"""The two translation tasks and how their examples are tokenized.

mol2text (SMILES -> description) is the paper's ``smiles2cap``; text2mol (description -> SMILES) its
``cap2smiles``. The paper feeds raw strings with no task prefix and truncates both sides to 512 tokens;
an optional prefix exists for multi-task models.
"""

from __future__ import annotations

from dataclasses import dataclass

from ada_t5.errors import ArgumentError

DEFAULT_MAX_LENGTH = 512


@dataclass(frozen=True)
class Task:
    name: str
    source_column: str
    target_column: str
    best_metric: str  # what the paper selects checkpoints by
    source_header: str  # first column of MolT5's evaluation TSV


TASKS: dict[str, Task] = {
    "mol2text": Task("mol2text", "smiles", "description", best_metric="bleu4", source_header="SMILES"),
    "text2mol": Task("text2mol", "description", "smiles", best_metric="bleu", source_header="description"),
}
TASK_NAMES = tuple(TASKS)  # the one list of task names: CLI choices, metric suites, checkpoint metadata
ALIASES = {"smiles2cap": "mol2text", "smiles2caption": "mol2text", "cap2smiles": "text2mol",
           "caption2smiles": "text2mol"}


def get_task(name: str) -> Task:
    key = ALIASES.get(name, name)
    if key not in TASKS:
        raise ArgumentError(f"unknown task {name!r}; choose mol2text or text2mol (aliases: {', '.join(ALIASES)})")
    return TASKS[key]


def tokenize_for_task(dataset, task: Task | str, tokenizer, *, prefix: str = "",
                      max_source_length: int = DEFAULT_MAX_LENGTH, max_target_length: int = DEFAULT_MAX_LENGTH,
                      num_proc: int | None = None, keep_columns: bool = False):
    """Add ``input_ids``, ``labels`` and ``length`` (source tokens, for length-grouped sampling).

    No attention mask or padding is stored: the collator pads each batch to its own longest row,
    which keeps the Arrow cache small and the batches short.
    """
    task = get_task(task) if isinstance(task, str) else task

    def encode(batch):
        sources = [prefix + s for s in batch[task.source_column]]
        inputs = tokenizer(sources, max_length=max_source_length, truncation=True)["input_ids"]
        labels = tokenizer(batch[task.target_column], max_length=max_target_length, truncation=True)["input_ids"]
        return {"input_ids": inputs, "labels": labels, "length": [len(x) for x in inputs]}

    remove = [] if keep_columns else dataset.column_names
    return dataset.map(encode, batched=True, num_proc=num_proc, remove_columns=remove,
                       desc=f"tokenizing {task.name}")
