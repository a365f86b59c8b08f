"""Train a SentencePiece unigram T5 tokenizer on SMILES + descriptions (``ada-t5 train-tokenizer``).

Usage: ``scripts/train_tokenizer.py --input FILE [FILE ...] --output_dir DIR [--vocab_size 8000]
[--max_sentences N] [--seed 42]``. Inputs are pair files in any format ``ada_t5.data.load_pairs`` reads
(MolT5's ``CID\\tSMILES\\tdescription`` TSV, the paper's JSON, JSONL, CSV, Parquet, a ``datasets`` folder;
both columns are used) or plain text files (one text per line). The folder
loads back with ``AutoTokenizer.from_pretrained(DIR)`` or ``ada_t5.tokenization.load_tokenizer(DIR)``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ada_t5.tokenizer_training import DEFAULT_MAX_PIECE_LENGTH, DEFAULT_VOCAB_SIZE

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", nargs="+", action="extend", required=True, metavar="FILE",
                        help="training texts: pair files (MolT5 TSV, JSON, JSONL, CSV, Parquet, a datasets folder; "
                             "SMILES and descriptions both used) or plain text files, one text per line")
    parser.add_argument("--output_dir", required=True, help="folder for the tokenizer (created if missing)")
    parser.add_argument("--vocab_size", type=int, default=DEFAULT_VOCAB_SIZE,
                        help="final tokenizer size including the 100 sentinels (default: %(default)s; "
                             "~1,000-2,000 for a few thousand short texts)")
    parser.add_argument("--max_sentences", type=int, default=None,
                        help="train on a random sample of this many texts (default: all)")
    parser.add_argument("--seed", type=int, default=42, help="sampling and SentencePiece seed")
    parser.add_argument("--max_piece_length", type=int, default=DEFAULT_MAX_PIECE_LENGTH,
                        help="longest piece in characters (default: %(default)s)")
    parser.add_argument("--num_threads", type=int, default=None, help="SentencePiece threads (default: all cores)")
    parser.add_argument("--strict_vocab_size", action="store_true",
                        help="fail instead of warning when the corpus is too small for --vocab_size")


def run(args: argparse.Namespace) -> int:
    from ada_t5.tokenization import sentinel_token
    from ada_t5.tokenizer_training import count_tokens, read_texts, round_trip_failures, train_tokenizer

    try:
        texts = read_texts(args.input)
        tokenizer = train_tokenizer(texts, vocab_size=args.vocab_size, output_dir=args.output_dir,
                                    max_sentences=args.max_sentences, seed=args.seed,
                                    max_piece_length=args.max_piece_length, num_threads=args.num_threads,
                                    strict_vocab_size=args.strict_vocab_size)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failures = round_trip_failures(tokenizer, texts)
    counts = count_tokens(tokenizer, texts)
    ids = tokenizer.convert_tokens_to_ids([sentinel_token(0), sentinel_token(99)])
    print(f"tokenizer: {len(tokenizer):,} tokens (pad={tokenizer.pad_token_id}, eos={tokenizer.eos_token_id}, "
          f"unk={tokenizer.unk_token_id}, {sentinel_token(0)}={ids[0]} ... {sentinel_token(99)}={ids[1]})")
    print(f"trained on {min(len(texts), args.max_sentences or len(texts)):,} of {len(texts):,} texts from "
          f"{len(args.input)} file(s); {sum(counts) / max(len(counts), 1):.1f} tokens per text on average")
    print(f"round trip: {len(texts) - len(failures):,}/{len(texts):,} texts decode back exactly")
    print(f"saved to {args.output_dir}")
    if failures:
        for index in failures[:5]:
            print(f"  round-trip failure: {texts[index]!r}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    from ada_t5.cli import parse_and_run

    return parse_and_run(sys.modules[__name__], argv, prog="train_tokenizer.py")


if __name__ == "__main__":
    from ada_t5.errors import run_command

    sys.exit(run_command(main))
