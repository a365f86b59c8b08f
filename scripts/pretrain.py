#!/usr/bin/env python
"""Domain-adaptation pre-training: ``python scripts/pretrain.py [CONFIG.yaml] [--flag value ...]``.

Works unchanged under ``accelerate launch``, ``torchrun`` and ``--deepspeed``. See configs/pretrain/ and
docs/pretraining.md.
"""
import sys

from ada_t5.commands.pretrain import main
from ada_t5.errors import run_command

if __name__ == "__main__":
    sys.exit(run_command(main))
