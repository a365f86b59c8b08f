"""Test helper: ``decoding.generate_sharded`` on a model whose weights DeepSpeed ZeRO-3 partitions across ranks.

    DS_ACCELERATOR=cpu python -m torch.distributed.run --nproc_per_node 2 tests/distributed_generate.py \
        MODEL_DIR SOURCES.json OUTPUT.json MAX_NEW_TOKENS

A ZeRO-3 forward gathers the weights it needs from all ranks, so on GPUs a rank that stops generating first
can leave the others waiting; ``generate_sharded`` therefore gives every rank equal shards and
``synced_gpus``. The main process writes what ``generate_sharded`` returned.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(model_dir: str, sources_path: str, output_path: str, max_new_tokens: str) -> int:
    import deepspeed
    from transformers import T5ForConditionalGeneration
    from transformers.integrations import HfDeepSpeedConfig

    from ada_t5 import decoding
    from ada_t5.tokenization import load_tokenizer

    deepspeed.init_distributed(dist_backend="gloo")
    config = {"train_micro_batch_size_per_gpu": 1, "bf16": {"enabled": False},
              # every weight partitioned, and asked to be released after use (as for a model too large to keep
              # whole; the defaults keep a small model's gathered weights live)
              "zero_optimization": {"stage": 3, "stage3_param_persistence_threshold": 0,
                                    "stage3_max_live_parameters": 0, "stage3_max_reuse_distance": 0}}
    # loaded whole, then partitioned by deepspeed.initialize. (Loaded under an active HfDeepSpeedConfig, i.e.
    # zero.Init inside from_pretrained, this tiny checkpoint generated other texts than the saved model does
    # with transformers 5.24 / deepspeed 0.19.8: a loading question, not what this helper tests.)
    model = T5ForConditionalGeneration.from_pretrained(model_dir)
    keep = HfDeepSpeedConfig(config)  # noqa: F841  while alive, transformers' is_deepspeed_zero3_enabled() is True
    engine = deepspeed.initialize(model=model, config=config)[0]
    engine.module.eval()
    tokenizer = load_tokenizer(model_dir)
    sources = json.loads(Path(sources_path).read_text())
    settings = decoding.GenerationSettings(max_new_tokens=int(max_new_tokens), batch_size=1)
    results = decoding.generate_sharded(engine.module, tokenizer, sources, settings, progress=False)
    if int(os.environ.get("RANK", "0")) == 0:
        Path(output_path).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
