"""Domain-adaptation pre-training of a T5 (the paper's objective on pseudo pairs, T5 span corruption, or both).

Usage: ``scripts/pretrain.py [CONFIG.yaml] [--any_argument value ...]`` (or ``ada-t5 pretrain ...``), under
any launcher (``accelerate launch``, ``torchrun``, ``--deepspeed configs/deepspeed/zero2.json``). The output
folder is a normal Hugging Face checkpoint with its tokenizer: ``make finetune ARGS="--model_name_or_path
runs/pretrain-demo"`` starts from it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ada_t5.arguments import ModelArguments
from ada_t5.pretrain.args import PretrainDataArguments, PretrainTrainingArguments

logger = logging.getLogger(__name__)
ARGUMENT_TYPES = (ModelArguments, PretrainDataArguments, PretrainTrainingArguments)


@dataclass
class PretrainResult:
    output_dir: Path
    train_metrics: dict
    train_rows: int | None  # None when streamed: a stream's length is not known
    eval_loss: float | None


def run_pretrain(model_args: ModelArguments, data_args: PretrainDataArguments,
                 training_args: PretrainTrainingArguments, *, callbacks=None) -> PretrainResult:
    from accelerate import PartialState
    from transformers import set_seed

    from ada_t5.checkpoints import resolve_checkpoint_to_resume
    from ada_t5.modeling import build_model, count_parameters
    from ada_t5.pretrain.data import load_or_build_datasets, load_raw_pairs
    from ada_t5.pretrain.objectives import build_collator
    from ada_t5.trainer import build_seq2seq_trainer, prepare_tokenizer

    started = time.time()
    state = PartialState()
    output_dir = Path(training_args.output_dir)
    resume_from = resolve_checkpoint_to_resume(training_args)
    set_seed(training_args.seed)
    sentinels = data_args.uses_span_corruption  # span corruption needs the tokenizer's <extra_id_N> tokens

    raw = {}

    def raw_pairs():  # loaded at most once, and only when the tokenizer or an uncached data set needs it
        if not raw:
            raw.update(load_raw_pairs(data_args, seed=training_args.seed))
        return raw

    if data_args.streaming:
        from ada_t5.pretrain.stream import build_streaming_datasets, check_streaming_run, sample_pairs

        check_streaming_run(data_args, training_args)
        tokenizer = prepare_tokenizer(model_args, output_dir, resume_from,
                                      lambda: sample_pairs(data_args, seed=training_args.seed),
                                      require_sentinels=sentinels)
        with state.main_process_first():  # the demo and validation pairs may be described / cached on first use
            train_dataset, eval_dataset = build_streaming_datasets(data_args, tokenizer, seed=training_args.seed)
        train_rows = None
    else:
        tokenizer = prepare_tokenizer(model_args, output_dir, resume_from, lambda: raw_pairs()["train"],
                                      require_sentinels=sentinels)
        with state.main_process_first():  # rank 0 tokenizes into the cache; the others read it
            train_dataset, eval_dataset = load_or_build_datasets(data_args, tokenizer, seed=training_args.seed,
                                                                 raw_pairs=raw or None)
        train_rows = len(train_dataset)
    logger.info("pre-training data (%s): %s%s", data_args.objective,
                f"{train_rows:,} train rows" if train_rows is not None else f"streamed from {data_args.dataset}",
                f", {len(eval_dataset):,} validation rows" if eval_dataset is not None else "")
    model = build_model(tokenizer, model_name_or_path=model_args.model_name_or_path,
                        model_shape=model_args.model_shape, dropout_rate=model_args.dropout_rate,
                        seed=training_args.seed)
    logger.info("model: %s, %.1fM parameters", model_args.model_name_or_path or model_args.model_shape,
                count_parameters(model) / 1e6)

    if eval_dataset is None or training_args.eval_strategy == "no":
        eval_dataset = None
        training_args.eval_strategy = "no"
    collator = build_collator(data_args, tokenizer, seed=training_args.seed,
                              pad_to_multiple_of=8 if training_args.bf16 else None)
    trainer = build_seq2seq_trainer(model, tokenizer, training_args, train_dataset=train_dataset,
                                    eval_dataset=eval_dataset, data_collator=collator, callbacks=callbacks)
    train_output = trainer.train(resume_from_checkpoint=resume_from)
    trainer.save_model(str(output_dir))  # model + tokenizer: a checkpoint `finetune` starts from
    trainer.log_metrics("train", train_output.metrics)
    trainer.save_metrics("train", train_output.metrics)
    trainer.save_state()
    eval_loss = None
    if eval_dataset is not None:
        eval_loss = trainer.evaluate().get("eval_loss")
    result = PretrainResult(output_dir=output_dir, train_metrics=train_output.metrics, train_rows=train_rows,
                            eval_loss=eval_loss)
    if state.is_main_process:
        print(format_summary(result, data_args, training_args, time.time() - started), flush=True)
    return result


def format_summary(result: PretrainResult, data_args: PretrainDataArguments, training_args, seconds: float) -> str:
    from ada_t5.commands.summary import format_run_summary, summary_row

    stats = []
    if result.eval_loss is not None:
        stats.append(summary_row("validation loss", f"{result.eval_loss:.4f}"))
    if result.train_metrics.get("train_samples_per_second") is not None:
        stats.append(summary_row("throughput", f"{result.train_metrics['train_samples_per_second']:.1f} samples/s"))
    return format_run_summary(
        f"ada-t5 pre-training finished: {data_args.objective} on {data_args.dataset}, {training_args.max_steps:,} "
        f"steps, {seconds / 60:.1f} min", result.output_dir, result.train_metrics, stats=stats,
        after_model=[summary_row("fine-tune it", f'make finetune ARGS="--model_name_or_path {result.output_dir}"')])


PASSTHROUGH = True  # `ada-t5 pretrain ...` hands its arguments to main() unparsed


def main(argv: list[str] | None = None) -> int:
    from ada_t5.config import run_from_config

    return run_from_config(ARGUMENT_TYPES, run_pretrain, argv)
