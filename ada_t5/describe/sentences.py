"""Facts into English: two to six sentences in the style of ChEBI-20, structure first, with several phrasings
per sentence picked by a CRC-32 of the canonical SMILES (or forced with ``variant=``)."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence

from ada_t5.describe.english import _NUMBER_WORDS, _a, _capped, _count, _element_name, _join, _size_word
from ada_t5.describe.molecule_facts import MoleculeFacts, _canonical, _facts

MAX_WORDS = 120  # hard ceiling; typical descriptions are 30-90 words
MAX_SENTENCES = 6


class _Chooser:
    """Deterministic choice of phrasing per sentence slot: CRC-32 of the canonical SMILES and the slot."""

    def __init__(self, canonical: str, variant: int | None):
        self.canonical = canonical
        self.variant = variant

    def index(self, slot: str, n: int) -> int:
        if self.variant is not None:
            return self.variant % n
        return zlib.crc32(f"{slot}\x00{self.canonical}".encode()) % n

    def pick(self, slot: str, options: Sequence[str]) -> str:
        return options[self.index(slot, len(options))]


def _opening(f: MoleculeFacts, c: _Chooser, quantities: bool, formula: bool) -> tuple[str, bool]:
    cls = _a(f.compound_class)
    mw = f"{f.molecular_weight:.2f} g/mol"
    if not formula:
        kind = ("salt" if f.is_salt else "mixture") if f.num_fragments > 1 else None
        options = [f"The molecule is {_a(kind)} whose main component is {cls}.",
                   f"This {kind}'s largest component is {cls}."] if kind else [
            f"The molecule is {cls}.", f"This compound is {cls}.",
            f"The molecule belongs to the class of {f.compound_class}s." if not cls.endswith(("s", "x"))
            else f"The molecule is {cls}."]
        return c.pick("open_noformula", options), False
    if f.num_fragments > 1:
        kind = "salt" if f.is_salt else "mixture"
        options = [
            f"The molecule is {_a(kind)} with the overall formula {f.formula}, whose main component is {cls}.",
            f"The molecule is {_a(kind)} of formula {f.formula}; its largest component is {cls}.",
            f"This {kind} has the formula {f.formula}, and its main component is {cls}.",
        ]
        return c.pick("open", options), False
    options = [
        (f"The molecule is {cls} with the molecular formula {f.formula}.", False),
        (f"The molecule is {cls} of formula {f.formula}.", False),
        (f"The molecule is {cls} with formula {f.formula} and a molecular weight of {mw}.", True),
        (f"This compound, {f.formula}, is {cls}.", False),
        (f"The molecule is {cls} whose molecular formula is {f.formula}.", False),
        (f"With the formula {f.formula}, the molecule is {cls}.", False),
        (f"The molecule, of formula {f.formula} ({mw}), is {cls}.", True),
    ]
    if not quantities:  # the same phrasings less the two that give the weight
        options = [option for option in options if not option[1]]
    return options[c.index("open", len(options))]


def _aromatic_phrases(f: MoleculeFacts, words: bool) -> list[str]:
    named: Counter = Counter()
    order: list[str] = []
    for system in f.aromatic_systems:
        if system.name and not system.fused:
            key = f"{system.name} ring"
        elif system.name:
            key = f"{system.name} ring system"
        elif not system.fused:
            key = f"{_size_word(system.atoms)} aromatic ring"
        else:
            key = f"fused aromatic system of {_NUMBER_WORDS[system.rings] if system.rings < 13 else system.rings} rings"
        if key not in named:
            order.append(key)
        named[key] += 1
    return [_count(named[k], k, words) for k in order]


def _aliphatic_phrases(f: MoleculeFacts, words: bool) -> list[str]:
    named = Counter(f.aliphatic_rings)
    order = list(dict.fromkeys(f.aliphatic_rings))
    return [_count(named[k], k, words) for k in order]


def _rings_sentence(f: MoleculeFacts, c: _Chooser, words: bool) -> str:
    if f.ring_count == 0:
        return c.pick("rings0", [
            "It is acyclic, with no rings.",
            "It has an open-chain structure without rings.",
            "The molecule contains no rings.",
            "It is an acyclic compound.",
        ])
    arom = _capped(_aromatic_phrases(f, words), 4, "aromatic units")
    ali = _capped(_aliphatic_phrases(f, words), 4, "non-aromatic rings")
    total = _count(f.ring_count, "ring", words, article=False)
    n_arom = f.aromatic_ring_count
    fused = f.fused_aromatic_systems
    fused_note = ""
    if fused:
        biggest = max(s.rings for s in fused)
        fused_note = (", the aromatic rings being fused" if len(f.aromatic_systems) == 1
                      else f", including a fused aromatic system of {biggest} rings")
    if f.ring_count == 1:
        ring = (arom or ali)[0]
        kind = "aromatic" if arom else "non-aromatic"
        return c.pick("rings_one", [
            f"It contains a single ring, {ring}.",
            f"Its only ring is {ring}.",
            f"It is built around {ring}.",
            f"It has one {kind} ring: {ring}.",
        ])
    if not ali:
        parts = _join(arom)
        return c.pick("rings_arom", [
            f"It contains {total}, all aromatic: {parts}.",
            f"It is built around {parts}{fused_note}.",
            f"Structurally, it is built on {parts}; "
            + ("both rings are" if f.ring_count == 2 else f"all {total} are") + " aromatic.",
            f"It has {_count(n_arom, 'aromatic ring', words, article=False)}: {parts}.",
        ])
    if not arom:
        parts = _join(ali)
        return c.pick("rings_ali", [
            f"It contains {total}, none of them aromatic: {parts}.",
            f"It is built around {parts}, with no aromatic ring.",
            f"Structurally, it has {total} and no aromatic ring, namely {parts}.",
            f"It has {_count(f.ring_count, 'non-aromatic ring', words, article=False)}: {parts}.",
        ])
    parts_a, parts_b = _join(arom), _join(ali)
    n_ali = f.ring_count - n_arom
    return c.pick("rings_mixed", [
        f"It contains {total}: {_count(n_arom, 'aromatic ring', words, article=False)} ({parts_a}) and "
        f"{_count(n_ali, 'non-aromatic ring', words, article=False)} ({parts_b}).",
        f"Its {total} comprise {parts_a} together with {parts_b}.",
        f"Structurally, it combines {parts_a} with {parts_b}, {total} in all.",
        f"It has {_count(n_arom, 'aromatic ring', words, article=False)}, namely {parts_a}, and {parts_b}.",
    ])


def _groups_sentence(f: MoleculeFacts, c: _Chooser, words: bool) -> str | None:
    if not f.functional_groups:
        if f.ring_count == 0 and f.heavy_atoms <= 2:
            return None
        return c.pick("groups0", [
            "It carries no common functional groups.",
            "No common functional group is present.",
            "It bears no recognised functional groups.",
        ])
    items = [_count(g.count, g.name, words) for g in f.functional_groups]
    listed = _join(_capped(items, 6, "groups"))
    single = len(f.functional_groups) == 1 and f.functional_groups[0].count == 1
    return c.pick("groups", [
        f"It bears {listed}.",
        f"Its only functional group is {listed}." if single else f"Its functional groups are {listed}.",
        f"Functional groups present include {listed}.",
        f"It carries {listed}.",
        f"The structure features {listed}.",
    ])


_ION_NAMES = {
    "Na+": "sodium cation", "K+": "potassium cation", "Li+": "lithium cation", "Cl-": "chloride anion",
    "Br-": "bromide anion", "I-": "iodide anion", "F-": "fluoride anion", "H2O": "water molecule",
    "Ca+2": "calcium dication", "Mg+2": "magnesium dication", "NH4+": "ammonium cation",
    "HCl": "hydrogen chloride molecule", "Zn+2": "zinc dication", "Cu+2": "copper(II) cation",
}


def _charge_sentences(f: MoleculeFacts, c: _Chooser, words: bool) -> list[str]:
    sentences = []
    if f.num_fragments > 1:
        counts = Counter(f.fragments)
        parts = []
        for formula in dict.fromkeys(f.fragments):
            name = _ION_NAMES.get(formula)
            parts.append(_count(counts[formula], name, words) if name else
                         (f"{formula}" if counts[formula] == 1 else f"{counts[formula]} × {formula}"))
        listed = _join(_capped(parts, 4, "components"))
        charge_note = ""
        if f.formal_charge:
            charge_note = f", with a net charge of {'+' if f.formal_charge > 0 else '-'}{abs(f.formal_charge)}"
        sentences.append(c.pick("frags", [
            f"It consists of {_count(f.num_fragments, 'separate component', words, article=False)}: "
            f"{listed}{charge_note}.",
            f"Its components are {listed}{charge_note}.",
            f"It is made up of {listed}{charge_note}.",
        ]))
    charge = f.formal_charge
    if charge and f.num_fragments == 1:
        sign = "+" if charge > 0 else "-"
        kind = ("cation", "dication", "trication") if charge > 0 else ("anion", "dianion", "trianion")
        name = (("mono" + kind[0]) if abs(charge) == 1 else kind[abs(charge) - 1]) if abs(charge) <= 3 else \
            ("polycation" if charge > 0 else "polyanion")
        sentences.append(c.pick("charge", [
            f"It is {_a(name)} with a net charge of {sign}{abs(charge)}.",
            f"It carries a net charge of {sign}{abs(charge)}, making it {_a(name)}.",
            f"Overall it is {_a(name)} (net charge {sign}{abs(charge)}).",
        ]))
    elif f.is_zwitterion and f.num_fragments == 1:
        sentences.append(c.pick("zwitter", [
            "It is a zwitterion: it carries separated positive and negative charges but no net charge.",
            f"It is a zwitterion with {_count(f.positive_atoms, 'positively charged atom', words, article=False)} and "
            f"{_count(f.negative_atoms, 'negatively charged atom', words, article=False)}, and is neutral overall.",
            "Although overall neutral, it is a zwitterion with separated charges.",
        ]))
    if f.radical_electrons:
        electrons = _count(f.radical_electrons, "unpaired electron", words, article=False)
        sentences.append(f"It is a radical with {electrons}.")
    return sentences


def _stereo_sentence(f: MoleculeFacts, c: _Chooser, words: bool) -> str | None:
    centres, bonds = f.stereocentres, f.double_bond_stereo
    if not centres and not bonds:
        return None
    parts = []
    if centres:
        defined = [x for x in centres if x != "?"]
        n = len(centres)
        noun = _count(n, "stereocentre", words, article=False)
        if not defined:
            parts.append(f"{noun} of unspecified configuration")
        elif len(defined) == n:
            labels = ", ".join(defined)
            parts.append(f"{noun} ({labels} configuration)" if n == 1 else f"{noun} (configurations {labels})")
        else:
            parts.append(f"{noun} ({len(defined)} defined: {', '.join(defined)}; {n - len(defined)} unspecified)")
    if bonds:
        defined = [x for x in bonds if x != "?"]
        n = len(bonds)
        noun = _count(n, "stereogenic double bond", words, article=False)
        if not defined:
            parts.append(f"{noun} of unspecified geometry")
        elif len(defined) == n:
            parts.append(f"{noun} ({', '.join(defined)})")
        else:
            parts.append(f"{noun} ({len(defined)} defined: {', '.join(defined)}; {n - len(defined)} unspecified)")
    listed = _join(parts)
    return c.pick("stereo", [
        f"It has {listed}.",
        f"Stereochemically, it has {listed}.",
        f"Its stereochemistry comprises {listed}.",
    ])


def _properties_sentence(f: MoleculeFacts, c: _Chooser, words: bool, mw_said: bool) -> str:
    mw = f"{f.molecular_weight:.2f} g/mol"
    heavy = [(s, n) for s, n in f.elements if s != "H"]
    composition = _join([_count(n, f"{_element_name(s)} atom", words) for s, n in heavy][:6])
    heavy_n = _count(f.heavy_atoms, "heavy atom", words, article=False)
    element_names = _join([_element_name(s) for s, _ in f.elements])
    if f.heavy_atoms > 1:
        atoms = f"Its {heavy_n} are {composition}"
    elif f.heavy_atoms == 1:
        atoms = f"Its only heavy atom is {composition}"
    else:
        atoms = "It has no heavy atom"
    if mw_said:
        return c.pick("props_nomw", [
            f"{atoms}.",
            f"It is composed of {element_names}, with {heavy_n}.",
            f"Its monoisotopic mass is {f.exact_mass:.4f} Da.",
        ])
    return c.pick("props", [
        f"It has a molecular weight of {mw} and {heavy_n}.",
        f"Its molecular weight is {mw} (monoisotopic mass {f.exact_mass:.4f} Da).",
        f"{atoms}, for a molecular weight of {mw}.",
        f"The molecular weight is {mw}.",
        f"Made of {element_names}, it weighs {mw}.",
    ])


def _render(f: MoleculeFacts, variant: int | None, quantities: bool = True, formula: bool = True,
            stereo: bool = True) -> str:
    c = _Chooser(f.smiles, variant)
    words = c.index("numbers", 2) == 1
    opening, mw_said = _opening(f, c, quantities, formula)
    sentences = [
        opening,
        _rings_sentence(f, c, words),
        _groups_sentence(f, c, words),
        *_charge_sentences(f, c, words),
        _stereo_sentence(f, c, words) if stereo else None,
        _properties_sentence(f, c, words, mw_said) if quantities else None,
    ]
    sentences = [s for s in sentences if s]
    text = " ".join(sentences)
    while (len(text.split()) > MAX_WORDS or len(sentences) > MAX_SENTENCES) and len(sentences) > 2:
        sentences.pop()  # least important last: properties, then stereo, then charge
        text = " ".join(sentences)
    return text


def describe(smiles_or_mol, *, variant: int | None = None, quantities: bool = True, formula: bool = True,
             stereo: bool = True) -> str:
    """Describe a molecule (SMILES or RDKit Mol) in two to six English sentences.

    The same molecule always gives the same text, whatever its spelling; ``variant`` picks the same
    phrasing index for every sentence instead of the SMILES-derived one. ``quantities=False`` leaves out
    the molecular weight, monoisotopic mass and atom counts (what a model reading SMILES tokens cannot
    compute, so a model trained on them learns to make numbers up; the embedded demo leaves them out);
    ``formula=False`` leaves out the molecular formula too; ``stereo=False`` the stereo sentence (stereocentres
    and stereogenic double bonds: mostly unspecified ones, which no SMILES token marks, so the embedded demo's
    model guessed them: 0.36 of its stereo claims were right). Raises ValueError naming the SMILES when RDKit
    cannot parse it.
    """
    canonical, mol = _canonical(smiles_or_mol)
    return _render(_facts(canonical, mol), variant, quantities, formula, stereo)
