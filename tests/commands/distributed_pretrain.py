"""Test helper: ``scripts/pretrain.py`` unchanged (any launcher), plus what the distributed tests need to see.

    python -m torch.distributed.run --nproc_per_node 2 tests/commands/distributed_pretrain.py CONFIG [--flags]

It writes, on the main process, ``<output_dir>/initial.safetensors`` (the weights before the first step: the
tests measure how far training moved them) and ``<output_dir>/optimizer_groups.json`` ({parameter name:
weight decay} as the optimizer that really steps holds them: the Trainer's AdamW, or DeepSpeed's wrapper of
it, or DeepSpeed's own optimizer when a DeepSpeed JSON names one).

``ADA_T5_TEST_NO_SYNC=1`` runs every DDP forward under ``no_sync()``, so gradients are never all-reduced and
each rank steps on its own half of the batch: the negative control proving the weight comparison can fail.
The knob lives here, in the tests, not in the library.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
from transformers import TrainerCallback

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


class RecordStart(TrainerCallback):
    """Saves the initial weights and the optimizer's parameter groups once training begins (main process)."""

    def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
        if not state.is_world_process_zero:
            return
        from safetensors.torch import save_file

        output_dir = Path(args.output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        # clones: T5 shares its embedding between encoder and decoder, and save_file refuses shared storage
        save_file({name: tensor.detach().clone().contiguous() for name, tensor in model.state_dict().items()},
                  output_dir / "initial.safetensors")
        names = {id(p): name for name, p in model.named_parameters()}
        decay = {}
        for params, weight_decay in parameter_groups(optimizer):
            for param in params:
                decay[names[id(param)]] = weight_decay
        (output_dir / "optimizer_groups.json").write_text(json.dumps(decay, indent=1, sort_keys=True))


def parameter_groups(optimizer):
    """(model parameters, weight decay) per group of the optimizer that steps, under whatever wrappers."""
    while not hasattr(optimizer, "bit16_groups") and hasattr(optimizer, "optimizer"):
        optimizer = optimizer.optimizer  # accelerate's and DeepSpeed's wrappers
    if hasattr(optimizer, "bit16_groups"):  # DeepSpeed ZeRO 1/2: group i's model parameters, one flat copy each
        return [(params, optimizer.optimizer.param_groups[i]["weight_decay"])
                for i, params in enumerate(optimizer.bit16_groups)]
    return [(group["params"], group["weight_decay"]) for group in optimizer.param_groups]


def switch_off_gradient_sync() -> None:
    forward = torch.nn.parallel.DistributedDataParallel.forward

    def forward_without_sync(self, *args, **kwargs):
        with self.no_sync():  # the backward of this forward skips DDP's all-reduce
            return forward(self, *args, **kwargs)

    torch.nn.parallel.DistributedDataParallel.forward = forward_without_sync


def main(argv: list[str]) -> int:
    from ada_t5.commands import pretrain
    from ada_t5.config import parse_config

    if os.environ.get("ADA_T5_TEST_NO_SYNC") == "1":
        switch_off_gradient_sync()
    args = parse_config(pretrain.ARGUMENT_TYPES, argv)
    pretrain.run_pretrain(*args, callbacks=[RecordStart()])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
