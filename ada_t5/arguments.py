"""Typed arguments of fine-tuning (and what pre-training shares): model, pair data, evaluation, training.

Defaults reproduce the paper's fine-tuning (Ada-T5, AAAI 2024, ``finetune/``): 50,000 steps, lr 1e-3,
batch 32, 2% warm-up (the paper's 1,000 of 50,000 steps), weight decay 0.1, bf16, seed 42, AdamW with linear decay,
greedy validation decoding of up to 512 tokens, best checkpoint by validation BLEU. What the paper left slow is
replaced by what a modern HF user expects: per-batch padding with length-grouped sampling, fused AdamW,
TF32 where the GPU has it, dataloader workers, no per-step host sync, bf16 generation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from transformers import Seq2SeqTrainingArguments

from ada_t5.errors import ArgumentError
from ada_t5.modeling import MODEL_SHAPES
from ada_t5.tasks import DEFAULT_MAX_LENGTH, get_task
from ada_t5.tokenizer_training import DEFAULT_VOCAB_SIZE, minimum_vocab_size

MIN_VOCAB_SIZE = minimum_vocab_size([])

logger = logging.getLogger(__name__)




@dataclass
class ModelArguments:
    model_name_or_path: str | None = field(default=None, metadata={
        "help": "T5 checkpoint to start from: a Hub id (SCIR-HI/ada-t5-small, google/t5-v1_1-base) or a folder "
                "(e.g. the output of `make pretrain`). Leave empty to train a fresh --model_shape."})
    model_shape: str | None = field(default=None, metadata={
        "help": f"fresh model of a named shape, sized to the tokenizer: {', '.join(MODEL_SHAPES)}"})
    tokenizer_name_or_path: str | None = field(default=None, metadata={
        "help": "tokenizer (Hub id or folder); default: the checkpoint's own, or a new one trained on the train "
                "split when starting from a fresh --model_shape"})
    tokenizer_vocab_size: int = field(default=DEFAULT_VOCAB_SIZE, metadata={
        "help": "vocabulary size (embedding rows, sentinels included) when a tokenizer is trained on the train "
                "split; the corpus's own minimum is checked when training"})
    tokenizer_split_by_script: bool = field(default=False, metadata={
        "help": "when a tokenizer is trained: no piece joins letters with symbols, so a SMILES is cut at every "
                "( ) = [ ] # @ + - (\"CC(=O)O)\" -> CC, (=, O, ), O, ) rather than one piece per frequent chunk); "
                "more source tokens, each meaning one thing, which a small model learns faster"})
    dropout_rate: float | None = field(default=None, metadata={
        "help": "dropout; default: the checkpoint's value, 0.1 for fresh models (T5 fine-tuning)"})

    def __post_init__(self):
        if self.model_name_or_path and self.model_shape:
            # A config naming a fresh shape (the demo's `model_shape: mini`) with a checkpoint given on top
            # (`make finetune ARGS="--model_name_or_path runs/pretrain-demo"`): the checkpoint is the intent.
            logger.warning("--model_name_or_path %s given: ignoring --model_shape %s", self.model_name_or_path,
                           self.model_shape)
            self.model_shape = None
        if bool(self.model_name_or_path) == bool(self.model_shape):
            raise ArgumentError("set exactly one of --model_name_or_path (start from a checkpoint) or --model_shape "
                             "(train a fresh model)")
        if self.model_shape and self.model_shape not in MODEL_SHAPES:
            raise ArgumentError(f"unknown --model_shape {self.model_shape!r}; choose one of {', '.join(MODEL_SHAPES)}")
        if self.tokenizer_vocab_size < MIN_VOCAB_SIZE:
            raise ArgumentError(f"--tokenizer_vocab_size must be at least {MIN_VOCAB_SIZE} (specials, 256 byte pieces, "
                             "printable ASCII and 100 sentinels)")


@dataclass
class PairDataArguments:
    """Where the pairs come from and how they are read: the fields fine-tuning (:class:`DataArguments`) and
    pre-training (:class:`ada_t5.pretrain.args.PretrainDataArguments`) share; they become
    :func:`ada_t5.data.load_pairs`' options."""

    dataset: str = field(default="demo", metadata={
        "help": "'demo' (RDKit's shipped molecules with rule-based descriptions, no download), a folder with "
                "train/validation/test files (MolT5 .txt or the paper's .json), or a Hub dataset id"})
    validation_file: str | None = field(default=None, metadata={"help": "explicit validation file (as --train_file)"})
    data_format: str | None = field(default=None, metadata={
        "help": "file format when the suffix is ambiguous: molt5, json, jsonl, csv, tsv, parquet"})
    smiles_column: str | None = field(default=None, metadata={
        "help": "SMILES column of a CSV/TSV/JSON/Parquet source (default: found by name: smiles, canonical_smiles, "
                "...)"})
    description_column: str | None = field(default=None, metadata={
        "help": "description column (default: found by name: description, caption, text, ...)"})
    smiles_backslashes: str = field(default="keep", metadata={
        "help": "'keep' reads MolT5's doubled backslashes as stored (as MolT5 and the paper trained and scored); "
                "'unescape' turns them into standard single backslashes"})
    skip_invalid: bool = field(default=False, metadata={
        "help": "skip (and report) rows with an unparseable SMILES or empty field instead of stopping"})
    max_train_samples: int | None = field(default=None, metadata={"help": "use only the first N train rows"})
    max_eval_samples: int | None = field(default=None, metadata={"help": "use only the first N validation rows"})
    demo_size: int | None = field(default=None, metadata={"help": "molecules in the demo set (default: all ~5,000)"})
    preprocessing_num_workers: int | None = field(default=None, metadata={
        "help": "processes for tokenization (datasets.map num_proc)"})

    @property
    def columns(self) -> dict[str, str] | None:
        named = {"smiles": self.smiles_column, "description": self.description_column}
        return {key: value for key, value in named.items() if value} or None

    def pair_options(self) -> dict:
        """:func:`ada_t5.data.load_pairs` options."""
        return dict(format=self.data_format, columns=self.columns, skip_invalid=self.skip_invalid,
                    smiles_backslashes=self.smiles_backslashes)

    def __post_init__(self):
        if self.smiles_backslashes not in ("keep", "unescape"):
            raise ArgumentError("--smiles_backslashes must be 'keep' or 'unescape'")


