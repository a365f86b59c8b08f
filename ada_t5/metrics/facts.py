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

This module checks; what is read in a caption is :mod:`~ada_t5.metrics.fact_phrases` and what RDKit says about
the molecule :mod:`~ada_t5.metrics.fact_truth`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from ada_t5.metrics.fact_phrases import (
    ACYCLIC,
    CARBOXYLIC_COUNT,
    FORMULA,
    HALOGEN,
    HALOGENS,
    ION,
    NET_CHARGE,
    RELATION,
    RING_COUNT,
    STEREO,
    WEIGHT,
    group_patterns,
    negated,
    ring_pattern,
    stated_count,
)
from ada_t5.metrics.fact_truth import molecule_truth, parse_formula

KINDS = ("formula", "ring", "ring count", "group", "charge", "stereo", "weight")


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



# ------------------------------------------------------------------------------------------------ the checking
def check_caption(caption: str, smiles: str) -> CaptionCheck:
    """The facts ``caption`` states about the molecule ``smiles``, each checked with RDKit."""
    truth = molecule_truth(smiles.strip())
    if truth is None:
        return CaptionCheck(error=f"RDKit cannot read {smiles!r}")
    skipped = [m.span() for m in RELATION.finditer(caption)]
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
    for match in FORMULA.finditer(caption):
        parsed = parse_formula(match.group("f").replace("−", "-"))
        after_formula = caption[max(0, match.start() - 12):match.start()].lower().rstrip(" ,:").endswith("formula")
        if parsed is None or not any(ch.isdigit() for ch in match.group("f")) or not (
                after_formula or re.match(r"C(?:\d|H)", match.group("f"))):
            continue  # "formula X", or a Hill formula with carbon: "DNA", "KC8", "HIV-1", "H37Ra" are names
        add("formula", match, parsed in truth.fragment_formulas, f.formula, "f")
    for match in STEREO.finditer(caption):
        number = stated_count(match.group("n"))
        centres = "stereocent" in match.group("what").lower()
        actual = f.stereocentres if centres else f.double_bond_stereo
        correct = number is None or number == len(actual)
        labels = re.findall(r"\b(R|S|E|Z)\b", match.group("labels") or "")
        if labels and correct:
            correct = sorted(labels) == sorted(x for x in actual if x != "?")
        described = ", ".join(actual) if actual else "none"
        add("stereo", match, correct, f"{len(actual)} ({described})")
    for match in NET_CHARGE.finditer(caption):
        stated = int(match.group("q").replace("−", "-").replace("–", "-"))
        add("charge", match, stated == f.formal_charge, f"net charge {f.formal_charge:+d}")
    for match in ION.finditer(caption):
        ion = match.group("ion").lower()
        if negated(caption, match.start()):
            continue
        correct = _ion_is_right(ion, f, truth.fragment_charges)
        add("charge", match, correct, f"net charge {f.formal_charge:+d}" +
            (f", components {', '.join(f'{q:+d}' for q in truth.fragment_charges)}" if len(truth.fragment_charges) > 1
             else "") + (", zwitterion" if f.is_zwitterion else ""))
    for match in WEIGHT.finditer(caption):
        value = float(match.group("v"))
        if match.group("unit") == "g/mol":
            add("weight", match, abs(value - f.molecular_weight) <= 0.01 * f.molecular_weight,
                f"{f.molecular_weight:.2f} g/mol")
        else:
            add("weight", match, abs(value - f.exact_mass) <= 0.01, f"{f.exact_mass:.4f} Da")
    for match in CARBOXYLIC_COUNT.finditer(caption):
        stated = {"mono": 1, "di": 2, "tri": 3, "tetra": 4}[match.group("prefix").lower()]
        actual = _matches(truth.mol, "[CX3](=O)[OX2H1,OX1-]")
        add("group", match, stated == actual, f"{actual} carboxylic acid group(s)")
    for match in ring_pattern().finditer(caption):
        if negated(caption, match.start()):
            continue
        name = match.group("name").lower()
        number = stated_count(match.group("n"))
        have = truth.ring_names.get(name, 0)
        correct = have > 0 and (number is None or number in (have, truth.ring_systems.get(name, 0)))
        present = ", ".join(f"{n} {k}" for k, n in sorted(truth.ring_names.items())) or "no named ring"
        add("ring", match, correct, present)
    for match in RING_COUNT.finditer(caption):
        number = stated_count(match.group("n"))
        if number is None or caption[max(0, match.start() - 10):match.start()].lower().endswith("system of "):
            continue  # "a ring" states nothing countable; "a fused system of three rings" is not the total
        kind = match.group("kind").strip().lower()
        actual = {"aromatic": f.aromatic_ring_count, "non-aromatic": f.ring_count - f.aromatic_ring_count}.get(
            kind, f.ring_count)
        add("ring count", match, number == actual, f"{f.ring_count} rings, {f.aromatic_ring_count} aromatic")
    for match in ACYCLIC.finditer(caption):
        add("ring count", match, f.ring_count == 0, f"{f.ring_count} rings")
    for pattern, smarts, narrow in group_patterns():
        for match in pattern.finditer(caption):
            if negated(caption, match.start("g")):
                continue
            number = stated_count(match.group("n"))
            actual = len({m[0] for m in truth.mol.GetSubstructMatches(smarts)})  # one per key atom
            counts = {actual} | ({_matches(truth.mol, narrow)} if narrow else set())
            correct = actual > 0 and (number is None or number in counts)
            add("group", match, correct, f"{actual} found")
    for match in HALOGEN.finditer(caption):
        stem = match.group("stem").lower()
        element = next(e for e, s in HALOGENS.items() if s == stem)
        add("group", match, any(a.GetSymbol() == element for a in truth.mol.GetAtoms()),
            f"no {element} atom")
    facts.sort(key=lambda x: x.start)
    return CaptionCheck(facts=facts)

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
