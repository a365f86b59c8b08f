"""The `Seq2SeqTrainer` fine-tuning and pre-training run: its build, best-checkpoint settings, the tokenizer it starts
from, and the one change to the stock trainer (validation decoded on the continuous-batching engine)."""

from __future__ import annotations

import logging

from transformers import Seq2SeqTrainer

from ada_t5.arguments import ModelArguments
from ada_t5.metrics import LOWER_IS_BETTER
from ada_t5.tasks import get_task

logger = logging.getLogger(__name__)


def best_metric_settings(training_args, task_name: str) -> None:
    """Resolve ``metric_for_best_model='task'`` and set the direction (HF guesses it from a ``loss`` suffix)."""
    metric = training_args.metric_for_best_model
    if metric in (None, "task"):
        metric = get_task(task_name).best_metric
    training_args.metric_for_best_model = metric
    training_args.greater_is_better = metric.removeprefix("eval_") not in LOWER_IS_BETTER | {"loss"}


def build_seq2seq_trainer(model, tokenizer, training_args, *, train_dataset, eval_dataset=None,
                          compute_metrics=None, data_collator=None, callbacks=None, task_name: str = ""):
    """A `Seq2SeqTrainer` whose generating validation runs on the decoding engine; nothing else is changed."""
    from ada_t5.collators import Seq2SeqCollator
    from ada_t5.modeling import set_generation_defaults
    from ada_t5.quiet import keep_generation_length_unset_callback

    set_generation_defaults(model, **training_args.decoding_options())
    if data_collator is None:
        data_collator = Seq2SeqCollator(tokenizer.pad_token_id, pad_to_multiple_of=8 if training_args.bf16 else None)
    trainer = EngineSeq2SeqTrainer(
        model=model,
        args=training_args,
        data_collator=data_collator,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[*(callbacks or []), keep_generation_length_unset_callback()],
    )
    trainer.task_name = task_name  # SELFIES text2mol validation writes SELFIES symbols only
    return trainer


def prepare_tokenizer(model_args: ModelArguments, output_dir, resume_from: str | None, train_split_fn, *,
                      require_sentinels: bool = False):
    """The tokenizer of the checkpoint being resumed, the one named (``--tokenizer_name_or_path``, else the base
    model's), or a SentencePiece one trained on the train split's SMILES and descriptions (``train_split_fn()``,
    called only then) by the main process, the others loading its files."""
    from pathlib import Path

    from accelerate import PartialState

    from ada_t5.tokenization import load_tokenizer
    from ada_t5.tokenizer_training import train_tokenizer

    named = resume_from or model_args.tokenizer_name_or_path or model_args.model_name_or_path
    if named:
        return load_tokenizer(named, require_sentinels=require_sentinels)
    tokenizer_dir = Path(output_dir) / "tokenizer"
    state = PartialState()
    with state.main_process_first():  # one process trains, the others load its files
        if state.is_main_process:
            train = train_split_fn()
            texts = list(train["smiles"]) + list(train["description"])
            logger.info("training a %d-piece SentencePiece tokenizer on %d train texts",
                        model_args.tokenizer_vocab_size, len(texts))
            return train_tokenizer(texts, vocab_size=model_args.tokenizer_vocab_size, output_dir=tokenizer_dir,
                                   split_by_unicode_script=model_args.tokenizer_split_by_script)
        return load_tokenizer(str(tokenizer_dir), require_sentinels=require_sentinels)


class EngineSeq2SeqTrainer(Seq2SeqTrainer):
    """`Seq2SeqTrainer` with one change: a generating validation decodes the whole split on the engine.

    The stock trainer calls ``model.generate`` batch by batch, so every batch runs until its slowest (often
    looping) row stops. Here the loss still comes from the stock loop (teacher forcing only), then every
    validation row is decoded by ``ada_t5.decoding.generate_ids_sharded`` (continuous batching) and handed to
    the same ``compute_metrics``. Under ZeRO-3 / FSDP, with beams, or with ``--generation_engine false`` the
    stock path runs unchanged.
    """

    def evaluation_loop(self, dataloader, description, prediction_loss_only=None, ignore_keys=None,
                        metric_key_prefix="eval"):
        from transformers.trainer_utils import EvalLoopOutput, EvalPrediction

        from ada_t5.decoding import GenerationSettings, generate_ids_sharded

        args = self.args
        dataset = getattr(dataloader, "dataset", None)
        settings = GenerationSettings(**args.decoding_options(), batch_size=args.per_device_eval_batch_size,
                                      engine=args.generation_engine, stop_repeats=args.generation_stop_repeats,
                                      compile_decoder=args.generation_compile_decoder) \
            if hasattr(args, "decoding_options") else None
        sharded_weights = self.is_fsdp_enabled or (self.is_deepspeed_enabled and getattr(
            self.accelerator.state.deepspeed_plugin, "zero_stage", 0) == 3)
        if (settings is None or not settings.uses_engine or not args.predict_with_generate or prediction_loss_only
                or self.compute_metrics is None or sharded_weights or dataset is None
                or "input_ids" not in getattr(dataset, "column_names", ())):
            return super().evaluation_loop(dataloader, description, prediction_loss_only, ignore_keys,
                                           metric_key_prefix)
        output = super().evaluation_loop(dataloader, description, True, ignore_keys, metric_key_prefix)
        model = self.accelerator.unwrap_model(self.model)
        from ada_t5.molecule_format import constrain_to_selfies

        settings = constrain_to_selfies(settings, self.processing_class, getattr(self, "task_name", ""),
                                        getattr(model.config, "molecule_format", "smiles"))
        generated = generate_ids_sharded(model, self.processing_class, list(dataset["input_ids"]), settings,
                                         progress=not args.disable_tqdm, desc="validation")
        predictions = [rows[0] for rows in generated]
        metrics = dict(output.metrics)
        # every rank scores the gathered outputs, as the stock loop does, so all ranks agree on the best checkpoint
        scores = self.compute_metrics(EvalPrediction(predictions=predictions, label_ids=list(dataset["labels"])))
        metrics.update({f"{metric_key_prefix}_{key}": value for key, value in scores.items()})
        return EvalLoopOutput(predictions=None, label_ids=None, metrics=metrics, num_samples=output.num_samples)
