"""Fact check for molecule captions: the facts a caption states that RDKit can verify on the input molecule.

Not a MolT5 metric (MolT5 and the Ada-T5 paper score captions by n-gram overlap only); it is reported beside
them under its own key, ``ada_t5_fact_check``. BLEU rewards "The molecule is an aromatic monocarboxylic acid with
formula C10H10O2" whatever the molecule; this check asks whether it is true of *this* molecule.

What is read from the caption (regular expressions over plain English, so a fact counts only when stated the way
chemists, ChEBI and ada-t5's describer state it) and how it is checked on the input SMILES:

* ``formula``: a molecular formula ("C10H11NO5", "C2H3O2-"): equal element counts and charge to the whole
  molecule or, for salts and mixtures, to one of its components.
* ``ring``: a named ring or ring system ("a pyridine ring", "two benzene rings", "quinolines", "piperazine"):
  the molecule has it (as a ring system, a ring of a fused system, or a non-aromatic ring); a stated number
  ("two", "3"; not "a") must be the count.
* ``ring count``: "three rings", "two aromatic rings", "one non-aromatic ring", "acyclic" / "no rings".
* ``group``: a functional group ("a tertiary alcohol", "an aryl ether", "carboxylic acid group", "nitro group",
  "monocarboxylic acid", halogens as "chloro" / "bromide" / "organofluorine"): a SMARTS match on the molecule;
  "mono/di/tricarboxylic" must be the count. A group named after "no" / "without" is not a statement.
* ``charge``: "net charge of -1", "anion", "dication", "zwitterion": the net charge (or, for salts, a
  component's) has that sign and size.
* ``stereo``: "two stereocentres (configurations R, S)", "one stereogenic double bond (E)": the count of
  tetrahedral stereocentres / stereogenic double bonds RDKit finds, and the CIP labels when listed.
* ``weight``: "a molecular weight of 225.20 g/mol" (within 1%), "monoisotopic mass 225.0637 Da" (within 0.01 Da).

Sentences that speak of *another* molecule ("It is a conjugate base of ...", "It derives from ...", "functionally
related to ...", "tautomer of ...") are skipped from the relation phrase to the end of the sentence.

The score is the precision of stated facts: correct facts / stated facts, pooled over a corpus (a caption
stating nothing checkable contributes nothing; how many do is reported beside it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

KINDS = ("formula", "ring", "ring count", "group", "charge", "stereo", "weight")
_NUMBERS = {"a": None, "an": None, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBER = r"(?P<n>\d+|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_RELATION = re.compile(
    r"\b(?:conjugate (?:acid|base) of|functionally related to|derives? from|derived from|tautomer of|enantiomer of|"
    r"stereoisomer of|isomer of|obtained by|formal condensation|resulting from|arising from|precursor of|"
    r"metabolite of|(?:de)?protonation of|in which|substituted (?:by|at|with)|group of the)\b[^.]*",
    re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|without|not|non|lacks?|none)\b[\w\s,-]{0,30}$", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    kind: str  # one of KINDS
    text: str  # the words of the caption that state it
    start: int  # character span in the caption
    end: int
    correct: bool
    truth: str = ""  # what RDKit says, for a wrong fact

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CaptionCheck:
    facts: list[Fact] = field(default_factory=list)
    error: str | None = None  # the input SMILES could not be read: nothing checked

    @property
    def stated(self) -> int:
        return len(self.facts)

    @property
    def correct(self) -> int:
        return sum(f.correct for f in self.facts)

    @property
    def precision(self) -> float | None:
        return self.correct / self.stated if self.facts else None

    @property
    def wrong(self) -> list[Fact]:
        return [f for f in self.facts if not f.correct]


# --------------------------------------------------------------------------------------------- the molecule side
@dataclass(frozen=True)
class _Truth:
    facts: object  # ada_t5.describe.MoleculeFacts
    mol: object  # RDKit Mol
    fragment_formulas: tuple[tuple[Counter, int], ...]  # (element counts, charge) of the whole, then each component
    fragment_charges: tuple[int, ...]
    ring_names: Counter  # name -> count (systems, single rings of fused systems, non-aromatic rings)
    ring_systems: Counter  # name -> count of whole systems and non-aromatic rings only ("two benzene rings" beside a
    # quinoline counts the quinoline's benzene ring in one reading and not in the other: both are accepted)


@lru_cache(maxsize=4096)
def _truth(smiles: str) -> _Truth | None:
    from rdkit import Chem

    from ada_t5.chem import mol_from_smiles
    from ada_t5.describe import facts as molecule_facts

    try:
        f = molecule_facts(smiles)
    except ValueError:
        return None
    mol = mol_from_smiles(f.smiles)
    if mol is None:
        return None
    formulas = [_parse_formula(f.formula)]
    charges = []
    for fragment in Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False):
        from rdkit.Chem import rdMolDescriptors

        formulas.append(_parse_formula(rdMolDescriptors.CalcMolFormula(fragment)))
        charges.append(Chem.GetFormalCharge(fragment))
    names: Counter = Counter()
    systems: Counter = Counter()
    for system in f.aromatic_systems:
        if system.name:
            names[system.name] += 1
            systems[system.name] += 1
        for base in system.ring_names:  # a fused system's rings are named rings too (indole: pyrrole, benzene)
            if base and base != system.name:
                names[base] += 1
    for ring in f.aliphatic_rings:
        if ring.endswith(" ring"):
            names[ring.removesuffix(" ring")] += 1
            systems[ring.removesuffix(" ring")] += 1
    for counter in (names, systems):  # a purinone is a purine, a benzimidazolone a benzimidazole
        for name, count in list(counter.items()):
            base = _without_oxo(name)
            if base != name:
                counter[base] += count
    return _Truth(f, mol, tuple(x for x in formulas if x is not None), tuple(charges), names, systems)


def _without_oxo(name: str) -> str:
    for suffix in ("polyone", "trione", "dione"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    if name.endswith("one"):
        stem = name.removesuffix("one")
        return stem + ("e" if not stem.endswith("e") else "")
    return name


_ELEMENT = re.compile(r"([A-Z][a-z]?)(\d*)")


@lru_cache(maxsize=1)
def _element_symbols() -> frozenset[str]:
    from rdkit import Chem

    table = Chem.GetPeriodicTable()
    return frozenset(table.GetElementSymbol(z) for z in range(1, 119))


def _parse_formula(text: str) -> tuple[Counter, int] | None:
    """"C2H3O2-" -> (Counter({'C': 2, 'H': 3, 'O': 2}), -1); None when it is not a formula."""
    match = re.fullmatch(r"((?:[A-Z][a-z]?\d*)+)([+-]\d*)?", text)
    if match is None:
        return None
    counts: Counter = Counter()
    for symbol, number in _ELEMENT.findall(match.group(1)):
        if symbol not in _element_symbols():
            return None
        counts[symbol] += int(number) if number else 1
    charge = 0
    if match.group(2):
        sign = 1 if match.group(2)[0] == "+" else -1
        charge = sign * (int(match.group(2)[1:]) if len(match.group(2)) > 1 else 1)
    return counts, charge


# ------------------------------------------------------------------------------------------------- the groups
# (caption phrase, SMARTS, minimum matches) most specific first: a span read by one entry is not read again.
_GROUPS: tuple[tuple[str, str], ...] = (
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
_COUNT_ALSO = {r"esters?(?: groups?)?": "[CX3;$([CX3][#6]),$([CX3H1])](=O)[OX2][#6;!$([#6]=O)]"}
_HALOGENS = {"F": r"fluor", "Cl": r"chlor", "Br": r"brom", "I": r"iod"}
_HALOGEN = re.compile(r"(?<![a-z])(?:organo)?(?P<stem>fluor|chlor|brom|iod)(?:o|ide|ine|inated)\b", re.IGNORECASE)
_CARBOXYLIC_COUNT = re.compile(r"\b(?P<prefix>mono|di|tri|tetra)carboxylic acids?"
                               r"(?! (?:mono|di)?(?:amide|ester|anhydride|hydrazide|halide|chloride|imide))",
                               re.IGNORECASE)


@lru_cache(maxsize=1)
def _group_patterns():
    from rdkit import Chem

    compiled = []
    for phrase, smarts in _GROUPS:
        pattern = Chem.MolFromSmarts(smarts)
        if pattern is None:  # a typo in the table above is a programming error, found by the tests
            raise ValueError(f"bad SMARTS for {phrase!r}: {smarts}")
        compiled.append((re.compile(rf"(?<![\w-])(?:{_NUMBER}\s+)?(?P<g>{phrase})(?![\w-])", re.IGNORECASE), pattern,
                         _COUNT_ALSO.get(phrase)))
    return compiled


@lru_cache(maxsize=1)
def _ring_pattern():
    from ada_t5.describe import ring_vocabulary

    names = sorted(ring_vocabulary(), key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?:\b{_NUMBER}\s+)?(?<![\w-])(?P<name>{alternatives})s?(?![\w])", re.IGNORECASE)


_FORMULA = re.compile(r"(?<![\w-])(?P<f>(?:[A-Z][a-z]?\d*){2,}(?:[+-]\d*)?)(?![\w])")
_RING_COUNT = re.compile(rf"\b{_NUMBER}\s+(?P<kind>aromatic |non-aromatic |)rings?\b", re.IGNORECASE)
_ACYCLIC = re.compile(r"\b(?:acyclic|no rings?|without rings?|open-chain)\b", re.IGNORECASE)
_NET_CHARGE = re.compile(r"\bnet charge (?:of )?\(?(?P<q>[+\-−–]?\d+)", re.IGNORECASE)
_ION = re.compile(r"\b(?P<ion>(?:mono|di|tri|poly)?(?:cation|anion)|zwitterion)(?:ic)?s?\b", re.IGNORECASE)
_STEREO = re.compile(rf"\b{_NUMBER}\s+(?P<what>stereocent(?:re|er)s?|stereogenic double bonds?)"
                     r"(?P<labels>\s*\([^)]*\))?", re.IGNORECASE)
_WEIGHT = re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*(?P<unit>g/mol|Da)\b")


# ------------------------------------------------------------------------------------------------ the checking
def check_caption(caption: str, smiles: str) -> CaptionCheck:
    """The facts ``caption`` states about the molecule ``smiles``, each checked with RDKit."""
    truth = _truth(smiles.strip())
    if truth is None:
        return CaptionCheck(error=f"RDKit cannot read {smiles!r}")
    skipped = [m.span() for m in _RELATION.finditer(caption)]
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in skipped + taken)

    def add(kind: str, match: re.Match, correct: bool, truth_text: str, group: str | int = 0) -> None:
        start, end = match.span(group)
        if not free(start, end):
            return
        taken.append((start, end))
        facts.append(Fact(kind, caption[start:end], start, end, bool(correct), "" if correct else truth_text))

    f = truth.facts
    for match in _FORMULA.finditer(caption):
        parsed = _parse_formula(match.group("f").replace("−", "-"))
        after_formula = caption[max(0, match.start() - 12):match.start()].lower().rstrip(" ,:").endswith("formula")
        if parsed is None or not any(ch.isdigit() for ch in match.group("f")) or not (
                after_formula or re.match(r"C(?:\d|H)", match.group("f"))):
            continue  # "formula X", or a Hill formula with carbon: "DNA", "KC8", "HIV-1", "H37Ra" are names
        add("formula", match, parsed in truth.fragment_formulas, f.formula, "f")
    for match in _STEREO.finditer(caption):
        number = _count(match.group("n"))
        centres = "stereocent" in match.group("what").lower()
        actual = f.stereocentres if centres else f.double_bond_stereo
        correct = number is None or number == len(actual)
        labels = re.findall(r"\b(R|S|E|Z)\b", match.group("labels") or "")
        if labels and correct:
            correct = sorted(labels) == sorted(x for x in actual if x != "?")
        described = ", ".join(actual) if actual else "none"
        add("stereo", match, correct, f"{len(actual)} ({described})")
    for match in _NET_CHARGE.finditer(caption):
        stated = int(match.group("q").replace("−", "-").replace("–", "-"))
        add("charge", match, stated == f.formal_charge, f"net charge {f.formal_charge:+d}")
    for match in _ION.finditer(caption):
        ion = match.group("ion").lower()
        if _negated(caption, match.start()):
            continue
        correct = _ion_is_right(ion, f, truth.fragment_charges)
        add("charge", match, correct, f"net charge {f.formal_charge:+d}" +
            (f", components {', '.join(f'{q:+d}' for q in truth.fragment_charges)}" if len(truth.fragment_charges) > 1
             else "") + (", zwitterion" if f.is_zwitterion else ""))
    for match in _WEIGHT.finditer(caption):
        value = float(match.group("v"))
        if match.group("unit") == "g/mol":
            add("weight", match, abs(value - f.molecular_weight) <= 0.01 * f.molecular_weight,
                f"{f.molecular_weight:.2f} g/mol")
        else:
            add("weight", match, abs(value - f.exact_mass) <= 0.01, f"{f.exact_mass:.4f} Da")
    for match in _CARBOXYLIC_COUNT.finditer(caption):
        stated = {"mono": 1, "di": 2, "tri": 3, "tetra": 4}[match.group("prefix").lower()]
        actual = _matches(truth.mol, "[CX3](=O)[OX2H1,OX1-]")
        add("group", match, stated == actual, f"{actual} carboxylic acid group(s)")
    for match in _ring_pattern().finditer(caption):
        if _negated(caption, match.start()):
            continue
        name = match.group("name").lower()
        number = _count(match.group("n"))
        have = truth.ring_names.get(name, 0)
        correct = have > 0 and (number is None or number in (have, truth.ring_systems.get(name, 0)))
        present = ", ".join(f"{n} {k}" for k, n in sorted(truth.ring_names.items())) or "no named ring"
        add("ring", match, correct, present)
    for match in _RING_COUNT.finditer(caption):
        number = _count(match.group("n"))
        if number is None or caption[max(0, match.start() - 10):match.start()].lower().endswith("system of "):
            continue  # "a ring" states nothing countable; "a fused system of three rings" is not the total
        kind = match.group("kind").strip().lower()
        actual = {"aromatic": f.aromatic_ring_count, "non-aromatic": f.ring_count - f.aromatic_ring_count}.get(
            kind, f.ring_count)
        add("ring count", match, number == actual, f"{f.ring_count} rings, {f.aromatic_ring_count} aromatic")
    for match in _ACYCLIC.finditer(caption):
        add("ring count", match, f.ring_count == 0, f"{f.ring_count} rings")
    for pattern, smarts, narrow in _group_patterns():
        for match in pattern.finditer(caption):
            if _negated(caption, match.start("g")):
                continue
            number = _count(match.group("n"))
            actual = len({m[0] for m in truth.mol.GetSubstructMatches(smarts)})  # one per key atom
            counts = {actual} | ({_matches(truth.mol, narrow)} if narrow else set())
            correct = actual > 0 and (number is None or number in counts)
            add("group", match, correct, f"{actual} found")
    for match in _HALOGEN.finditer(caption):
        stem = match.group("stem").lower()
        element = next(e for e, s in _HALOGENS.items() if s == stem)
        add("group", match, any(a.GetSymbol() == element for a in truth.mol.GetAtoms()),
            f"no {element} atom")
    facts.sort(key=lambda x: x.start)
    return CaptionCheck(facts=facts)


def _count(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBERS.get(word)


def _negated(text: str, start: int) -> bool:
    sentence_start = max(text.rfind(".", 0, start), text.rfind(";", 0, start)) + 1
    return bool(_NEGATION.search(text[sentence_start:start]))


def _matches(mol, smarts: str) -> int:
    from rdkit import Chem

    return len({m[0] for m in mol.GetSubstructMatches(Chem.MolFromSmarts(smarts))})


def _ion_is_right(ion: str, f, fragment_charges: Sequence[int]) -> bool:
    if ion == "zwitterion":
        return f.is_zwitterion or (f.formal_charge == 0 and f.positive_atoms > 0 and f.negative_atoms > 0)
    sign = 1 if ion.endswith("cation") else -1
    size = {"mono": 1, "di": 2, "tri": 3}.get(ion[: -len("cation" if sign > 0 else "anion")])
    charges = [f.formal_charge, *(fragment_charges if len(fragment_charges) > 1 else ())]
    for charge in charges:
        if charge * sign > 0 and (size is None or abs(charge) == size or (ion.startswith("poly") and abs(charge) > 1)):
            return True
    return False


# ------------------------------------------------------------------------------------------------ corpus level
def fact_check(captions: Sequence[str], smiles: Sequence[str]) -> tuple[dict, list[CaptionCheck]]:
    """Check every caption against its molecule; returns the aggregate and one :class:`CaptionCheck` per row.

    Aggregate keys: ``precision`` (correct / stated facts, pooled; None when no caption states a checkable
    fact), ``facts``, ``correct``, ``captions``, ``captions_with_facts``, ``captions_all_correct`` (among those
    with facts), ``unreadable_smiles`` and ``by_kind`` (precision and count per kind of fact).
    """
    if len(captions) != len(smiles):
        raise ValueError(f"{len(captions)} captions but {len(smiles)} SMILES")
    checks = [check_caption(c, s) for c, s in zip(captions, smiles)]
    kinds: dict[str, list[int]] = {}
    for check in checks:
        for fact in check.facts:
            pair = kinds.setdefault(fact.kind, [0, 0])
            pair[0] += fact.correct
            pair[1] += 1
    stated = sum(c.stated for c in checks)
    correct = sum(c.correct for c in checks)
    with_facts = [c for c in checks if c.facts]
    aggregate = {
        "precision": correct / stated if stated else None,
        "facts": stated,
        "correct": correct,
        "captions": len(checks),
        "captions_with_facts": len(with_facts),
        "captions_all_correct": sum(not c.wrong for c in with_facts),
        "unreadable_smiles": sum(c.error is not None for c in checks),
        "by_kind": {k: {"precision": kinds[k][0] / kinds[k][1], "facts": kinds[k][1]}
                    for k in KINDS if k in kinds},
    }
    return aggregate, checks


def order_by_refuted_facts(captions: Sequence[str], smiles: str) -> list[int]:
    """Candidate captions of one molecule, as indices: fewest facts RDKit refutes first, the given (model's) order
    among equals. Choosing the first is fact-checked decoding: what it cannot verify, it does not reward."""
    refuted = [len(check_caption(caption, smiles).wrong) for caption in captions]
    return sorted(range(len(captions)), key=lambda i: (refuted[i], i))


def format_fact_summary(aggregate: dict) -> str:
    """One line: "fact precision 0.953 (1,234 of 1,295 stated facts; formula 0.41, ring 0.99, ...)"."""
    if aggregate.get("precision") is None:
        return "fact precision: no checkable fact stated"
    kinds = ", ".join(f"{k} {v['precision']:.2f}" for k, v in aggregate["by_kind"].items())
    return (f"fact precision {aggregate['precision']:.3f} ({aggregate['correct']:,} of {aggregate['facts']:,} stated "
            f"facts correct; {kinds})")
