"""Test helper: ``scripts/finetune.py`` unchanged, on ranks whose DeepSpeed process group exists before the model
is loaded, as on GPUs (accelerate starts it there; on CPU ranks only ``deepspeed.initialize`` does, later).

    DS_ACCELERATOR=cpu python -m torch.distributed.run --nproc_per_node 2 tests/commands/distributed_finetune.py \
        CONFIG --deepspeed configs/deepspeed/zero3.json [--flags]

So a ZeRO-3 checkpoint load meets what it meets on GPUs: a live process group, and ``zero.Init`` active inside
``from_pretrained`` unless the loader avoids it.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    import deepspeed

    from ada_t5.commands import finetune
    from ada_t5.errors import run_command

    deepspeed.init_distributed(dist_backend="gloo")
    return run_command(finetune.main, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
