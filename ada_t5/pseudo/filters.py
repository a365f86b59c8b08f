"""Clean an LLM answer and decide whether it is a usable description.

:func:`clean` strips what chat models wrap answers in (a ``Description:`` label, quotes, code fences, line
breaks). :func:`reject_reason` returns why an answer is dropped, or ``None`` to keep it:

* ``empty``: nothing left after cleaning;
* ``refusal``: "I'm sorry", "I cannot", "As an AI ...";
* ``echo_smiles``: the answer is the SMILES, or little besides it;
* ``echo_prompt``: the answer is a copy of part of the prompt (an example's description, or the template's
  own instructions);
* ``truncated``: the backend stopped at its token limit (``finish_reason == "length"``);
* ``too_long``: more than ``max_words`` words or ``max_chars`` characters.

Dropped answers are not thrown away: the runner keeps them, with their reason, in ``<output>.rejected.jsonl``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ada_t5.chem import unescape_backslashes

_LABEL = re.compile(r"^\s*(?:\*\*)?(?:description|caption|answer|output|molecule description)\s*:?(?:\*\*)?\s*:?\s*",
                    re.IGNORECASE)
_FENCE = re.compile(r"^```[a-z]*\s*|\s*```$", re.IGNORECASE)
_REFUSAL = re.compile(
    r"^(?:i'?m sorry|i am sorry|sorry[,.]|i apologi[sz]e|i cannot|i can'?t|i can not|i am unable|i'?m unable|"
    r"i am not able|i'?m not able|unfortunately,? i|as an ai\b)|\bas an ai (?:language )?model\b",
    re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class FilterConfig:
    max_words: int = 300  # ChEBI-20 descriptions: ~50 words on average, a few hundred at most
    max_chars: int = 3000
    min_words: int = 3  # fewer than this, besides the SMILES itself, is an echo


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def clean(text: str | None) -> str:
    """The answer as one paragraph without labels, fences or wrapping quotes."""
    if not text:
        return ""
    text = _FENCE.sub("", text.strip())
    text = _LABEL.sub("", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text


def reject_reason(text: str, smiles: str, *, prompt_parts: Sequence[str] = (), instructions: Sequence[str] = (),
                  finish_reason: str | None = None, config: FilterConfig = FilterConfig()) -> str | None:
    """Why the cleaned answer ``text`` for ``smiles`` is dropped, or ``None`` when it is kept.

    ``prompt_parts``: texts shown in the prompt (examples' descriptions) that must not be copied whole;
    ``instructions``: the template's own sentences (see :meth:`Template.instructions`).
    """
    if not text.strip():
        return "empty"
    if _REFUSAL.search(text[:200]):
        return "refusal"
    rest = text
    for spelling in {smiles, unescape_backslashes(smiles)}:
        rest = rest.replace(spelling, " ")
    if len(_WORD.findall(rest)) < config.min_words:
        return "echo_smiles"
    norm = _normal(text)
    if any(len(p) >= 20 and _normal(p) == norm for p in prompt_parts):
        return "echo_prompt"
    if any(_normal(s) in norm for s in instructions):
        return "echo_prompt"
    if finish_reason == "length":
        return "truncated"
    if len(text) > config.max_chars or len(text.split()) > config.max_words:
        return "too_long"
    return None
