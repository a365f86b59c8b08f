"""Train a SentencePiece unigram T5 tokenizer on SMILES + text, read its training texts, check its round trip.

:func:`train_tokenizer` trains a SentencePiece **unigram** model in memory, converts it to a ``tokenizers``
Unigram tokenizer and wraps it as a ``PreTrainedTokenizerFast`` that follows the T5 conventions: ``<pad>`` = 0,
``</s>`` = 1 (appended to every encoded sequence), ``<unk>`` = 2, then the 256 byte pieces and the learned
pieces, then 100 sentinels with ``<extra_id_0>`` the highest id. Loading one back is
:func:`ada_t5.tokenization.load_tokenizer`.

Round trips are exact: ``tokenizer.decode(tokenizer(x).input_ids, skip_special_tokens=True) == x`` for
every SMILES and description (case, ``@ / \\ [ ] = # % + -``, digits, all spaces: leading, trailing,
repeated, tabs and newlines) and for characters never seen in training (byte fallback). The exceptions
are strings that spell a special token (``</s>``, ``<pad>``, ``<unk>``, ``<extra_id_N>``): as in every
Hugging Face tokenizer they are parsed as that special token, which ``skip_special_tokens`` then drops;
and U+2581 ("▁", the SentencePiece space marker) decodes as a plain space.

Nothing heavy is imported at module import time: ``transformers``, ``tokenizers`` and
``sentencepiece`` load inside the functions that need them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ada_t5.errors import ArgumentError
from ada_t5.tokenization import SPIECE_FILE, sentinel_token

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

logger = logging.getLogger(__name__)

DEFAULT_VOCAB_SIZE = 8000  # for real corpora (ChEBI-20 and up); the CPU demo uses ~1,000-2,000
DEFAULT_MAX_PIECE_LENGTH = 16
NUM_SENTINELS = 100
PAD_TOKEN, EOS_TOKEN, UNK_TOKEN = "<pad>", "</s>", "<unk>"
PAD_ID, EOS_ID, UNK_ID = 0, 1, 2
NUM_BYTE_PIECES = 256
TRAINING_INFO_FILE = "tokenizer_training.json"
# Every printable ASCII character is a piece even if the corpus lacks it: SMILES symbols the training
# corpus happens to miss (``%``, ``*``, ``$``, ``~`` ...) stay one token instead of a byte, and a literal
# "<0x41>" or "<unk>" in a text is spelled from these characters rather than matched as a byte/control piece.
REQUIRED_CHARS = "".join(chr(c) for c in range(0x21, 0x7F))
SPACE_MARKER = "\u2581"  # "▁": SentencePiece's visible space
# Byte and control pieces get this score below the lowest learned piece, so the fast tokenizer's Viterbi
# search never prefers them over spelling the same characters with ordinary pieces.
_RESERVED_PIECE_PENALTY = 1000.0
# Pair-file columns used as training text, matched case-insensitively in a TSV header.
_TEXT_COLUMNS = ("smiles", "description")
# Suffixes of pair files read through ada_t5.data.load_pairs (as are folders); .txt / .tsv are read here.
_PAIR_LOADER_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".parquet", ".pq", ".arrow")


# -------------------------------------------------------------------------------------------- training data


def read_texts(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """Training texts from one or more files (see :func:`texts_from_file`), in order."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    texts: list[str] = []
    for path in paths:
        texts.extend(texts_from_file(path))
    return texts


