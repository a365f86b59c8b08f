"""Where the metrics' external resources come from: the caption tokenizer, WordNet and the FCD model.

Everything is offline-safe and injectable. A resource the caller named explicitly either loads or raises one
``MetricResourceError`` that says how to get it; only the "auto" settings fall back (and say so in the notes).

Caption tokenizer ("auto"): explicit argument > ``$ADA_T5_TEXT_TOKENIZER`` > the Hub id
``allenai/scibert_scivocab_uncased`` through transformers' ``from_pretrained`` (online, or from the HF cache) >
a simple lower-cased word/punctuation tokenizer whose numbers are NOT comparable with MolT5's.

WordNet (METEOR): explicit ``nltk_data`` > ``$NLTK_DATA`` > NLTK's default paths; each level, when given,
is the only one searched, so a wrong explicit path is reported rather than silently bypassed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ada_t5.metrics.core import MetricResourceError

logger = logging.getLogger(__name__)

SCIBERT_HUB_ID = "allenai/scibert_scivocab_uncased"
SCIBERT_VOCAB_URL = f"https://huggingface.co/{SCIBERT_HUB_ID}/resolve/main/vocab.txt"
SCIBERT_VOCAB_SIZE = 31_090
TEXT_TOKENIZER_ENV = "ADA_T5_TEXT_TOKENIZER"
MAX_TEXT_TOKENS = 512  # MolT5's --text_trunc_length
# MolT5 drops these three from both token lists; [UNK] and [MASK] stay.
DROPPED_TOKENS = frozenset({"[PAD]", "[CLS]", "[SEP]"})
BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SANITY_TEXT = "The molecule is an acid and a conjugate base of water."

HOW_TO_GET_SCIBERT = (f"download {SCIBERT_VOCAB_URL} and pass --text_tokenizer PATH (Python: text_tokenizer=PATH; "
                      f"or set ${TEXT_TOKENIZER_ENV}=PATH)")
HOW_TO_GET_WORDNET = ("get WordNet with `python -m nltk.downloader -d DIR wordnet` (or put wordnet.zip from "
                      "https://github.com/nltk/nltk_data/tree/gh-pages/packages/corpora into DIR/corpora/) and pass "
                      "--nltk_data DIR (Python: nltk_data=DIR; or set NLTK_DATA=DIR), or disable METEOR with "
                      "--no_meteor (meteor=False)")


# --------------------------------------------------------------------------------------------------------------
# caption tokenizer


class TextTokenizer:
    """Turns captions into MolT5's token lists: WordPiece pieces, at most 512, without [PAD]/[CLS]/[SEP]."""

    name: str = ""
    molt5_comparable: bool = True

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[str]]:
        raise NotImplementedError


class WordPieceTextTokenizer(TextTokenizer):
    """A ``tokenizers`` backend (built from a vocab.txt, or taken from a transformers fast tokenizer).

    MolT5 calls ``tokenize(text, truncation=True, max_length=512, padding='max_length')`` without special tokens:
    the first 512 pieces, then [PAD]/[CLS]/[SEP] removed. (transformers 5's ``tokenize`` ignores the truncation
    argument; we keep MolT5's documented 512 limit. Only captions over 512 pieces can differ.)
    """

    def __init__(self, backend: Any, name: str) -> None:
        self.backend = backend
        self.backend.no_padding()
        self.backend.enable_truncation(MAX_TEXT_TOKENS)
        self.name = name

    @property
    def vocab_size(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[str]]:
        unique = list(dict.fromkeys(texts))
        encoded = self.backend.encode_batch(unique, add_special_tokens=False)
        by_text = {text: [t for t in enc.tokens if t not in DROPPED_TOKENS] for text, enc in zip(unique, encoded)}
        return [list(by_text[text]) for text in texts]


