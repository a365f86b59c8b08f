"""Pre-training's arguments: the data (objective, corpus, cache, streaming) and the training defaults of the
paper's domain-adaptation stage."""

from __future__ import annotations

from dataclasses import dataclass, field

from ada_t5.arguments import FinetuneTrainingArguments, PairDataArguments
from ada_t5.errors import ArgumentError
from ada_t5.pretrain.objectives import MEAN_NOISE_SPAN_LENGTH, NOISE_DENSITY
from ada_t5.tasks import DEFAULT_MAX_LENGTH

OBJECTIVES = ("translation", "span_corruption", "mixture")


@dataclass
class PretrainDataArguments(PairDataArguments):
    """The pair-data fields fine-tuning has too (:class:`ada_t5.arguments.PairDataArguments`), then the objective's."""

    dataset: str = field(default="demo", metadata={
        "help": "pairs: 'demo' (RDKit's molecules + rule-based descriptions), a pair file (PseudoMD-1M's JSON, "
                "MolT5 .txt, .jsonl, .csv, .parquet), a folder of split files, or a Hub id (SCIR-HI/PseudoMD-1M)"})
    validation_file: str | None = field(default=None, metadata={
        "help": "pairs for a validation loss (default: the demo's or the folder's validation split, if any)"})
    preprocessing_num_workers: int | None = field(default=None, metadata={
        "help": "processes for tokenization (default: all CPUs from 50,000 pairs up, else 1)"})
    objective: str = field(default="translation", metadata={
        "help": "translation (the paper: pairs in both directions), span_corruption (T5 denoising), or mixture"})
    validate_smiles: bool = field(default=True, metadata={
        "help": "parse every SMILES with RDKit when loading (off saves minutes on 1M already-checked pairs)"})
    max_length: int = field(default=DEFAULT_MAX_LENGTH, metadata={
        "help": "translation: truncation of both sides (tokens, </s> included; the paper: 512)"})
    span_corruption_columns: str = field(default="smiles,description", metadata={
        "help": "span corruption: which pair columns are its corpus (smiles, description, or both as MolT5)"})
    span_corruption_files: str | None = field(default=None, metadata={
        "help": "span corruption: extra corpora, comma-separated; one text per line (.txt) or SMILES files "
                "(.smi, first field), e.g. ZINC SMILES and C4-like text as MolT5"})
    input_length: int = field(default=512, metadata={
        "help": "span corruption: corrupted input length (T5: 512, from 568 raw tokens, 114 targets)"})
    noise_density: float = field(default=NOISE_DENSITY, metadata={"help": "span corruption: share of noise tokens"})
    mean_noise_span_length: float = field(default=MEAN_NOISE_SPAN_LENGTH, metadata={"help": "mean span length"})
    span_corruption_ratio: float = field(default=0.5, metadata={
        "help": "mixture: share of training examples from span corruption (the rest: translation)"})
    data_cache_dir: str | None = field(default=None, metadata={
        "help": "where tokenized data is kept between runs (default: $ADA_T5_CACHE/pretrain)"})
    streaming: bool = field(default=False, metadata={
        "help": "read, check and tokenize the training pairs on the fly (datasets streaming) instead of once into "
                "the Arrow cache: for corpora too large to tokenize to disk; --dataset may then be a glob of shard "
                "files. Needs --max_steps; validation pairs are still loaded in memory (docs/pretraining.md)"})
    shuffle_buffer_size: int = field(default=10_000, metadata={
        "help": "streaming: rows drawn at random from a buffer of this many (from --seed, reshuffled on every pass "
                "over the stream); 0 keeps the file order"})

    def __post_init__(self):
        super().__post_init__()
        if self.objective not in OBJECTIVES:
            raise ArgumentError(f"--objective must be one of {', '.join(OBJECTIVES)}, not {self.objective!r}")
        if not 0 <= self.span_corruption_ratio <= 1:
            raise ArgumentError("--span_corruption_ratio must be between 0 and 1")
        if self.max_length < 8:
            raise ArgumentError("--max_length must be at least 8")
        if self.shuffle_buffer_size < 0:
            raise ArgumentError("--shuffle_buffer_size must be 0 (no shuffling) or more")
        unknown = set(self.corpus_columns) - {"smiles", "description"}
        if unknown or not self.corpus_columns:
            raise ArgumentError("--span_corruption_columns: a comma-separated subset of smiles,description")

    def pair_options(self) -> dict:
        return dict(super().pair_options(), validate_smiles=self.validate_smiles)

    @property
    def corpus_columns(self) -> list[str]:
        return [c.strip() for c in self.span_corruption_columns.split(",") if c.strip()]

    @property
    def uses_span_corruption(self) -> bool:
        return self.objective in ("span_corruption", "mixture")


@dataclass
class PretrainTrainingArguments(FinetuneTrainingArguments):
    """The paper's domain-adaptation pre-training defaults (its ``pretrain/``): 100,000 steps, lr 1e-3,
    batch 128, 1% warm-up (the paper's 1,000 of 100,000 steps), weight decay 0.1, bf16, seed 42. Validation, when a
    validation split exists and ``--eval_strategy steps``, is the loss only: no generation, no best-checkpoint
    selection."""

    output_dir: str | None = field(default="runs/pretrain", metadata={"help": "checkpoints, logs, the model"})
    max_steps: int = field(default=100_000, metadata={"help": "optimizer steps (paper: 100,000)"})
    per_device_train_batch_size: int = field(default=128, metadata={
        "help": "batch per device; effective batch = this x gradient_accumulation_steps x processes (paper: 128)"})
    per_device_eval_batch_size: int = field(default=128, metadata={"help": "validation-loss batch per device"})
    warmup_steps: float = field(default=0.01, metadata={
        "help": "warm-up: a float < 1 is a fraction of max_steps (default 0.01 = the paper's 1,000 of 100,000 "
                "steps); >= 1 is a number of steps"})
    predict_with_generate: bool = field(default=False, metadata={"help": "pre-training validates the loss only"})
    prediction_loss_only: bool = field(default=True, metadata={"help": "no logits kept at validation"})
    eval_strategy: str = field(default="no", metadata={"help": "'steps' for a validation loss every --eval_steps"})
    eval_steps: float | None = field(default=5000, metadata={"help": "steps between validation losses"})
    save_steps: float = field(default=5000, metadata={"help": "steps between checkpoints (resume points)"})
    save_total_limit: int | None = field(default=3, metadata={
        "help": "checkpoints kept; at least 2, so one complete checkpoint survives a crash while saving"})
    load_best_model_at_end: bool = field(default=False, metadata={"help": "pre-training keeps its last model"})
    metric_for_best_model: str | None = field(default=None, metadata={"help": "unused in pre-training"})