@dataclass
class DataArguments(PairDataArguments):
    task: str = field(default="mol2text", metadata={
        "help": "mol2text (SMILES -> description, the paper's smiles2cap) or text2mol (cap2smiles)"})
    train_file: str | None = field(default=None, metadata={
        "help": "explicit train file: replaces the --dataset folder's train split (with the demo: replaces the demo)"})
    test_file: str | None = field(default=None, metadata={"help": "explicit test file (as --train_file)"})
    id_column: str | None = field(default=None, metadata={"help": "identifier column (default: id, cid, ...)"})
    molecule_format: str = field(default="smiles", metadata={
        "help": "how the model reads and writes molecules: smiles (the paper's) or selfies (every output decodes to a "
                "valid molecule; outputs are turned back into SMILES before scoring, writing or returning)"})
    task_prefix: str = field(default="", metadata={
        "help": "text put before every source; the paper uses none, a prefix helps multi-task models"})
    max_source_length: int = field(default=DEFAULT_MAX_LENGTH, metadata={"help": "source truncation (tokens)"})
    max_target_length: int = field(default=DEFAULT_MAX_LENGTH, metadata={"help": "target truncation (tokens)"})
    max_test_samples: int | None = field(default=None, metadata={"help": "use only the first N test rows"})
    demo_quantities: bool = field(default=False, metadata={
        "help": "demo descriptions state molecular weight, monoisotopic mass and atom counts (a small model can "
                "only make these up)"})
    demo_formula: bool = field(default=False, metadata={
        "help": "demo descriptions state the molecular formula (off: the demo's small model does not learn to count "
                "atoms in its budget and writes one formula for every molecule)"})
    demo_stereo: bool = field(default=True, metadata={
        "help": "demo descriptions state stereocentres and stereogenic double bonds (the demo's are mostly "
                "unspecified ones, which no SMILES token marks: its 800-step model got 0.36 of its claims right)"})
    demo_varied_phrasing: bool = field(default=True, metadata={
        "help": "demo descriptions vary their phrasing per molecule, as the describer does for pseudo data (false: "
                "one phrasing for all, so a small model spends its minutes on the facts, not on guessing wording)"})
    retrieval_k: int = field(default=0, metadata={
        "help": "retrieval-augmented fine-tuning: each source carries its K nearest train molecules' targets after "
                "<neighbour> tokens (mol2text: descriptions of the most Morgan-similar; text2mol: SMILES of the "
                "best BM25 description matches); train rows never see their own structure. The pool is saved in "
                "the checkpoint and used again by scripts/test.py and ada_t5.load. 0: off"})

    @property
    def columns(self) -> dict[str, str] | None:
        named = {**(super().columns or {}), **({"id": self.id_column} if self.id_column else {})}
        return named or None

    def __post_init__(self):
        from ada_t5.molecule_format import MOLECULE_FORMATS

        super().__post_init__()
        self.task = get_task(self.task).name
        if self.molecule_format not in MOLECULE_FORMATS:
            raise ValueError(f"--molecule_format must be smiles or selfies, not {self.molecule_format!r}")
        if self.retrieval_k < 0:
            raise ArgumentError("--retrieval_k must be 0 (off) or a positive number of neighbours")
        if self.max_source_length < 8 or self.max_target_length < 8:
            raise ArgumentError("--max_source_length and --max_target_length must be at least 8")


