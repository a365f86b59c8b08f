"""Score a checkpoint on a split (the paper's ``test.sh``): generate, write MolT5's TSV and a metrics JSON.

Usage: ``scripts/test.py [CONFIG.yaml] [--checkpoint CKPT] [--task mol2text --dataset DIR] [--split test]``.
The config can be the fine-tuning YAML of the run: its data settings are read, its training settings are
ignored, and the checkpoint defaults to the run's ``output_dir`` (where fine-tuning saved the best model).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

from ada_t5.arguments import DataArguments, EvalArguments
from ada_t5.errors import ArgumentError

logger = logging.getLogger(__name__)
PASSTHROUGH = True


@dataclass
class ScoringArguments:  # what to score and how to decode (not a test case, whatever the command's name)
    checkpoint: str | None = field(default=None, metadata={
        "help": "fine-tuned checkpoint: a folder or Hub id (default: --output_dir, the fine-tuning run's folder)"})
    output_dir: str | None = field(default=None, metadata={
        "help": "the fine-tuning run's folder (as in its YAML); the default checkpoint and where results go"})
    predictions_dir: str | None = field(default=None, metadata={
        "help": "where <split>_predictions.tsv and <split>_metrics.json go (default: the checkpoint folder, or "
                "runs/test for a Hub id)"})
    split: str = field(default="test", metadata={"help": "split to score: train, validation or test"})
    batch_size: int = field(default=64, metadata={"help": "generation batch size"})
    num_beams: int = field(default=1, metadata={"help": "beam width (paper: 1, greedy)"})
    max_new_tokens: int = field(default=512, metadata={"help": "new tokens at most (paper: 512)"})
    do_sample: bool = field(default=False, metadata={"help": "sample instead of greedy/beam decoding"})
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature (with --do_sample)"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass (with --do_sample; 1.0: off)"})
    num_return_sequences: int = field(default=1, metadata={
        "help": "candidates per row: the first is scored and written to the TSV, all go to "
                "<split>_candidates.jsonl (needs --num_beams >= N or --do_sample)"})
    repetition_penalty: float = field(default=1.0, metadata={
        "help": "divide the logits of already generated tokens by this (1.0: off)"})
    no_repeat_ngram_size: int = field(default=0, metadata={"help": "forbid repeating any n-gram of this size (0: off)"})
    rank_by_facts: int = field(default=0, metadata={
        "help": "mol2text: decode N beam candidates per molecule and answer with the one stating the fewest facts "
                "RDKit refutes (0: off; docs/metrics.md)"})
    engine: bool = field(default=True, metadata={
        "help": "decode on the continuous-batching engine (greedy/sampling; outputs equal model.generate's); "
                "false: batched model.generate. Beams and --no_repeat_ngram_size always use model.generate"})
    stop_repeats: int = field(default=0, metadata={
        "help": "end a row once it repeats one cycle of tokens this many times (0: off, the default; changes "
                "greedy results: docs/generation.md)"})
    compile_decoder: bool = field(default=False, metadata={
        "help": "torch.compile the engine's fixed-shape decoder step (CUDA graphs on a GPU)"})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 on a bf16 GPU), bf16 or fp32"})
    device: str = field(default="auto", metadata={"help": "auto (cuda when available), cpu, cuda, cuda:1 ..."})
    seed: int = field(default=42, metadata={"help": "seed of the fine-tuning run (fixes the demo's split)"})

    def __post_init__(self):
        self.checkpoint = self.checkpoint or self.output_dir
        if not self.checkpoint:
            raise ArgumentError("--checkpoint is required (a checkpoint folder or Hub id), or a config with output_dir")
        if self.split not in ("train", "validation", "test"):
            raise ArgumentError("--split must be train, validation or test")
        from ada_t5.decoding import DECODING_OPTIONS, decoding_problem

        problem = decoding_problem({name: getattr(self, name) for name in DECODING_OPTIONS}, flag_prefix="--")
        if problem:
            raise ArgumentError(problem)

    def decoding_options(self) -> dict:
        from ada_t5.decoding import DECODING_OPTIONS

        return {name: getattr(self, name) for name in DECODING_OPTIONS}


def main(argv: list[str] | None = None) -> int:
    import os

    from ada_t5.cli import LOG_FORMAT
    from ada_t5.commands.finetune import load_raw_splits
    from ada_t5.config import parse_config
    from ada_t5.decoding import GenerationSettings
    from ada_t5.inference import resolve_device
    from ada_t5.modeling import load_pretrained_model
    from ada_t5.rag import Augmenter
    from ada_t5.scoring import format_fact_line, format_metrics_table, score_split
    from ada_t5.tasks import get_task
    from ada_t5.tokenization import load_tokenizer

    argv = list(sys.argv[1:] if argv is None else argv)
    test_args, data_args, eval_args = parse_config((ScoringArguments, DataArguments, EvalArguments), argv,
                                                  ignore_unknown_config_keys=True)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    task = get_task(data_args.task)
    # the demo's split depends on the seed: the fine-tuning default, so its test rows are the ones held out
    splits = load_raw_splits(data_args, seed=test_args.seed, require_train=False)
    if test_args.split not in splits:
        raise ArgumentError(f"no {test_args.split} split in {data_args.dataset}")
    tokenizer = load_tokenizer(test_args.checkpoint)
    model = load_pretrained_model(test_args.checkpoint, tokenizer)
    model.to(resolve_device(test_args.device))
    if test_args.do_sample:
        from transformers import set_seed

        set_seed(test_args.seed)
    settings = GenerationSettings(**test_args.decoding_options(), batch_size=test_args.batch_size,
                                  max_source_length=data_args.max_source_length, prefix=data_args.task_prefix,
                                  dtype=test_args.dtype, engine=test_args.engine,
                                  stop_repeats=test_args.stop_repeats, compile_decoder=test_args.compile_decoder)
    metric_kwargs = eval_args.caption_metric_options() if task.name == "mol2text" else {}
    output_dir = test_args.predictions_dir or (test_args.checkpoint if os.path.isdir(test_args.checkpoint)
                                               else "runs/test")
    augment = Augmenter.from_checkpoint(test_args.checkpoint) if os.path.isdir(test_args.checkpoint) else None
    result = score_split(model, tokenizer, splits[test_args.split], task, split=test_args.split,
                         output_dir=output_dir, settings=settings, metric_kwargs=metric_kwargs, augment=augment,
                         rank_by_facts=test_args.rank_by_facts)
    rows = len(splits[test_args.split])
    print(format_metrics_table(result.metrics, title=f"{task.name} {test_args.split} ({rows:,} rows):"))
    if format_fact_line(result):
        print(format_fact_line(result))
    for note in result.notes:
        print(f"note: {note}")
    print(f"predictions: {result.predictions_path}\nmetrics:     {result.metrics_path}")
    if result.candidates_path:
        print(f"candidates:  {result.candidates_path}")
    return 0