class SimpleTextTokenizer(TextTokenizer):
    """Lower-cased words and punctuation: the offline last resort, flagged as not MolT5-comparable."""

    name = "simple lower-cased word/punctuation tokenizer (SciBERT vocab not found)"
    molt5_comparable = False
    _TOKEN_RE = re.compile(r"\w+|[^\w\s]")

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[str]]:
        return [self._TOKEN_RE.findall(text.lower())[:MAX_TEXT_TOKENS] for text in texts]


def build_wordpiece_from_vocab(vocab_path: str | os.PathLike) -> WordPieceTextTokenizer:
    """The uncased BERT pipeline that ``BertTokenizerFast.from_pretrained(folder_with_vocab_txt)`` builds.

    Built directly with ``tokenizers`` (no transformers/torch import); tests/metrics/test_resources.py checks it
    gives the same tokens as transformers on every caption of the MolT5 prediction files.
    """
    from tokenizers import AddedToken, Tokenizer
    from tokenizers.models import WordPiece
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    path = Path(vocab_path)
    vocab: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            vocab.setdefault(line.rstrip("\n"), index)
    if not vocab or "[UNK]" not in vocab:
        raise MetricResourceError(f"{path} is not a WordPiece vocab.txt (no [UNK] entry); {HOW_TO_GET_SCIBERT}")
    backend = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    backend.normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                        lowercase=True)
    backend.pre_tokenizer = BertPreTokenizer()
    backend.add_special_tokens([AddedToken(t, normalized=False, special=True)
                                for t in BERT_SPECIAL_TOKENS if t in vocab])
    tokenizer = WordPieceTextTokenizer(backend, f"WordPiece vocab {path} ({len(vocab):,} entries)")
    _check_tokenizer(tokenizer, str(path), expected_size=len(vocab))
    return tokenizer


def _from_transformers(name_or_path: str, **kwargs: Any) -> WordPieceTextTokenizer:
    from transformers import BertTokenizerFast  # MolT5's class; heavy import, only on this path

    hf_tokenizer = BertTokenizerFast.from_pretrained(name_or_path, **kwargs)
    tokenizer = WordPieceTextTokenizer(hf_tokenizer.backend_tokenizer, f"{name_or_path} (transformers "
                                       f"BertTokenizerFast, {len(hf_tokenizer):,} entries)")
    _check_tokenizer(tokenizer, name_or_path, expected_size=len(hf_tokenizer))
    return tokenizer


