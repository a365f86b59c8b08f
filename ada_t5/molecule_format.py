"""How molecules are written for the model: SMILES (the paper's) or SELFIES (every string decodes to a molecule).

BioT5 showed that a model that writes SELFIES (Krenn et al., 2020) cannot produce an invalid molecule. With
``--molecule_format selfies`` the molecules the model reads (mol2text sources) and writes (text2mol targets)
are SELFIES; everything users see stays SMILES: outputs are decoded back before anything is scored, written
or returned. The tokenizer gets every SELFIES symbol of the training molecules (``[C]``, ``[=Branch1]``,
``[C@@H1]`` ...) as one whole token, so the model never has to spell a symbol out of pieces.

A molecule that SELFIES cannot encode, or that does not decode back to the same molecule (RDKit canonical
SMILES compared), is counted and reported; training rows with such a molecule are left out (see
:func:`convert_pairs`), and a mol2text input that cannot be encoded is given to the model as SMILES.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

MOLECULE_FORMATS = ("smiles", "selfies")


def smiles_to_selfies(smiles: str) -> tuple[str | None, str | None]:
    """``(selfies, None)``, or ``(None, reason)`` when SELFIES cannot encode it or does not round-trip it."""
    import selfies

    from ada_t5.chem import canonical_smiles, quiet_rdkit, unescape_backslashes

    plain = unescape_backslashes(smiles)
    expected = canonical_smiles(plain)
    if expected is None:
        return None, "RDKit cannot parse the SMILES"
    try:
        encoded = selfies.encoder(plain, strict=True)
    except selfies.EncoderError as error:
        return None, f"SELFIES cannot encode it ({str(error).splitlines()[0]})"
    with quiet_rdkit():
        back = canonical_smiles(selfies_to_smiles(encoded))
    if back != expected:
        return None, "decodes to a different molecule"
    return encoded, None


def selfies_to_smiles(text: str) -> str:
    """The SMILES of a SELFIES string (RDKit canonical when it parses); '' when it cannot be decoded at all."""
    import selfies

    from ada_t5.chem import canonical_smiles

    try:
        decoded = selfies.decoder(text.replace(" ", ""))
    except (selfies.DecoderError, ValueError, KeyError, IndexError):
        return ""
    return canonical_smiles(decoded) or decoded or ""


def selfies_symbols(strings: Iterable[str]) -> list[str]:
    """Every distinct SELFIES symbol of ``strings``, sorted."""
    import selfies

    symbols: set[str] = set()
    for text in strings:
        symbols.update(selfies.split_selfies(text))
    return sorted(symbols)


def add_selfies_symbols(tokenizer, strings: Iterable[str]) -> int:
    """Give every SELFIES symbol of ``strings`` its own whole token; returns how many were new."""
    from tokenizers import AddedToken

    vocab = tokenizer.get_vocab()
    new = [s for s in selfies_symbols(strings) if s not in vocab]
    return tokenizer.add_tokens([AddedToken(s, normalized=False, single_word=False) for s in new])


@dataclass
class ConversionReport:
    converted: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, smiles, reason)

    def summary(self, what: str) -> str:
        reasons: dict[str, int] = {}
        for _, _, reason in self.failed:
            key = reason.split(" (")[0]
            reasons[key] = reasons.get(key, 0) + 1
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        return f"{what}: {self.converted:,} molecules as SELFIES, {len(self.failed):,} not ({detail or 'none'})"


def convert_smiles(smiles: Sequence[str]) -> tuple[list[str | None], ConversionReport]:
    report = ConversionReport()
    out: list[str | None] = []
    for i, text in enumerate(smiles):
        encoded, reason = smiles_to_selfies(text)
        out.append(encoded)
        if encoded is None:
            report.failed.append((i, text, reason or ""))
        else:
            report.converted += 1
    return out, report


def convert_pairs(dataset, what: str):
    """A pair dataset with its ``smiles`` column in SELFIES; rows SELFIES cannot hold are left out, and said so."""
    converted, report = convert_smiles(list(dataset["smiles"]))
    keep = [i for i, value in enumerate(converted) if value is not None]
    if report.failed:
        logger.warning("%s; those rows are left out (first: %s)", report.summary(what),
                       "; ".join(f"row {i} {s!r}: {r}" for i, s, r in report.failed[:3]))
    dataset = dataset.select(keep) if len(keep) < len(converted) else dataset
    values = [converted[i] for i in keep]
    return dataset.remove_columns("smiles").add_column("smiles", values), report


def selfies_token_ids(tokenizer) -> tuple[int, ...]:
    """The ids of the tokenizer's whole SELFIES-symbol tokens: what a SELFIES text2mol model may write."""
    import re

    symbol = re.compile(r"^(\[[^\[\]\s]+\]|\.)$")  # "." joins the fragments of a salt or mixture
    return tuple(sorted(i for token, i in tokenizer.get_vocab().items() if symbol.match(token)))


def constrain_to_selfies(settings, tokenizer, task_name: str, molecule_format: str):
    """``settings`` that let a SELFIES text2mol model write SELFIES symbols only (others unchanged)."""
    import dataclasses

    if molecule_format != "selfies" or task_name != "text2mol" or settings.allowed_token_ids is not None:
        return settings
    return dataclasses.replace(settings, allowed_token_ids=selfies_token_ids(tokenizer))


def to_model_format(sources: list[str], task_name: str, molecule_format: str) -> tuple[list[str], list[str]]:
    """mol2text sources in the checkpoint's molecule format; notes say what could not be converted."""
    if molecule_format != "selfies" or task_name != "mol2text":
        return sources, []
    converted, report = convert_smiles(sources)
    notes = []
    if report.failed:
        notes.append(report.summary("inputs") + "; those inputs were given to the model as SMILES")
    return [c if c is not None else s for c, s in zip(converted, sources)], notes


def from_model_format(candidates: list[list[str]], task_name: str, molecule_format: str) -> list[list[str]]:
    """text2mol outputs back in SMILES (RDKit canonical) before anything is scored, written or returned."""
    if molecule_format != "selfies" or task_name != "text2mol":
        return candidates
    return [[selfies_to_smiles(text) for text in texts] for texts in candidates]
