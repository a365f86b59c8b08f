#!/usr/bin/env python
"""Train a SentencePiece unigram T5 tokenizer (pad/eos/unk + 100 sentinels) on SMILES + text.

``python scripts/train_tokenizer.py --input train.txt --output_dir runs/tokenizer --vocab_size 8000``
(same as ``ada-t5 train-tokenizer``; see ``ada_t5.commands.train_tokenizer``).
"""
import sys

from ada_t5.commands.train_tokenizer import main
from ada_t5.errors import run_command

if __name__ == "__main__":
    sys.exit(run_command(main))
