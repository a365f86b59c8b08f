"""English helpers: articles, plurals, counted nouns ("a ring", "two rings"), lists ("a, b and c"), number
words, ring-size words, element names."""

from __future__ import annotations

import re
from collections.abc import Sequence

_IRREGULAR_PLURALS = {
    "thioether (sulfide) linkage": "thioether (sulfide) linkages",
    "alpha-amino acid group": "alpha-amino acid groups",
}

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve")


def _size_word(size: int) -> str:
    return f"{_NUMBER_WORDS[size] if size < len(_NUMBER_WORDS) else size}-membered"


_ELEMENT_NAMES = {
    "H": "hydrogen", "B": "boron", "C": "carbon", "N": "nitrogen", "O": "oxygen", "F": "fluorine",
    "Na": "sodium", "Mg": "magnesium", "Al": "aluminium", "Si": "silicon", "P": "phosphorus", "S": "sulfur",
    "Cl": "chlorine", "K": "potassium", "Ca": "calcium", "Ti": "titanium", "Cr": "chromium",
    "Mn": "manganese", "Fe": "iron", "Co": "cobalt", "Ni": "nickel", "Cu": "copper", "Zn": "zinc",
    "Ga": "gallium", "Ge": "germanium", "As": "arsenic", "Se": "selenium", "Br": "bromine", "Li": "lithium",
    "Rb": "rubidium", "Sr": "strontium", "Zr": "zirconium", "Mo": "molybdenum", "Ru": "ruthenium",
    "Rh": "rhodium", "Pd": "palladium", "Ag": "silver", "Cd": "cadmium", "In": "indium", "Sn": "tin",
    "Sb": "antimony", "Te": "tellurium", "I": "iodine", "Cs": "caesium", "Ba": "barium", "W": "tungsten",
    "Os": "osmium", "Ir": "iridium", "Pt": "platinum", "Au": "gold", "Hg": "mercury", "Tl": "thallium",
    "Pb": "lead", "Bi": "bismuth", "U": "uranium", "Be": "beryllium", "V": "vanadium", "Gd": "gadolinium",
}


def _element_name(symbol: str) -> str:
    return _ELEMENT_NAMES.get(symbol, symbol)


def _article(phrase: str) -> str:
    word = phrase.split()[0].lower() if phrase else ""
    digits = re.match(r"\d+", word)
    if digits:
        number = digits.group()
        vowel = number.startswith("8") or (number[:2] in ("11", "18") and len(number) in (2, 5))
    elif re.match(r"^[a-z]-", word) or (len(word) == 1 and word.isalpha()):
        vowel = word[0] in "aefhilmnorsx"
    else:
        vowel = word[:1] in ("a", "e", "i", "o", "u") and not word.startswith(("uni", "ure", "uro", "use", "eu", "one"))
    return "an" if vowel else "a"


def _a(phrase: str) -> str:
    return f"{_article(phrase)} {phrase}"


def _plural(noun: str) -> str:
    if noun in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[noun]
    for joint in (" containing ", " of "):
        head, sep, tail = noun.partition(joint)
        if sep:
            return _plural(head) + sep + tail
    head = noun
    if head.endswith(("s", "x", "ch", "sh")):
        return head + "es"
    return head + "s"


def _count(n: int, noun: str, words: bool = False, article: bool = True) -> str:
    """1 -> "a ring" (or "one ring"), 2 -> "2 rings" (or "two rings")."""
    if n == 1:
        return _a(noun) if article else f"one {noun}"
    number = _NUMBER_WORDS[n] if words and n <= 10 else str(n)
    return f"{number} {_plural(noun)}"


def _join(items: Sequence[str], conjunction: str = "and") -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _capped(items: list[str], limit: int, more_noun: str) -> list[str]:
    if len(items) <= limit:
        return items
    rest = len(items) - (limit - 1)
    return items[: limit - 1] + [f"{rest} further {more_noun}"]
