"""Load a checkpoint's tokenizer and check that T5 can use it.

:func:`load_tokenizer` takes a Hub id or a local folder through ``AutoTokenizer`` and checks it for a real
vocabulary (and eos / pad / optionally the T5 sentinels), with errors that say what is wrong and where; an
uncached Hub id fails fast when the Hub is offline or unreachable. Training a tokenizer is
:mod:`ada_t5.tokenizer_training`'s job. Code elsewhere looks sentinels up by token
(``convert_tokens_to_ids(sentinel_token(0))``), never by id.

Nothing heavy is imported at module import time: ``transformers`` loads inside the functions that need it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ada_t5.errors import AdaT5Error
from ada_t5.hub import hub_unavailable_reason, looks_like_hub_id

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerBase

SPIECE_FILE = "spiece.model"  # the SentencePiece model a T5 tokenizer folder may hold
# Files whose presence marks a folder as holding a tokenizer (any Hugging Face family).
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", SPIECE_FILE, "tokenizer.model", "vocab.json",
                    "vocab.txt", "sentencepiece.bpe.model", "spm.model", "merges.txt")


class TokenizerLoadError(AdaT5Error, OSError):
    """A tokenizer could not be loaded, or what was loaded is unusable (empty vocabulary, no eos/pad ...)."""


def sentinel_token(index: int) -> str:
    """The T5 sentinel token for span ``index`` (``<extra_id_0>`` ... ``<extra_id_99>``)."""
    return f"<extra_id_{index}>"


def load_tokenizer(name_or_path: str | os.PathLike, *, require_sentinels: bool = False, min_vocab_size: int = 100,
                   hub_probe_timeout: float = 3.0, **kwargs: Any) -> PreTrainedTokenizerBase:
    """A checkpoint's tokenizer from a local folder or a Hub id, validated.

    ``require_sentinels`` additionally demands the T5 sentinel ``<extra_id_0>`` (span-corruption
    pre-training needs it; fine-tuning does not). ``kwargs`` go to ``AutoTokenizer.from_pretrained``.
    A Hub id that is not cached fails at once with :class:`TokenizerLoadError` when ``HF_HUB_OFFLINE`` is
    set or the Hub cannot be reached within ``hub_probe_timeout`` seconds (instead of a minute of retries).
    """
    from transformers import AutoTokenizer

    name = os.fspath(name_or_path)
    path = Path(name).expanduser()
    if path.exists():
        _check_tokenizer_folder(path)
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), **kwargs)
        except Exception as err:  # transformers raises OSError/ValueError/KeyError/... here
            raise TokenizerLoadError(f"cannot load a tokenizer from folder {str(path)!r}: "
                                     f"{type(err).__name__}: {err}") from err
    elif not looks_like_hub_id(name):
        raise TokenizerLoadError(f"tokenizer folder {name!r} does not exist (resolved to {str(path.absolute())!r})")
    else:
        tokenizer = _load_from_hub(name, hub_probe_timeout=hub_probe_timeout, **kwargs)
    validate_tokenizer(tokenizer, source=name, require_sentinels=require_sentinels, min_vocab_size=min_vocab_size)
    return tokenizer


def validate_tokenizer(tokenizer: PreTrainedTokenizerBase, *, source: str = "tokenizer",
                       require_sentinels: bool = False, min_vocab_size: int = 100) -> None:
    """Raise :class:`TokenizerLoadError` listing every problem that makes ``tokenizer`` unusable for T5."""
    problems = []
    size = len(tokenizer)
    if size <= min_vocab_size:
        problems.append(f"only {size} tokens (expected more than {min_vocab_size}; an empty or placeholder "
                        "vocabulary, as an offline Hub load can silently produce)")
    vocab = tokenizer.get_vocab()
    for role in ("eos", "pad"):
        token = getattr(tokenizer, f"{role}_token", None)
        if token is None:
            problems.append(f"no {role} token")
        elif str(token) not in vocab:
            problems.append(f"{role} token {str(token)!r} is not in the vocabulary")
    if require_sentinels and sentinel_token(0) not in vocab:
        problems.append(f"no T5 sentinel {sentinel_token(0)} (needed for span-corruption pre-training)")
    if problems:
        raise TokenizerLoadError(f"{source!r}: unusable tokenizer: " + "; ".join(problems))


def _check_tokenizer_folder(path: Path) -> None:
    if not path.is_dir():
        raise TokenizerLoadError(f"{str(path)!r} is a file; pass the folder that holds the tokenizer files "
                                 f"(tokenizer.json, tokenizer_config.json ...)")
    present = sorted(p.name for p in path.iterdir())
    if not any(name in present for name in _TOKENIZER_FILES):
        found = ", ".join(present[:10]) + (" ..." if len(present) > 10 else "") if present else "nothing"
        raise TokenizerLoadError(f"folder {str(path)!r} holds no tokenizer files (looked for "
                                 f"{', '.join(_TOKENIZER_FILES)}; found {found})")


def _load_from_hub(name: str, *, hub_probe_timeout: float, **kwargs: Any) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    why = hub_unavailable_reason(hub_probe_timeout)
    if why is None:
        local_only, why = bool(kwargs.get("local_files_only")), "local_files_only=True was passed"
    else:
        local_only = True
    kwargs = {**kwargs, "local_files_only": local_only}
    try:
        return AutoTokenizer.from_pretrained(name, **kwargs)
    except Exception as err:  # any failure: one message that says what to do
        if local_only:
            raise TokenizerLoadError(
                f"tokenizer {name!r} is not in the local Hugging Face cache and {why}; pass a local folder "
                f"(a saved tokenizer or checkpoint), or download it on a connected machine "
                f"(`hf download {name}`) [{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}]"
            ) from err
        raise TokenizerLoadError(f"cannot load tokenizer {name!r} from the Hub: {type(err).__name__}: {err}") from err
