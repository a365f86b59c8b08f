"""Prompts in the paper's style: a role, the task, the retrieved examples (SMILES + description), output rules.

A :class:`Template` has three format strings: ``system`` (the role), ``user`` (task, ``{examples}``, the
query ``{smiles}``, output rules) and ``example`` (one retrieved example: ``{index}``, ``{smiles}``,
``{description}``, ``{similarity}``). Only these ``{names}`` are substituted, so any other braces in a template
are kept as written. A template file overrides the default: ``.yaml``/``.yml`` with any of the keys
``system``, ``user``, ``example``; any other file is the ``user`` text alone. :attr:`Template.hash` (12 hex
characters of the SHA-256 of the three strings) goes into every output line's provenance.

MolT5's doubled backslashes are undone in the SMILES shown to the model (an LLM has never seen them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ada_t5.chem import unescape_backslashes

DEFAULT_SYSTEM = (
    "You are an expert chemist. You write accurate, concise descriptions of molecules in the style of the ChEBI "
    "database, based on their structure."
)

DEFAULT_USER = """\
Task: given the SMILES of a molecule, write its description. A description says what class of compound the \
molecule is and which structure it derives from, its notable functional groups and substituents, and, where \
they can be inferred, its roles (for example a metabolite or a drug) and its relations to conjugate acids or \
bases, tautomers and enantiomers.

Here are {k} molecules similar to the one you will describe, with their real descriptions:

{examples}
Now describe this molecule:
SMILES: {smiles}

Rules: answer with the description only, in English, as one paragraph that starts with "The molecule is". \
Do not repeat the SMILES, do not explain your reasoning, and do not copy an example's description."""

DEFAULT_EXAMPLE = "Example {index}:\nSMILES: {smiles}\nDescription: {description}\n"

_KEYS = ("system", "user", "example")
_PLACEHOLDER = re.compile(r"\{(k|examples|smiles|index|description|similarity)\}")


@dataclass(frozen=True)
class Example:
    id: str
    smiles: str
    description: str
    similarity: float


@dataclass(frozen=True)
class Template:
    system: str = DEFAULT_SYSTEM
    user: str = DEFAULT_USER
    example: str = DEFAULT_EXAMPLE

    def __post_init__(self):
        if "{smiles}" not in self.user:
            raise ValueError("a prompt template's user text must contain {smiles} (where the molecule goes)")

    @property
    def hash(self) -> str:
        payload = json.dumps([self.system, self.user, self.example], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    def render(self, smiles: str, examples: Sequence[Example]) -> list[dict[str, str]]:
        """Chat messages (``system`` omitted when empty) for one molecule and its retrieved examples."""
        shown = "".join(_fill(self.example, index=str(i), smiles=unescape_backslashes(e.smiles),
                              description=e.description.strip(), similarity=f"{e.similarity:.2f}") + "\n"
                        for i, e in enumerate(examples, 1))
        user = _fill(self.user, k=str(len(examples)), examples=shown, smiles=unescape_backslashes(smiles))
        messages = [{"role": "system", "content": self.system}] if self.system.strip() else []
        return messages + [{"role": "user", "content": user}]

    def instructions(self) -> list[str]:
        """The template's own sentences of 40+ characters (no examples, no molecule): an answer that
        repeats one of them is echoing the prompt."""
        text = _fill(self.system + "\n" + self.user, k="", examples="", smiles="")
        parts = re.split(r"(?<=[.:!?])\s+|\n+", text)
        return [p.strip() for p in parts if len(p.strip()) >= 40]


def _fill(text: str, **values: str) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def load_template(path: str | os.PathLike | None) -> Template:
    """The default template, or one read from ``path`` (see the module docstring)."""
    if path is None:
        return Template()
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a template YAML must be a mapping with keys {', '.join(_KEYS)}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ValueError(f"{path}: unknown template key(s) {', '.join(unknown)} (allowed: {', '.join(_KEYS)})")
        try:
            return Template(**{k: str(v) for k, v in data.items()})
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
    try:
        return Template(user=text)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def messages_text(messages: Sequence[dict[str, str]]) -> str:
    """All message contents, for the echo filter and for plain-text (template-less) local models."""
    return "\n\n".join(m["content"] for m in messages)