def texts_from_file(path: str | os.PathLike) -> list[str]:
    """Training texts from one file.

    * a pair TSV whose header names ``SMILES`` and ``description`` columns (MolT5's
      ``CID\\tSMILES\\tdescription``): every SMILES, then every description, read verbatim by
      :func:`ada_t5.data.load_pairs` as a MolT5 file (no quoting; doubled backslashes kept as written);
    * a pair file in another format (the paper's JSON, JSON Lines, CSV, Parquet) or a folder (a
      ``save_to_disk`` Dataset, or the train split of a DatasetDict / a folder of split files): read by
      :func:`ada_t5.data.load_pairs` (see :func:`_texts_via_pair_loader`), every SMILES then every
      description;
    * any other text file: one text per line (line terminators removed, empty lines skipped).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"training text file {str(path)!r} does not exist")
    if path.is_dir() or path.suffix.lower() in _PAIR_LOADER_SUFFIXES:
        return _texts_via_pair_loader(path)
    with path.open(encoding="utf-8", newline="") as handle:
        first = handle.readline()
        header = [field.strip().lower() for field in first.rstrip("\r\n").split("\t")]
        if all(column in header for column in _TEXT_COLUMNS):
            return _texts_via_pair_loader(path, format="molt5")
        lines = [first, *handle]
    texts = [line.rstrip("\r\n") for line in lines]
    return [text for text in texts if text]


def texts_from_pairs(dataset) -> list[str]:
    """Every SMILES then every description of a pair dataset (``smiles`` / ``description`` columns)."""
    return [text for column in ("smiles", "description") for text in dataset[column] if text]


def _texts_via_pair_loader(path: Path, format: str | None = None) -> list[str]:  # noqa: A002 - load_pairs' name
    """Every SMILES then every description of a pair source, read by :func:`ada_t5.data.load_pairs` as stored
    (SMILES are not parsed with RDKit; MolT5's doubled backslashes are kept). A folder gives its train split
    when it holds splits. Bad rows raise :class:`ada_t5.data.DataFormatError` (a ValueError) naming the line."""
    from ada_t5.data import load_pairs

    return texts_from_pairs(load_pairs(path, split="train" if path.is_dir() else None, format=format,
                                       validate_smiles=False))


# -------------------------------------------------------------------------------------------------- training


# SentencePiece settings the exact round trip and the fast-tokenizer conversion depend on: not overridable.
_LOCKED_OPTIONS = frozenset({
    "model_type", "vocab_size", "normalization_rule_name", "normalization_rule_tsv", "remove_extra_whitespaces",
    "add_dummy_prefix", "byte_fallback", "split_by_whitespace", "treat_whitespace_as_suffix",
    "allow_whitespace_only_pieces", "pad_id", "eos_id", "unk_id", "bos_id", "pad_piece", "eos_piece",
    "unk_piece", "user_defined_symbols", "control_symbols", "model_prefix", "model_writer", "input",
    "sentence_iterator", "hard_vocab_limit",
})


def minimum_vocab_size(texts: Iterable[str]) -> int:
    """The smallest ``vocab_size`` :func:`train_tokenizer` accepts for ``texts``.

    3 specials + 256 byte pieces + one piece per distinct character (corpus and printable ASCII; the space
    counts as "▁") + 100 sentinels.
    """
    chars: set[str] = set(REQUIRED_CHARS) | {SPACE_MARKER}
    for text in texts:
        chars.update(text)
    chars.discard(" ")
    return 3 + NUM_BYTE_PIECES + len(chars) + NUM_SENTINELS


def train_tokenizer(texts: Iterable[str], *, vocab_size: int = DEFAULT_VOCAB_SIZE,
                    output_dir: str | os.PathLike | None = None, max_sentences: int | None = None, seed: int = 42,
                    max_piece_length: int = DEFAULT_MAX_PIECE_LENGTH, num_threads: int | None = None,
                    strict_vocab_size: bool = False, **sentencepiece_options: Any) -> PreTrainedTokenizerFast:
    """Train a SentencePiece unigram T5 tokenizer on ``texts`` (SMILES and descriptions alike).

    ``vocab_size`` is the size of the final tokenizer, ``len(tokenizer)``, i.e. the model's embedding rows:
    SentencePiece learns ``vocab_size - 100`` pieces (specials and 256 byte pieces included) and the 100
    sentinels follow. When the corpus is too small to support that many pieces SentencePiece stops early;
    the smaller tokenizer is returned with a warning, or ``strict_vocab_size=True`` raises ``ValueError``.
    ``max_sentences`` trains on a random sample (``seed``) of that many texts. ``output_dir``, when given,
    receives ``save_pretrained`` files plus ``spiece.model`` (the SentencePiece model, for users of the
    ``sentencepiece`` library; sentinels are not in it, they follow its pieces as in T5) and
    ``tokenizer_training.json`` (corpus size and settings). Extra keyword arguments go to
    ``SentencePieceTrainer.train`` (e.g. ``seed_sentencepiece_size``), except the settings the round trip
    depends on.
    """
    import sentencepiece as spm

    locked = _LOCKED_OPTIONS.intersection(sentencepiece_options)
    if locked:
        raise TypeError(f"train_tokenizer: {', '.join(sorted(locked))} cannot be overridden (the exact round trip "
                        "and the fast-tokenizer conversion depend on them)")
    corpus = [text for text in texts if text]
    if not corpus:
        raise ArgumentError("train_tokenizer: no (non-empty) texts to train on")
    total = len(corpus)
    if max_sentences is not None and total > max_sentences:
        corpus = random.Random(seed).sample(corpus, max_sentences)
    needed = minimum_vocab_size(corpus)
    if vocab_size < needed:
        raise ArgumentError(f"vocabulary size {vocab_size} (--vocab_size / --tokenizer_vocab_size) is too small for "
                            f"this corpus: 3 specials, {NUM_BYTE_PIECES} byte pieces, "
                            f"{needed - 3 - NUM_BYTE_PIECES - NUM_SENTINELS} distinct characters and "
                            f"{NUM_SENTINELS} sentinels already need {needed}")
    if max_piece_length < 1:
        raise ArgumentError(f"max_piece_length must be positive, got {max_piece_length}")
    longest = max(len(text.encode("utf-8")) for text in corpus)
    options: dict[str, Any] = dict(
        model_type="unigram",
        vocab_size=vocab_size - NUM_SENTINELS,
        # Identity normalisation: no NFKC, so case, full-width characters, "℃", ligatures etc. are kept
        # exactly as written (the model must reproduce them, and SMILES are case-sensitive).
        normalization_rule_name="identity",
        # Keep every space (leading, trailing, repeated); only " " becomes "▁".
        remove_extra_whitespaces=False,
        # No invented "▁" at the start of a text: decoding never strips a leading space, so leading spaces
        # round-trip, and a SMILES's first piece is the same piece as inside the string (no "▁CC(" twins).
        add_dummy_prefix=False,
        # Every character of the corpus gets a piece; anything else falls back to its UTF-8 bytes.
        character_coverage=1.0,
        byte_fallback=True,
        required_chars=REQUIRED_CHARS,
        # Digits are single pieces: SMILES ring-closure digits ("C1CC2...") are separate symbols, and
        # numbers in descriptions ("17", "2S") stay compositional.
        split_digits=True,
        split_by_number=True,
        # Pieces never cross a space: the fast tokenizer's Metaspace(split=True) pre-tokenizer mirrors this.
        split_by_whitespace=True,
        # SMILES mix Latin letters with "( ) = [ ] @ / \\ #" (Unicode script "Common"). By default pieces may
        # join them ("C(=O)O", "[C@@H](": fewer tokens); split_by_unicode_script=True (fine-tuning's
        # --tokenizer_split_by_script) cuts a SMILES between letters and symbols (the demo's: 19 tokens, not 11).
        # Pieces then never cross a script boundary, so the fast tokenizer's Viterbi segments as SentencePiece does.
        split_by_unicode_script=False,
        # Long enough for "[C@@H](", "C(=O)O", "▁hydroxymethyl"; longer pieces cost vocabulary for little gain.
        max_sentencepiece_length=max_piece_length,
        # SentencePiece silently drops longer sentences (default 4,192 bytes): keep every text.
        max_sentence_length=max(4192, longest + 1),
        pad_id=PAD_ID, eos_id=EOS_ID, unk_id=UNK_ID, bos_id=-1,
        pad_piece=PAD_TOKEN, eos_piece=EOS_TOKEN, unk_piece=UNK_TOKEN,
        # A soft limit: a corpus too small for vocab_size gives a smaller vocabulary (checked below).
        hard_vocab_limit=False,
        input_sentence_size=0,  # sampling is done above, reproducibly
        shuffle_input_sentence=False,
        num_threads=num_threads or min(os.cpu_count() or 1, 16),
        minloglevel=0 if logger.isEnabledFor(logging.DEBUG) else 2,
    )
    options.update(sentencepiece_options)
    started = time.perf_counter()
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_writer=model, **options)
    except RuntimeError as err:
        raise ArgumentError(f"SentencePiece training failed on {len(corpus):,} texts: {err}") from err
    proto = model.getvalue()
    tokenizer = tokenizer_from_sentencepiece(proto)
    learned = len(tokenizer)
    if learned < vocab_size:
        message = (f"the corpus ({len(corpus):,} texts) supports only {learned - NUM_SENTINELS} SentencePiece pieces: "
                   f"the tokenizer has {learned} tokens, not vocab_size={vocab_size}")
        if strict_vocab_size:
            raise ArgumentError(message + "; lower vocab_size or add text")
        logger.warning("%s", message)
    logger.info("trained a %d-token SentencePiece unigram tokenizer on %d texts in %.1f s", learned, len(corpus),
                time.perf_counter() - started)
    if output_dir is not None:
        info = dict(vocab_size=learned, requested_vocab_size=vocab_size, texts=len(corpus), texts_available=total,
                    seed=seed, max_sentences=max_sentences,
                    sentencepiece_options={k: v for k, v in options.items() if k not in ("num_threads", "minloglevel")})
        save_tokenizer(tokenizer, output_dir, sentencepiece_model=proto, training_info=info)
    return tokenizer


def tokenizer_from_sentencepiece(model_proto: bytes) -> PreTrainedTokenizerFast:
    """Convert a SentencePiece unigram model trained by :func:`train_tokenizer` into a fast T5 tokenizer.

    The ``tokenizers`` pipeline mirrors the SentencePiece settings: no normaliser (identity), a Metaspace
    pre-tokenizer that turns " " into "▁" and splits before each "▁" without prepending one, a Unigram model
    with byte fallback over the same pieces and scores, a decoder that maps "▁" back to " " and bytes back to
    characters without stripping anything, and a post-processor that appends ``</s>``. The 100 sentinels are
    added after the pieces in T5's order (``<extra_id_99>`` first, ``<extra_id_0>`` last).
    """
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_proto)
    spec, norm = proto.trainer_spec, proto.normalizer_spec
    if spec.model_type != sentencepiece_model_pb2.TrainerSpec.UNIGRAM or not spec.byte_fallback \
            or norm.add_dummy_prefix or norm.remove_extra_whitespaces or norm.precompiled_charsmap \
            or (spec.pad_id, spec.eos_id, spec.unk_id) != (PAD_ID, EOS_ID, UNK_ID):
        raise ValueError("tokenizer_from_sentencepiece converts only unigram models trained by train_tokenizer "
                         "(identity normalisation, no dummy prefix, byte fallback, pad/eos/unk = 0/1/2)")
    normal = sentencepiece_model_pb2.ModelProto.SentencePiece.NORMAL
    learned_scores = [piece.score for piece in proto.pieces if piece.type == normal]
    reserved_score = min(learned_scores, default=0.0) - _RESERVED_PIECE_PENALTY
    vocab = [(piece.piece, piece.score if piece.type == normal else reserved_score) for piece in proto.pieces]

    backend = Tokenizer(models.Unigram(vocab, unk_id=UNK_ID, byte_fallback=True))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SPACE_MARKER, prepend_scheme="never", split=True)
    backend.decoder = decoders.Sequence([decoders.Replace(SPACE_MARKER, " "), decoders.ByteFallback(),
                                         decoders.Fuse()])
    backend.post_processor = processors.TemplateProcessing(
        single=f"$A {EOS_TOKEN}", pair=f"$A {EOS_TOKEN} $B {EOS_TOKEN}", special_tokens=[(EOS_TOKEN, EOS_ID)])
    sentinels = [sentinel_token(i) for i in range(NUM_SENTINELS)]
    backend.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in reversed(sentinels)])

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token=EOS_TOKEN, pad_token=PAD_TOKEN, unk_token=UNK_TOKEN,
        extra_special_tokens=sentinels, clean_up_tokenization_spaces=False)
    ids = tokenizer.convert_tokens_to_ids([PAD_TOKEN, EOS_TOKEN, UNK_TOKEN, sentinels[-1], sentinels[0]])
    expected = [PAD_ID, EOS_ID, UNK_ID, len(proto.pieces), len(proto.pieces) + NUM_SENTINELS - 1]
    if ids != expected or len(tokenizer) != len(proto.pieces) + NUM_SENTINELS:
        raise RuntimeError(f"special token ids {ids} (size {len(tokenizer)}) differ from the T5 layout {expected}")
    return tokenizer


def save_tokenizer(tokenizer: PreTrainedTokenizerBase, output_dir: str | os.PathLike, *,
                   sentencepiece_model: bytes | None = None, training_info: dict | None = None) -> Path:
    """``save_pretrained`` plus, when given, ``spiece.model`` and ``tokenizer_training.json``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(output_dir))
    if sentencepiece_model is not None:
        (output_dir / SPIECE_FILE).write_bytes(sentencepiece_model)
    if training_info is not None:
        (output_dir / TRAINING_INFO_FILE).write_text(json.dumps(training_info, indent=2, sort_keys=True) + "\n",
                                                     encoding="utf-8")
    return output_dir


# -------------------------------------------------------------------------------------------------- checking


def round_trip_failures(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], *,
                        batch_size: int = 1024) -> list[int]:
    """Indices of ``texts`` for which ``decode(encode(text), skip_special_tokens=True) != text``."""
    failures = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start:start + batch_size])
        ids = tokenizer(batch)["input_ids"]
        decoded = tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        failures.extend(start + i for i, (text, back) in enumerate(zip(batch, decoded)) if text != back)
    return failures


def count_tokens(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], *,
                 add_special_tokens: bool = False) -> list[int]:
    """Tokens per text (without the appended ``</s>`` unless ``add_special_tokens``)."""
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=add_special_tokens)["input_ids"]]
