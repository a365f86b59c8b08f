"""Prompts in the paper's style: a role, the task, the retrieved examples (SMILES + description), output rules.

A :class:`Template` has three format strings: ``system`` (the role), ``user`` (task, ``{examples}``, the
query ``{smiles}``, output rules) and ``example`` (one retrieved example: ``{index}``, ``{smiles}``,
``{description}``, ``{similarity}``). Any other ``{name}`` is an error when the template is made (a misspelt
``{exmaples}`` would otherwise be sent literally, without the examples); ``{{name}}`` and braces around
anything else (JSON, ``{ }``) are kept as written. A template file overrides the default: ``.yaml``/``.yml``
with any of the keys ``system``, ``user``, ``example``; any other file is the ``user`` text alone.
:attr:`Template.hash` (12 hex characters of the SHA-256 of the three strings) goes into every output line's
provenance.

MolT5's doubled backslashes are undone in the SMILES shown to the model (an LLM has never seen them).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ada_t5.chem import unescape_backslashes
from ada_t5.errors import ArgumentError

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
_ANY_NAME = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")
_PLACEHOLDER = re.compile(r"\{(k|examples|smiles|index|description|similarity)\}")
ALLOWED = {"system": (), "user": ("k", "examples", "smiles"),
           "example": ("index", "smiles", "description", "similarity")}


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
        for key, allowed in ALLOWED.items():
            for name in _ANY_NAME.findall(getattr(self, key)):
                if name not in allowed:
                    close = difflib.get_close_matches(name, allowed, n=1)
                    raise ArgumentError(
                        f"template {key}: unknown placeholder {{{name}}}"
                        + (f" (did you mean {{{close[0]}}}?)" if close else "")
                        + f"; the {key} text may use {', '.join('{' + a + '}' for a in allowed) or 'none'}"
                        f" ({{{{{name}}}}} is kept as written)")
        if "{smiles}" not in self.user:
            raise ArgumentError("a prompt template's user text must contain {smiles} (where the molecule goes)")

    @property
    def shows_examples(self) -> bool:
        """Whether the user text places the retrieved examples (``{examples}``) in the prompt."""
        return "{examples}" in self.user

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

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            raise ArgumentError(f"{where}: not valid YAML: {getattr(err, 'problem', None) or err}") from None
        if not isinstance(data, dict):
            raise ArgumentError(f"{path}: a template YAML must be a mapping with keys {', '.join(_KEYS)}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ArgumentError(f"{path}: unknown template key(s) {', '.join(unknown)} (allowed: {', '.join(_KEYS)})")
        try:
            return Template(**{k: str(v) for k, v in data.items()})
        except ValueError as err:
            raise ArgumentError(f"{path}: {err}") from None
    try:
        return Template(user=text)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def messages_text(messages: Sequence[dict[str, str]]) -> str:
    """All message contents, for the echo filter and for plain-text (template-less) local models."""
    return "\n\n".join(m["content"] for m in messages)