@dataclass
class EvalArguments:
    text_tokenizer: str = field(default="auto", metadata={
        "help": "tokenizer for caption metrics: SciBERT vocab path / Hub id; 'auto' finds allenai/scibert_scivocab_"
                "uncased (ADA_T5_TEXT_TOKENIZER, HF cache or Hub) and otherwise falls back to a simple tokenizer "
                "(flagged as not MolT5-comparable); 'simple' asks for that fallback outright"})
    meteor: str = field(default="auto", metadata={
        "help": "METEOR: auto (when WordNet is found), true (required), false"})
    validation_fcd: bool = field(default=True, metadata={"help": "compute FCD at every validation (text2mol)"})
    do_test: bool = field(default=True, metadata={"help": "generate for and score the test split at the end"})
    num_examples_to_show: int = field(default=5, metadata={"help": "test examples printed in the summary"})

    def caption_metric_options(self) -> dict:
        """Keyword arguments of the caption metrics (``score_mol2text``): the tokenizer, and ``--meteor`` as
        True / False / "auto"."""
        meteor = {"true": True, "false": False, "auto": "auto"}.get(str(self.meteor).lower(), self.meteor)
        return dict(text_tokenizer=self.text_tokenizer, meteor=meteor)


@dataclass
class FinetuneTrainingArguments(Seq2SeqTrainingArguments):
    """Seq2SeqTrainingArguments with the paper's fine-tuning defaults and the fast-path settings."""

    output_dir: str | None = field(default="runs/finetune", metadata={"help": "checkpoints, logs, predictions"})
    overwrite_output_dir: bool = field(default=False, metadata={
        "help": "allow starting over in an output_dir that already holds checkpoints (otherwise: an error, so a "
                "finished run is never clobbered; use --resume_from_checkpoint to continue)"})
    max_steps: int = field(default=50_000, metadata={"help": "optimizer steps (paper: 50,000)"})
    learning_rate: float = field(default=1e-3, metadata={"help": "peak learning rate (paper: 1e-3)"})
    per_device_train_batch_size: int = field(default=32, metadata={"help": "batch per device (paper: 32 on 1 GPU)"})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "generation batch per device"})
    # A ratio, not the paper's absolute 1,000 steps: the same fraction at its 50,000 steps, and a short run
    # (1,100 CPU steps) is no longer almost all warm-up, which left the model under-trained and looping.
    warmup_steps: float = field(default=0.02, metadata={
        "help": "warm-up: a float < 1 is a fraction of max_steps (default 0.02 = the paper's 1,000 of 50,000 "
                "steps, and scales with shorter runs); >= 1 is a number of steps"})
    weight_decay: float = field(default=0.1, metadata={"help": "AdamW weight decay (paper: 0.1)"})
    lr_scheduler_type: str = field(default="linear", metadata={"help": "linear decay after warm-up (paper)"})
    bf16: bool = field(default=True, metadata={"help": "bf16 mixed precision (paper); the one precision switch"})
    seed: int = field(default=42, metadata={"help": "random seed (paper: 42)"})
    predict_with_generate: bool = field(default=True, metadata={"help": "validate on generated text"})
    generation_num_beams: int | None = field(default=1, metadata={"help": "beams at validation (paper: greedy)"})
    generation_max_new_tokens: int = field(default=512, metadata={"help": "new tokens at most (paper: 512)"})
    generation_do_sample: bool = field(default=False, metadata={
        "help": "sample at validation and test instead of greedy/beam decoding (scores vary with the seed)"})
    generation_temperature: float = field(default=1.0, metadata={"help": "sampling temperature (with do_sample)"})
    generation_top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass (with do_sample; 1.0: off)"})
    generation_repetition_penalty: float = field(default=1.0, metadata={
        "help": "divide the logits of already generated tokens by this (1.0: off; CTRL's penalty, changes outputs)"})
    generation_no_repeat_ngram_size: int = field(default=0, metadata={
        "help": "forbid repeating any n-gram of this size (0: off); cuts loops but also legitimate repeats, "
                "e.g. ring SMILES"})
    generation_rank_by_facts: int = field(default=0, metadata={
        "help": "mol2text test predictions: decode this many beam candidates per molecule and answer with the one "
                "stating the fewest facts RDKit refutes (0: off; validation is unaffected; docs/metrics.md)"})
    generation_engine: bool = field(default=True, metadata={
        "help": "validate and test with the continuous-batching engine (greedy/sampling; a finished row's slot is "
                "refilled at once, so one looping row no longer holds a whole batch); false: batched model.generate"})
    generation_stop_repeats: int = field(default=0, metadata={
        "help": "end a row once it repeats one cycle of tokens this many times (0: off, the default; changes "
                "greedy results, see docs/generation.md)"})
    generation_compile_decoder: bool = field(default=False, metadata={
        "help": "torch.compile the engine's fixed-shape decoder step (CUDA graphs on a GPU)"})
    eval_strategy: str = field(default="steps", metadata={"help": "validate every --eval_steps"})
    eval_steps: float | None = field(default=5000, metadata={"help": "steps between validations"})
    save_steps: float = field(default=5000, metadata={"help": "steps between checkpoints (a multiple of eval_steps)"})
    save_total_limit: int | None = field(default=3, metadata={"help": "checkpoints kept (the best one always)"})
    load_best_model_at_end: bool = field(default=True, metadata={"help": "keep the best validation checkpoint"})
    metric_for_best_model: str | None = field(default="task", metadata={
        "help": "validation metric choosing the best checkpoint (bleu4, rougeL, exact, levenshtein, fcd, loss, ...); "
                "'task': the task's own, as the paper (bleu4 for mol2text, bleu for text2mol)"})
    logging_steps: float = field(default=100, metadata={"help": "steps between loss logs"})
    report_to: None | str | list[str] = field(default="tensorboard", metadata={
        "help": "where logs go: tensorboard (default), wandb, all, none"})
    train_sampling_strategy: str = field(default="group_by_length", metadata={
        "help": "group_by_length: batches of similar length, so per-batch padding stays short"})
    hub_strategy: str = field(default="end", metadata={
        "help": "with --push_to_hub: 'end' uploads once, at the end, the best model, tokenizer and model card; "
                "'checkpoint' / 'every_save' / 'all_checkpoints' also let the Trainer upload checkpoints"})
    dataloader_num_workers: int = field(default=2, metadata={"help": "collation in worker processes"})
    logging_nan_inf_filter: bool = field(default=False, metadata={
        "help": "HF's NaN filter reads the loss on the host every step (a GPU sync); off"})
    remove_unused_columns: bool = field(default=False, metadata={
        "help": "keep the `length` column for the length-grouped sampler; the collator picks its own fields"})

    def __post_init__(self):
        import torch
        from transformers.utils import is_torch_tf32_available

        # TF32 matmuls on Ampere+ GPUs; HF refuses tf32=True elsewhere, so decide here, once.
        if self.tf32 is None and torch.cuda.is_available() and is_torch_tf32_available():
            self.tf32 = True
        # The paper's bf16 needs a bf16-capable GPU; HF refuses it elsewhere. The same config should run on a
        # laptop, so fall back to fp32 there, loudly.
        if self.bf16 and not self.use_cpu and not (torch.cuda.is_available() and torch.cuda.is_bf16_supported()):
            logger.warning("--bf16: no bf16-capable GPU here, training in fp32 (pass --bf16 false to silence this)")
            self.bf16 = False
        if not torch.cuda.is_available():
            self.dataloader_pin_memory = False  # pinning needs an accelerator; on a CPU it only warns
        if self.dataloader_num_workers > 0:
            self.dataloader_persistent_workers = True
        from ada_t5.decoding import decoding_problem

        problem = decoding_problem(self.decoding_options(), flag_prefix="--generation_")
        if problem:
            raise ArgumentError(problem)
        if self.learning_rate <= 0:
            raise ArgumentError(f"--learning_rate must be above 0, not {self.learning_rate}")
        if self.max_steps == 0 or (self.max_steps < 0 and self.num_train_epochs <= 0):
            raise ArgumentError("--max_steps must be above 0 (or -1 with --num_train_epochs above 0)")
        super().__post_init__()

    def decoding_options(self) -> dict:
        """The validation/test decoding options, named as `GenerationSettings` names them (one candidate a row)."""
        return dict(max_new_tokens=self.generation_max_new_tokens, num_beams=self.generation_num_beams or 1,
                    do_sample=self.generation_do_sample, temperature=self.generation_temperature,
                    top_p=self.generation_top_p, repetition_penalty=self.generation_repetition_penalty,
                    no_repeat_ngram_size=self.generation_no_repeat_ngram_size)
