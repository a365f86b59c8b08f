#!/usr/bin/env python
"""Fine-tune a T5 for mol2text or text2mol: ``python scripts/finetune.py [CONFIG.yaml] [--flag value ...]``.

Works unchanged under ``accelerate launch scripts/finetune.py ...``. See configs/finetune/ and README.
"""
import sys

from ada_t5.commands.finetune import main
from ada_t5.errors import run_command

if __name__ == "__main__":
    sys.exit(run_command(main))
