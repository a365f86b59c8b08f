"""Fine-tune a T5 on molecule-text pairs, keep the best checkpoint, score the test split, summarise.

Usage: ``scripts/finetune.py [CONFIG.yaml] [--any_argument value ...]`` (or ``ada-t5 finetune ...``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ada_t5.arguments import DataArguments, EvalArguments, FinetuneTrainingArguments, ModelArguments
from ada_t5.errors import ArgumentError

logger = logging.getLogger(__name__)
ARGUMENT_TYPES = (ModelArguments, DataArguments, EvalArguments, FinetuneTrainingArguments)


@dataclass
class FinetuneResult:
    output_dir: Path
    train_metrics: dict
    best_checkpoint: str | None
    best_metric: float | None
    test: object | None  # ada_t5.scoring.SplitResult


def load_raw_splits(data_args: DataArguments, *, seed: int, require_train: bool = True):
    """train/validation/test as raw pair datasets, from the demo, a folder, explicit files or a Hub id.

    ``require_train=False`` (scoring a checkpoint): a test file alone is enough."""
    from datasets import DatasetDict

    from ada_t5 import data

    options = dict(format=data_args.data_format, columns=data_args.columns, skip_invalid=data_args.skip_invalid,
                   smiles_backslashes=data_args.smiles_backslashes)
    files = {k: v for k, v in (("train", data_args.train_file), ("validation", data_args.validation_file),
                               ("test", data_args.test_file)) if v}
    if data_args.dataset == "demo":
        # explicit files replace the demo entirely (a demo test split beside your train file means nothing)
        splits = data.load_splits(files, **options) if files else data.load_demo_splits(
            n=data_args.demo_size, seed=seed, quantities=data_args.demo_quantities, formula=data_args.demo_formula,
            stereo=data_args.demo_stereo, variant=None if data_args.demo_varied_phrasing else 0)
    else:  # a folder of split files, a saved DatasetDict, or a Hub id; explicit files replace its splits
        folder_needed = len(files) < 3 and (require_train or not files)
        splits = data.load_splits(data_args.dataset, **options) if folder_needed else DatasetDict()
        for split, path in files.items():
            splits[split] = data.load_pairs(path, **options)
    if require_train and "train" not in splits:
        raise ArgumentError(f"no train split found in {files or data_args.dataset}")
    for split, limit in (("train", data_args.max_train_samples), ("validation", data_args.max_eval_samples),
                         ("test", data_args.max_test_samples)):
        if limit is not None and split in splits and len(splits[split]) > limit:
            splits[split] = splits[split].select(range(limit))
    return splits


def run_finetune(model_args: ModelArguments, data_args: DataArguments, eval_args: EvalArguments,
                 training_args: FinetuneTrainingArguments) -> FinetuneResult:
    from accelerate import PartialState
    from transformers import set_seed

    from ada_t5 import metrics
    from ada_t5.checkpoints import resolve_checkpoint_to_resume
    from ada_t5.decoding import GenerationSettings
    from ada_t5.modeling import build_model, count_parameters
    from ada_t5.preflight import check_metric_resources, check_output_dir, check_splits
    from ada_t5.scoring import score_split
    from ada_t5.tasks import get_task, tokenize_for_task
    from ada_t5.trainer import best_metric_settings, build_seq2seq_trainer, prepare_tokenizer

    started = time.time()
    state = PartialState()
    task = get_task(data_args.task)
    output_dir = Path(training_args.output_dir)
    # Preflight: everything the run needs is checked before the first step (ada_t5/preflight.py).
    check_output_dir(output_dir)
    push_to = None
    if training_args.push_to_hub:  # fail now, not after training, when the final upload cannot happen
        from ada_t5.model_card import check_can_push, resolve_repo_id

        push_to = training_args.hub_model_id = resolve_repo_id(training_args.hub_model_id, output_dir,
                                                               check_can_push())
        # One upload at the end, ours (best model, tokenizer, card); the Trainer pushes checkpoints only when
        # --hub_strategy asks for them, and never its own card or output_dir's training files.
        training_args.push_to_hub = training_args.hub_strategy != "end"
    with state.main_process_first():
        splits = load_raw_splits(data_args, seed=training_args.seed)
    logger.info("data: %s", ", ".join(f"{name} {len(ds):,}" for name, ds in splits.items()))
    validating = "validation" in splits and training_args.eval_strategy != "no"
    testing = eval_args.do_test and "test" in splits
    check_splits(splits, validating=validating, testing=testing, source=_data_source(data_args))
    if validating or testing:
        check_metric_resources(task.name, **eval_args.caption_metric_options(),
                               fcd=testing or (validating and eval_args.validation_fcd))
    resume_from = resolve_checkpoint_to_resume(training_args)  # last: it may clear a finished run's checkpoints
    set_seed(training_args.seed)
    model_splits = splits  # what the model reads and writes (SELFIES molecules with --molecule_format selfies)
    if data_args.molecule_format == "selfies":
        from ada_t5.molecule_format import add_selfies_symbols, convert_pairs

        model_splits = {name: convert_pairs(split, f"{name} split")[0] for name, split in splits.items()
                        if name != "test"}  # the test split is converted by score_split, row by row
    tokenizer = prepare_tokenizer(model_args, output_dir, resume_from, lambda: model_splits["train"])
    if data_args.molecule_format == "selfies":
        added = add_selfies_symbols(tokenizer, model_splits["train"]["smiles"])
        logger.info("SELFIES: %d symbols added to the tokenizer as whole tokens (%d tokens in all)", added,
                    len(tokenizer))
    augmenter = None
    if data_args.retrieval_k:
        from ada_t5.rag import Augmenter, RetrievalPool, augment_split
        from ada_t5.rag.augment import add_neighbour_token

        if data_args.molecule_format == "selfies":
            raise ArgumentError("--retrieval_k with --molecule_format selfies is not supported (the pool searches "
                                "SMILES and the neighbours would be written in SMILES)")
        add_neighbour_token(tokenizer)  # before the model is built or resized to the tokenizer
        augmenter = Augmenter(RetrievalPool.from_dataset(splits["train"]), task.name, data_args.retrieval_k)
        logger.info("retrieval-augmented sources: %d neighbours from a %d-row pool", data_args.retrieval_k,
                    len(augmenter.pool))
    model = build_model(tokenizer, model_name_or_path=model_args.model_name_or_path,
                        model_shape=model_args.model_shape, dropout_rate=model_args.dropout_rate,
                        seed=training_args.seed)
    model.config.molecule_format = data_args.molecule_format  # saved: test.py and ada_t5.load() follow it
    logger.info("model: %s, %.1fM parameters", model_args.model_name_or_path or model_args.model_shape,
                count_parameters(model) / 1e6)

    tokenize = dict(prefix=data_args.task_prefix, max_source_length=data_args.max_source_length,
                    max_target_length=data_args.max_target_length, num_proc=data_args.preprocessing_num_workers)
    model_splits = dict(model_splits)
    if augmenter is not None:  # the test split is augmented at generation time, as scripts/test.py does
        for name in ("train", "validation"):
            if name in model_splits:
                model_splits[name] = augment_split(model_splits[name], augmenter.pool, task, augmenter.k,
                                                   train=name == "train")
    with state.main_process_first():
        train_dataset = tokenize_for_task(model_splits["train"], task, tokenizer, **tokenize)
        eval_dataset = tokenize_for_task(model_splits["validation"], task, tokenizer, **tokenize) \
            if "validation" in model_splits else None

    metric_kwargs = eval_args.caption_metric_options() if task.name == "mol2text" \
        else dict(fcd=eval_args.validation_fcd)
    if eval_dataset is None:
        logger.warning("no validation split: training without validation or best-checkpoint selection")
        training_args.eval_strategy = "no"
        training_args.load_best_model_at_end = False
    best_metric_settings(training_args, task.name)
    trainer = build_seq2seq_trainer(
        model, tokenizer, training_args, train_dataset=train_dataset, eval_dataset=eval_dataset, task_name=task.name,
        compute_metrics=metrics.build_compute_metrics(task.name, tokenizer, **metric_kwargs,
                                                      **_selfies_scoring(data_args, task.name, model_splits))
        if eval_dataset is not None else None)

    train_output = trainer.train(resume_from_checkpoint=resume_from)
    trainer.args.push_to_hub = False  # save_model would push the Trainer's own card; ours goes up at the end
    trainer.save_model(str(output_dir))  # the best model when load_best_model_at_end, else the last
    if augmenter is not None and state.is_main_process:
        augmenter.save(output_dir)  # the pool travels with the checkpoint
    trainer.log_metrics("train", train_output.metrics)
    trainer.save_metrics("train", train_output.metrics)
    trainer.save_state()

    test_result = None
    if eval_args.do_test and "test" in splits:
        settings = GenerationSettings(**training_args.decoding_options(),
                                      batch_size=training_args.per_device_eval_batch_size,
                                      engine=training_args.generation_engine,
                                      stop_repeats=training_args.generation_stop_repeats,
                                      compile_decoder=training_args.generation_compile_decoder,
                                      max_source_length=data_args.max_source_length, prefix=data_args.task_prefix)
        test_metric_kwargs = dict(metric_kwargs, fcd=True) if task.name == "text2mol" else metric_kwargs
        test_result = score_split(trainer.model, tokenizer, splits["test"], task, split="test",
                                  output_dir=output_dir, settings=settings, metric_kwargs=test_metric_kwargs,
                                  num_examples=eval_args.num_examples_to_show,
                                  progress=not training_args.disable_tqdm, augment=augmenter,
                                  rank_by_facts=training_args.generation_rank_by_facts)
    result = FinetuneResult(output_dir=output_dir, train_metrics=train_output.metrics,
                            best_checkpoint=trainer.state.best_model_checkpoint,
                            best_metric=trainer.state.best_metric, test=test_result)
    if state.is_main_process:
        from ada_t5.model_card import finish_finetune_run

        finish_finetune_run(result, model_args, data_args, training_args, push_to=push_to)  # card; push
        print(format_summary(result, task.name, training_args, time.time() - started), flush=True)
    return result


def _data_source(data_args: DataArguments) -> str:
    files = [f for f in (data_args.train_file, data_args.validation_file, data_args.test_file) if f]
    return ", ".join(files) if files else data_args.dataset


def _selfies_scoring(data_args, task_name: str, model_splits) -> dict:
    """With SELFIES text2mol, validation scores SMILES: outputs decoded back, references the original SMILES."""
    if data_args.molecule_format != "selfies" or task_name != "text2mol" or "validation" not in model_splits:
        return {}
    from ada_t5.molecule_format import selfies_to_smiles

    references = [selfies_to_smiles(text) for text in model_splits["validation"]["smiles"]]
    return dict(references=references, postprocess=selfies_to_smiles)


def format_summary(result: FinetuneResult, task: str, training_args, seconds: float) -> str:
    from ada_t5.commands.summary import format_run_summary, summary_row
    from ada_t5.scoring import format_example_facts, format_fact_line, format_metrics_table

    stats = [summary_row("best checkpoint", f"{result.best_checkpoint} "
                         f"({training_args.metric_for_best_model} = {result.best_metric:.4f})")] \
        if result.best_checkpoint else []
    lines = []
    test = result.test
    if test is not None and test.metrics_path is not None:
        lines.append(summary_row("test predictions", test.predictions_path))
        lines.append(summary_row("test metrics", test.metrics_path))
        lines.append(format_metrics_table(test.metrics, title="test metrics:"))
        fact_line = format_fact_line(test)
        if fact_line:
            lines.append(f"  {fact_line}")
        for note in test.notes:
            lines.append(f"  note: {note}")
        source_name = "SMILES" if task == "mol2text" else "description"
        for i, (source, reference, output) in enumerate(test.examples, 1):
            lines += [f"example {i}", f"  {source_name:<11} {source}", f"  reference   {reference}",
                      f"  generated   {output}"]
            if i <= len(test.example_checks):
                lines.append(f"  facts       {format_example_facts(test.example_checks[i - 1])}")
    return format_run_summary(f"ada-t5 fine-tuning finished: {task}, {training_args.max_steps:,} steps, "
                              f"{seconds / 60:.1f} min", result.output_dir, result.train_metrics, stats=stats,
                              details=lines)


PASSTHROUGH = True  # `ada-t5 finetune ...` hands its arguments to main() unparsed


def main(argv: list[str] | None = None) -> int:
    from ada_t5.config import run_from_config

    return run_from_config(ARGUMENT_TYPES, run_finetune, argv)
