"""Real tiny checkpoints for the tests of using models (API, CLI, report, plots, card): trained once per process.

A plain module, not a conftest: test files in different folders import it by the same name, so the
``lru_cache`` below trains each task's model once per pytest session however many files use it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = str(REPO / "configs" / "finetune" / "demo.yaml")

# tiny shape, two validations (so the logs have curves), a small test split (the run's predictions TSV)
STEPS = {"mol2text": 80, "text2mol": 200}
COMMON = ["--model_shape", "tiny", "--warmup_steps", "10", "--logging_steps", "10", "--max_train_samples", "2000",
          "--max_eval_samples", "12", "--max_test_samples", "12", "--per_device_eval_batch_size", "12",
          "--generation_max_new_tokens", "64", "--disable_tqdm", "true", "--text_tokenizer", "simple",
          "--meteor", "false", "--validation_fcd", "false", "--save_total_limit", "1", "--report_to", "tensorboard",
          "--num_examples_to_show", "0", "--tokenizer_vocab_size", "600",
          # with the formula in its training descriptions the 200-step text2mol model writes some valid SMILES;
          # without it none of its beams parsed, and the API/CLI validity-ranking tests need both kinds
          "--demo_formula", "true"]


@functools.cache
def trained_run(task: str) -> Path:
    """The output folder of a finished fine-tuning run of ``task`` (model, tokenizer, logs, test predictions)."""
    from ada_t5.commands import finetune
    from ada_t5.config import parse_config

    steps = STEPS[task]
    root = tempfile.mkdtemp(prefix=f"ada_t5_tiny_{task}_")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    output_dir = Path(root) / "run"
    args = [DEMO, *COMMON, "--task", task, "--max_steps", str(steps), "--eval_steps", str(steps // 2),
            "--save_steps", str(steps // 2), "--output_dir", str(output_dir)]
    finetune.run_finetune(*parse_config(finetune.ARGUMENT_TYPES, args))
    return output_dir