def wrap_transformers_tokenizer(hf_tokenizer: Any) -> WordPieceTextTokenizer:
    """Use an already loaded transformers fast tokenizer as the caption tokenizer."""
    backend = getattr(hf_tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise TypeError("text_tokenizer must be a path, a Hub id, 'auto' or a transformers *fast* tokenizer")
    from tokenizers import Tokenizer

    # a private copy: the caller's tokenizer keeps its own truncation/padding settings
    copy = Tokenizer.from_str(backend.to_str())
    name = getattr(hf_tokenizer, "name_or_path", "") or type(hf_tokenizer).__name__
    return WordPieceTextTokenizer(copy, f"{name} (given tokenizer object)")


def _check_tokenizer(tokenizer: WordPieceTextTokenizer, source: str, expected_size: int) -> None:
    # transformers 5 constructors silently ignore a vocab_file and map every word to [UNK]; never score with that
    size = tokenizer.vocab_size
    if size < expected_size or size < 100:
        raise MetricResourceError(f"the tokenizer from {source} has {size} entries, expected {expected_size}; "
                                  f"{HOW_TO_GET_SCIBERT}")
    pieces = tokenizer.tokenize_batch([_SANITY_TEXT])[0]
    if not pieces or pieces.count("[UNK]") > len(pieces) // 2:
        raise MetricResourceError(f"the tokenizer from {source} maps ordinary words to [UNK] ({pieces[:8]}); "
                                  f"{HOW_TO_GET_SCIBERT}")
    if "scibert" in source.lower() and size != SCIBERT_VOCAB_SIZE:
        logger.warning("%s has %d entries; SciBERT scivocab has %d", source, size, SCIBERT_VOCAB_SIZE)


def _via_transformers(name_or_path: str, where: str) -> WordPieceTextTokenizer:
    try:
        return _from_transformers(name_or_path)
    except MetricResourceError:
        raise
    except Exception as error:  # offline, unknown repo, no network, unreadable folder: one message for the user
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise MetricResourceError(f"could not load the tokenizer {name_or_path!r} {where} ({type(error).__name__}: "
                                  f"{detail}); {HOW_TO_GET_SCIBERT}") from error


def _load_explicit(spec: str, origin: str) -> TextTokenizer:
    path = Path(spec).expanduser()
    if path.is_file():
        if path.name == "tokenizer.json":
            from tokenizers import Tokenizer

            tokenizer = WordPieceTextTokenizer(Tokenizer.from_file(str(path)), f"{path}")
            _check_tokenizer(tokenizer, str(path), expected_size=100)
            return tokenizer
        return build_wordpiece_from_vocab(path)
    if path.is_dir():
        if (path / "tokenizer.json").is_file() or (path / "tokenizer_config.json").is_file():
            return _via_transformers(str(path), "from its folder")
        if (path / "vocab.txt").is_file():
            return build_wordpiece_from_vocab(path / "vocab.txt")
        raise MetricResourceError(f"{origin} {spec!r} is a folder without vocab.txt or tokenizer.json; "
                                  f"{HOW_TO_GET_SCIBERT}")
    from ada_t5.hub import looks_like_hub_id

    if not looks_like_hub_id(spec):
        raise MetricResourceError(f"{origin} {spec!r} does not exist; {HOW_TO_GET_SCIBERT}")
    return _via_transformers(spec, "from the Hugging Face Hub or its cache")


def _scibert_from_hub_or_cache() -> TextTokenizer | None:
    """The real ``from_pretrained`` path: the cached copy, else the Hub when it answers (never a hang offline)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    from ada_t5.hub import hub_unavailable_reason

    cached = isinstance(try_to_load_from_cache(SCIBERT_HUB_ID, "vocab.txt"), str)
    why_not = None if cached else hub_unavailable_reason()
    if why_not is not None:
        logger.info("SciBERT vocab not cached and %s", why_not)
        return None
    try:
        return _from_transformers(SCIBERT_HUB_ID, local_files_only=cached)
    except Exception as error:  # noqa: BLE001 - any failure falls back to the next source
        logger.debug("SciBERT from the Hub failed: %s", error)
        return None


_TOKENIZERS: dict[str, TextTokenizer] = {}
_TOKENIZERS_LOCK = threading.Lock()


def load_text_tokenizer(spec: Any = "auto") -> tuple[TextTokenizer, list[str]]:
    """Resolve the caption tokenizer; returns it and the notes to attach to the scores. Loaded once per process."""
    if isinstance(spec, TextTokenizer):
        return spec, [f"text tokenizer: {spec.name}"]
    if spec is not None and not isinstance(spec, (str, os.PathLike)):
        tokenizer = wrap_transformers_tokenizer(spec)
        return tokenizer, [f"text tokenizer: {tokenizer.name}"]
    spec = "auto" if spec is None else os.fspath(spec)
    env = os.environ.get(TEXT_TOKENIZER_ENV, "")
    key = f"{spec}\x00{env}" if spec == "auto" else spec
    with _TOKENIZERS_LOCK:
        tokenizer = _TOKENIZERS.get(key)
        first_use = tokenizer is None
        if first_use:
            tokenizer = _TOKENIZERS[key] = _resolve(spec, env)
    notes = [f"text tokenizer: {tokenizer.name}"]
    if not tokenizer.molt5_comparable:
        message = (f"mol2text BLEU/METEOR were computed with a simple word tokenizer because the SciBERT vocab was "
                   f"not found; these numbers are NOT comparable with MolT5's. To fix: {HOW_TO_GET_SCIBERT}")
        if first_use:  # once per process, not at every validation; the note goes with every result
            logger.warning(message)
        notes.append(message)
    return tokenizer, notes


def _resolve(spec: str, env: str) -> TextTokenizer:
    if spec == "simple":  # asked for explicitly (quick checks, tests); still flagged as not MolT5-comparable
        return SimpleTextTokenizer()
    if spec != "auto":
        return _load_explicit(spec, "text tokenizer")
    if env:
        return _load_explicit(env, f"${TEXT_TOKENIZER_ENV}")
    return _scibert_from_hub_or_cache() or SimpleTextTokenizer()


def clear_tokenizer_cache() -> None:
    with _TOKENIZERS_LOCK:
        _TOKENIZERS.clear()


# --------------------------------------------------------------------------------------------------------------
# WordNet


@dataclass(frozen=True)
class WordNetLocation:
    """An NLTK data folder holding WordNet, as ``corpora/wordnet/`` or ``corpora/wordnet.zip``."""

    nltk_data: str
    zipped: bool

    @property
    def path(self) -> str:
        return os.path.join(self.nltk_data, "corpora", "wordnet.zip" if self.zipped else "wordnet")


def _wordnet_in(folder: str) -> WordNetLocation | None:
    corpora = Path(folder).expanduser() / "corpora"
    if (corpora / "wordnet" / "lexnames").is_file():
        return WordNetLocation(str(corpora.parent), zipped=False)
    if (corpora / "wordnet.zip").is_file():
        return WordNetLocation(str(corpora.parent), zipped=True)
    return None


def wordnet_search_paths(nltk_data: str | os.PathLike | Sequence[str | os.PathLike] | None = None
                         ) -> tuple[list[str], str]:
    """The folders searched for WordNet and where that list came from."""
    if nltk_data is not None:
        folders = [nltk_data] if isinstance(nltk_data, (str, os.PathLike)) else list(nltk_data)
        return [os.fspath(f) for f in folders], "nltk_data"
    env = os.environ.get("NLTK_DATA")
    if env:
        return [p for p in env.split(os.pathsep) if p], "$NLTK_DATA"
    import nltk.data  # only for NLTK's platform-dependent default list (imports nltk, ~1 s)

    return [p for p in nltk.data.path if isinstance(p, str)], "NLTK's default paths"


def find_wordnet(nltk_data: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> WordNetLocation | None:
    folders, _ = wordnet_search_paths(nltk_data)
    for folder in folders:
        location = _wordnet_in(folder)
        if location is not None:
            return location
    return None


def wordnet_missing_message(nltk_data: Any = None) -> str:
    folders, origin = wordnet_search_paths(nltk_data)
    return f"METEOR needs the NLTK WordNet corpus, not found in {origin} ({', '.join(folders) or 'empty'}); " \
           f"{HOW_TO_GET_WORDNET}"


# --------------------------------------------------------------------------------------------------------------
# FCD model


def check_fcd_available(fcd_model: Any = None) -> None:
    """Fail early (before minutes of work) when FCD cannot be computed."""
    if importlib.util.find_spec("fcd") is None:
        raise MetricResourceError("FCD needs the `fcd` package (pip install fcd==1.2.2, which bundles the ChemNet "
                                  "model); or disable FCD with --no_fcd (fcd=False)")
    if isinstance(fcd_model, (str, os.PathLike)) and not Path(fcd_model).expanduser().is_file():
        raise MetricResourceError(f"FCD model {os.fspath(fcd_model)!r} does not exist: pass the path of a ChemNet "
                                  f"checkpoint such as fcd's ChemNet_v0.13_pretrained.pt, or fcd_model=None for the "
                                  f"model bundled with the fcd package, or --no_fcd (fcd=False)")
