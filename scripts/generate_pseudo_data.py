#!/usr/bin/env python
"""Describe unlabeled molecules with an LLM prompted with retrieved real examples (the Ada-T5 pseudo data).

``python scripts/generate_pseudo_data.py --input mols.smi --pool train.txt --exclude test.txt --output pseudo.jsonl
--backend openai --model gpt-4o-mini`` (same as ``ada-t5 pseudo``; see docs/pseudo_data.md).
"""
import sys

from ada_t5.commands.pseudo import main
from ada_t5.errors import run_command

if __name__ == "__main__":
    sys.exit(run_command(main))
