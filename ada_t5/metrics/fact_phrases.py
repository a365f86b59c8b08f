"""What the caption fact check (:mod:`ada_t5.metrics.facts`) reads in a caption: regular expressions over
plain English for each kind of fact, the functional-group phrases with the SMARTS that verify them, and the
sentence parts that state nothing about the molecule (negations, relations to another molecule)."""

from __future__ import annotations

import re
from functools import lru_cache

NUMBER_WORDS = {"a": None, "an": None, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
NUMBER = r"(?P<n>\d+|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
RELATION = re.compile(
    r"\b(?:conjugate (?:acid|base) of|functionally related to|derives? from|derived from|tautomer of|enantiomer of|"
    r"stereoisomer of|isomer of|obtained by|formal condensation|resulting from|arising from|precursor of|"
    r"metabolite of|(?:de)?protonation of|in which|substituted (?:by|at|with)|group of the)\b[^.]*",
    re.IGNORECASE)
NEGATION = re.compile(r"\b(?:no|without|not|non|lacks?|none)\b[\w\s,-]{0,30}$", re.IGNORECASE)


# (caption phrase, SMARTS, minimum matches) most specific first: a span read by one entry is not read again.
GROUPS: tuple[tuple[str, str], ...] = (
    (r"alpha-amino acid(?: groups?)?", "[CX3](=O)([OX2H1,OX1-])[CX4][NX3,NX4+]"),
    (r"(?:aromatic|aryl) carboxylic acid(?: groups?)?", "[CX3](=O)([OX2H1,OX1-])c"),
    (r"aliphatic carboxylic acid(?: groups?)?", "[CX3](=O)([OX2H1,OX1-])[C,N,O,S;!a]"),
    ((r"carboxylic acid(?: group)?s?(?! (?:mono|di)?(?:amide|ester|anhydride|hydrazide|halide|chloride|imide))|"
      r"carboxy groups?"), "[CX3](=O)[OX2H1,OX1-]"),
    (r"carboxylates?(?: groups?)?", "[CX3](=O)[OX1-]"),
    (r"primary alcohols?", "[OX2H][CX4H2,CX4H3]"),
    (r"secondary alcohols?", "[OX2H][CX4H1](*)*"),
    (r"tertiary alcohols?", "[OX2H][CX4H0](*)(*)*"),
    (r"phenolic hydroxy groups?|phenols?", "[OX2H]c"),
    (r"alcohols?", "[OX2H][CX4]"),
    (r"(?:aliphatic )?hydroxy groups?|hydroxyl groups?", "[OX2H][#6;!$([#6]=O)]"),
    (r"(?:primary|secondary|tertiary) amides?|carboxamides?(?: groups?)?|amide groups?|amides?|lactams?",
     "[CX3](=O)[NX3]"),
    (r"quaternary ammonium(?: group)?s?", "[NX4+]([#6])([#6])([#6])[#6]"),
    (r"primary (?:aromatic |aliphatic )?amines?|primary amino groups?", "[NX3;H2;!$(N[C,S,P]=[O,S,N])][#6]"),
    (r"secondary (?:aromatic |aliphatic )?amines?|secondary amino (?:groups?|compounds?)",
     "[NX3;H1;!$(N[C,S,P]=[O,S,N]);!a]([#6])[#6]"),
    (r"tertiary (?:aromatic |aliphatic )?amines?|tertiary amino (?:groups?|compounds?)",
     "[NX3;H0;!$(N[C,S,P]=[O,S,N]);!a]([#6])([#6])[#6]"),
    (r"(?:aromatic |aliphatic |cyclic )?amines?|amino groups?", "[NX3,NX4+;!$(N[C,S,P]=[O,S,N]);!a;!$(N~[O,N])][#6]"),
    (r"methyl esters?(?: groups?)?", "[CX3](=O)[OX2][CH3]"),
    (r"lactones?", "[CX3;R](=O)[OX2;R][#6]"),
    (r"carboxylic esters?", "[CX3;$([CX3][#6]),$([CX3H1])](=O)[OX2][#6;!$([#6]=O)]"),
    (r"esters?(?: groups?)?",  # carboxylic, carbonic, phosphoric, sulfonic, nitric, thiocarbamic O-esters
     ("[$([CX3](=[O,S])[OX2][#6;!$([#6]=O)]),$([PX4](=[O,S])[OX2][#6]),$([SX4](=O)(=O)[OX2][#6]),"
      "$([NX3+](=O)([O-])[OX2][#6])]")),
    (r"aldehydes?(?: groups?)?", "[CX3H1](=O)"),
    (r"(?:aryl |cyclic )?ketones?(?: groups?)?", "[CX3](=O)([#6])[#6]"),
    (r"(?:aromatic )?nitro groups?|nitro compounds?", "[$([NX3+](=O)[O-]),$([NX3](=O)=O)]"),
    (r"nitriles?(?: groups?)?", "[CX2]#[NX1]"),
    (r"aromatic methoxy groups?", "[OX2]([CH3])c"),
    (r"methoxy groups?", "[OX2;!$(O[C,S,P]=O)]([CH3])[#6]"),
    (r"epoxides?", "C1OC1"),
    (r"aryl ethers?", "[OX2;!$(O[C,S,P]=O)](c)[#6]"),
    (r"cyclic ethers?", "[OX2;R;!$(O[C,S,P]=O)]([#6])[#6]"),
    (r"ethers?(?: linkages?| groups?)?", "[OX2;!$(O[C,S,P]=[O,S,N])]([#6])[#6]"),
    (r"thiols?(?: groups?)?", "[SX2H]"),
    (r"disulfides?(?: bridges?| bonds?)?", "[SX2][SX2]"),
    (r"thioethers?(?: \(sulfide\))?(?: linkages?)?|sulfides?", "[SX2]([#6])[#6]"),
    (r"sulfonamides?(?: groups?)?", "[SX4](=O)(=O)[NX3]"),
    (r"sulfonic acids?(?: groups?)?", "[SX4](=O)(=O)[OX2H1,OX1-]"),
    (r"sulfones?(?: groups?)?", "[SX4](=O)(=O)([#6])[#6]"),
    (r"sulfoxides?(?: groups?)?", "[SX3](=O)([#6])[#6]"),
    (r"phosphates?(?: groups?)?", "P(=O)([OX2,OX1-])([OX2,OX1-])[OX2,OX1-]"),
    (r"ureas?(?: groups?)?", "[CX3](=O)([NX3])[NX3]"),
    (r"carbamates?(?: groups?)?", "[CX3](=O)([NX3])[OX2]"),
    (r"guanidines?(?: groups?)?", "[CX3](=[NX2,NX3+])([NX3])[NX3]"),
    (r"oximes?(?: groups?)?", "[CX3]=[NX2][OX2]"),
    (r"hydrazones?(?: groups?)?", "[CX3]=[NX2][NX3]"),
    (r"azo groups?", "[NX2](=[NX2][#6])[#6]"),
    (r"imines?(?: groups?)?", "[CX3]=[NX2;!$(N-O)]"),
    (r"terminal alkynes?|carbon-carbon triple bonds?|alkynes?", "C#C"),
    (r"carbon-carbon double bonds?|alkenes?|olefins?", "C=C"),
)
# "two ester groups" beside two carbonates: carboxylic esters only in one reading, every ester in the other
COUNT_ALSO = {r"esters?(?: groups?)?": "[CX3;$([CX3][#6]),$([CX3H1])](=O)[OX2][#6;!$([#6]=O)]"}
HALOGENS = {"F": r"fluor", "Cl": r"chlor", "Br": r"brom", "I": r"iod"}
HALOGEN = re.compile(r"(?<![a-z])(?:organo)?(?P<stem>fluor|chlor|brom|iod)(?:o|ide|ine|inated)\b", re.IGNORECASE)
CARBOXYLIC_COUNT = re.compile(r"\b(?P<prefix>mono|di|tri|tetra)carboxylic acids?"
                               r"(?! (?:mono|di)?(?:amide|ester|anhydride|hydrazide|halide|chloride|imide))",
                               re.IGNORECASE)


@lru_cache(maxsize=1)
def group_patterns():
    from rdkit import Chem

    compiled = []
    for phrase, smarts in GROUPS:
        pattern = Chem.MolFromSmarts(smarts)
        if pattern is None:  # a typo in the table above is a programming error, found by the tests
            raise ValueError(f"bad SMARTS for {phrase!r}: {smarts}")
        compiled.append((re.compile(rf"(?<![\w-])(?:{NUMBER}\s+)?(?P<g>{phrase})(?![\w-])", re.IGNORECASE), pattern,
                         COUNT_ALSO.get(phrase)))
    return compiled


@lru_cache(maxsize=1)
def ring_pattern():
    from ada_t5.describe import ring_vocabulary

    names = sorted(ring_vocabulary(), key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?:\b{NUMBER}\s+)?(?<![\w-])(?P<name>{alternatives})s?(?![\w])", re.IGNORECASE)


FORMULA = re.compile(r"(?<![\w-])(?P<f>(?:[A-Z][a-z]?\d*){2,}(?:[+-]\d*)?)(?![\w])")
RING_COUNT = re.compile(rf"\b{NUMBER}\s+(?P<kind>aromatic |non-aromatic |)rings?\b", re.IGNORECASE)
ACYCLIC = re.compile(r"\b(?:acyclic|no rings?|without rings?|open-chain)\b", re.IGNORECASE)
NET_CHARGE = re.compile(r"\bnet charge (?:of )?\(?(?P<q>[+\-−–]?\d+)", re.IGNORECASE)
ION = re.compile(r"\b(?P<ion>(?:mono|di|tri|poly)?(?:cation|anion)|zwitterion)(?:ic)?s?\b", re.IGNORECASE)
STEREO = re.compile(rf"\b{NUMBER}\s+(?P<what>stereocent(?:re|er)s?|stereogenic double bonds?)"
                    r"(?P<labels>\s*\([^)]*\))?", re.IGNORECASE)
WEIGHT = re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*(?P<unit>g/mol|Da)\b")


def stated_count(word: str | None) -> int | None:
    """The number a caption states ("two", "3"); None for "a" / "an" (presence, no count) or no word."""
    if word is None:
        return None
    word = word.lower()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def negated(text: str, start: int) -> bool:
    """Whether a "no" / "without" / "not" earlier in the sentence negates what starts at ``start``."""
    sentence_start = max(text.rfind(".", 0, start), text.rfind(";", 0, start)) + 1
    return bool(NEGATION.search(text[sentence_start:start]))
