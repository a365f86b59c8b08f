"""Deterministic, rule-based English descriptions of molecules, computed with RDKit.

This is the project's offline stand-in for an LLM writing pseudo descriptions: the embedded demo
describes the molecules that ship inside RDKit, and the pseudo-data generator can use it as a backend.

Two layers, so that facts can be checked apart from phrasing:

* :func:`facts` computes a :class:`MoleculeFacts` (formula, weights, charge, fragments, rings and
  aromatic systems, functional groups, stereo elements) from the canonical form of the molecule;
* :func:`describe` turns those facts into two to six sentences in the style of ChEBI-20
  ("The molecule is ..."), structure first, with several phrasings per sentence picked by a CRC-32 of the
  canonical SMILES (never Python's salted ``hash``), so the text is the same in every process and for
  every spelling of the molecule. ``variant=`` forces one phrasing for every sentence.

Functional groups come from RDKit's functional-group hierarchy (``Functional_Group_Hierarchy.txt``,
read through :func:`rdkit.Chem.FunctionalGroups.BuildFuncGroupHierarchy`), plus the SMARTS groups in
:data:`EXTRA_GROUPS` that the hierarchy lacks (esters, amides, ethers, ketones, nitriles, sulfonamides,
...) or refines (primary/secondary/tertiary alcohols, ammonium ions). Each reported group says which
source it came from. Every matched atom is reported once, under the most specific group that matches it.

Nothing heavy happens at import time: the hierarchy and every SMARTS pattern are compiled on first use.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from ada_t5.chem import mol_from_smiles, quiet_rdkit

__all__ = [
    "EXTRA_GROUPS",
    "AromaticSystem",
    "GroupCount",
    "MoleculeFacts",
    "describe",
    "describe_many",
    "facts",
]

MAX_WORDS = 120  # hard ceiling; typical descriptions are 30-90 words
MAX_SENTENCES = 6


# ---------------------------------------------------------------------------------------------------
# Functional groups
# ---------------------------------------------------------------------------------------------------

# English names for the labels of RDKit's Functional_Group_Hierarchy.txt (its own names are relative,
# e.g. "Aromatic"). Labels missing here (a future RDKit adding groups) fall back to a name derived from
# the label, see _name_from_label.
_RDKIT_NAMES: dict[str, str] = {
    "AcidChloride": "acyl chloride group",
    "AcidChloride.Aromatic": "aroyl chloride group",
    "AcidChloride.Aliphatic": "aliphatic acyl chloride group",
    "CarboxylicAcid": "carboxylic acid group",
    "CarboxylicAcid.Aromatic": "aromatic carboxylic acid group",
    "CarboxylicAcid.Aliphatic": "aliphatic carboxylic acid group",
    "CarboxylicAcid.AlphaAmino": "alpha-amino acid group",
    "SulfonylChloride": "sulfonyl chloride group",
    "SulfonylChloride.Aromatic": "aryl sulfonyl chloride group",
    "SulfonylChloride.Aliphatic": "alkyl sulfonyl chloride group",
    "Amine": "amine",
    "Amine.Primary": "primary amine",
    "Amine.Primary.Aromatic": "primary aromatic amine",
    "Amine.Primary.Aliphatic": "primary aliphatic amine",
    "Amine.Secondary": "secondary amine",
    "Amine.Secondary.Aromatic": "secondary aromatic amine",
    "Amine.Secondary.Aliphatic": "secondary aliphatic amine",
    "Amine.Tertiary": "tertiary amine",
    "Amine.Tertiary.Aromatic": "tertiary aromatic amine",
    "Amine.Tertiary.Aliphatic": "tertiary aliphatic amine",
    "Amine.Aromatic": "aromatic amine",
    "Amine.Aliphatic": "aliphatic amine",
    "Amine.Cyclic": "cyclic amine",
    "BoronicAcid": "boronic acid group",
    "BoronicAcid.Aromatic": "aryl boronic acid group",
    "BoronicAcid.Aliphatic": "alkyl boronic acid group",
    "Isocyanate": "isocyanate group",
    "Isocyanate.Aromatic": "aryl isocyanate group",
    "Isocyanate.Aliphatic": "alkyl isocyanate group",
    "Alcohol": "hydroxy group",
    "Alcohol.Aromatic": "phenolic hydroxy group",
    "Alcohol.Aliphatic": "aliphatic hydroxy group",
    "Aldehyde": "aldehyde group",
    "Aldehyde.Aromatic": "aromatic aldehyde group",
    "Aldehyde.Aliphatic": "aliphatic aldehyde group",
    "Halogen": "halogen substituent",  # renamed per element by _group_name
    "Azide": "azide group",
    "Azide.Aromatic": "aryl azide group",
    "Azide.Aliphatic": "alkyl azide group",
    "Nitro": "nitro group",
    "Nitro.Aromatic": "aromatic nitro group",
    "Nitro.Aliphatic": "aliphatic nitro group",
    "TerminalAlkyne": "terminal alkyne",
}

# Hierarchy nodes that only restate a sibling (and whose whole subtree is skipped).
_RDKIT_SKIP = frozenset({"Halogen.NotFluorine"})
# RDKit's amine patterns also match the nitrogen of azo groups and iminium ions; an amine nitrogen here
# must have single bonds only.
_KEY_FILTERS = {"Amine": lambda atom: all(b.GetBondType() == Chem.BondType.SINGLE for b in atom.GetBonds())}
# Hierarchy nodes moved to the front of their siblings, so that they win ties of depth.
_RDKIT_FIRST = frozenset({"CarboxylicAcid.AlphaAmino"})


@dataclass(frozen=True)
class _Extra:
    label: str
    smarts: str
    name: str
    count_by: int | Literal["set"] = "set"  # match index identifying one group, or the whole atom set
    first: bool = False  # a child placed before RDKit's own children (wins ties of depth)


# Groups the RDKit hierarchy lacks or refines (source "ada_t5"). A label whose parent exists (in the
# hierarchy or earlier in this list) becomes that parent's child; the first atom of every pattern is the
# group's distinguishing atom and must be the parent's distinguishing atom too.
EXTRA_GROUPS: tuple[_Extra, ...] = (
    # refinements of RDKit groups
    _Extra("Alcohol.Aliphatic.Enol", "[OX2H1][CX3]=[CX3]", "enol group", first=True),
    _Extra("Alcohol.Aliphatic.Primary", "[OX2H1;$(O-[CX4;H2,H3])]", "primary alcohol", first=True),
    _Extra("Alcohol.Aliphatic.Secondary", "[OX2H1;$(O-[CX4;H1])]", "secondary alcohol", first=True),
    _Extra("Alcohol.Aliphatic.Tertiary", "[OX2H1;$(O-[CX4;H0])]", "tertiary alcohol", first=True),
    _Extra("Amine.Quaternary", "[NX4+;H0]", "quaternary ammonium group", first=True),
    _Extra("Amine.Ammonium", "[NX4+;!H0]", "protonated amino group", first=True),
    _Extra("Halogen.Aliphatic.Alkenyl", "[F,Cl,Br,I;$(*-!@[CX3]=[#6])]", "alkenyl halide", first=True),
    _Extra("Polyhalo", "[CX4;$(C([F,Cl,Br,I])[F,Cl,Br,I])]", "polyhalogenated carbon", count_by=0),
    # carbonyl derivatives
    _Extra("Anhydride", "[CX3](=[OX1])[OX2][CX3]=[OX1]", "carboxylic anhydride group"),
    _Extra("Ester", "[CX3;$([CH1]),$(C-[#6])](=[OX1])[OX2][#6;!$(C=[O,S,N])]", "ester group"),
    _Extra("Ester.Lactone", "[CX3](=[OX1])@[OX2]", "lactone"),
    _Extra("Ester.Methyl", "[CX3](=[OX1])[OX2][CH3]", "methyl ester group"),
    _Extra("Amide", "[CX3](=[OX1])[NX3]", "amide group"),
    _Extra("Amide.Imide", "[CX3](=[OX1])[NX3][CX3]=[OX1]", "imide group"),
    _Extra("Amide.Urea", "[CX3](=[OX1])([NX3])[NX3]", "urea group"),
    _Extra("Amide.Carbamate", "[CX3](=[OX1])([NX3])[OX2]", "carbamate group"),
    _Extra("Amide.Lactam", "[CX3](=[OX1])@[NX3]", "lactam"),
    _Extra("Amide.Primary", "[CX3](=[OX1])[NX3;H2]", "primary carboxamide group"),
    _Extra("Amide.Secondary", "[CX3](=[OX1])[NX3;H1]", "secondary amide group"),
    _Extra("Amide.Tertiary", "[CX3](=[OX1])[NX3;H0]", "tertiary amide group"),
    _Extra("Ketone", "[CX3](=[OX1])([#6])[#6]", "ketone group"),
    _Extra("Ketone.Aryl", "[CX3](=[OX1])(c)[#6]", "aryl ketone group"),
    _Extra("Ketone.Cyclic", "[CX3;R](=[OX1])([#6])[#6]", "cyclic ketone group"),
    _Extra("Nitrile", "[CX2]#[NX1]", "nitrile group"),
    _Extra("Thiocarbonyl", "[CX3]=[SX1]", "thiocarbonyl group"),
    _Extra("Thiocarbonyl.Thiourea", "[CX3](=[SX1])([NX3])[NX3]", "thiourea group"),
    _Extra("Thiocarbonyl.Thioamide", "[CX3](=[SX1])[NX3]", "thioamide group"),
    # C=N and N-N
    _Extra("CNDouble", "[CX3]=[NX2,NX3+]", "imine group"),
    _Extra("CNDouble.Iminium", "[CX3]=[NX3+]", "iminium group"),
    _Extra("CNDouble.Guanidine", "[CX3](=[NX2])([NX3])[NX3]", "guanidine group"),
    _Extra("CNDouble.Amidine", "[CX3](=[NX2])[NX3]", "amidine group"),
    _Extra("CNDouble.Oxime", "[CX3]=[NX2][OX2]", "oxime group"),
    _Extra("CNDouble.Hydrazone", "[CX3]=[NX2][NX3]", "hydrazone group"),
    _Extra("Hydrazine", "[NX3;!$(N-C=[O,S,N])][NX3;!$(N-C=[O,S,N])]", "hydrazine group"),
    _Extra("Azo", "[NX2](=[NX2][#6])[#6]", "azo group"),
    _Extra("Diazonium", "[NX2+]#[NX1]", "diazonium group"),
    _Extra("Nitroso", "[NX2](=[OX1])[#6,#7]", "nitroso group"),
    _Extra("NOxide", "[#7+;!$([#7]=O);$([#7]-[OX1-])]", "N-oxide group"),
    _Extra("Nitrate", "[NX3+](=[OX1])([OX1-])[OX2]", "nitrate ester group"),
    _Extra("Isothiocyanate", "[NX2]=[CX2]=[SX1]", "isothiocyanate group"),
    # oxygen and sulfur
    _Extra("Ether", "[OX2;!$(O-[!#6]);!$(O-[#6]=[O,S,N])]([#6])[#6]", "ether linkage"),
    _Extra("Ether.Epoxide", "[OX2;r3]", "epoxide"),
    _Extra("Ether.Aromatic", "[OX2;$(O-c)]", "aryl ether"),
    _Extra("Ether.Aromatic.Methoxy", "[OX2;$(O-c);$(O-[CH3])]", "aromatic methoxy group"),
    _Extra("Ether.Cyclic", "[OX2;R]", "cyclic ether"),
    _Extra("Ether.Methoxy", "[OX2;$(O-[CH3])]", "methoxy group"),
    _Extra("Peroxide", "[OX2][OX2]", "peroxide group"),
    _Extra("Thiol", "[SX2;H1]", "thiol group"),
    _Extra("Thioether", "[SX2;H0;!$(S-S)]([#6])[#6]", "thioether (sulfide) linkage"),
    _Extra("Thioether.Thioester", "[SX2]([#6])[CX3]=[OX1]", "thioester group"),
    _Extra("Disulfide", "[SX2][SX2]", "disulfide bridge"),
    _Extra("Sulfoxide", "[$([SX3](=[OX1])([#6])[#6]),$([SX3+]([OX1-])([#6])[#6])]", "sulfoxide group"),
    _Extra("Sulfonyl", "[SX4;!$(S-Cl)](=[OX1])=[OX1]", "sulfonyl group"),
    _Extra("Sulfonyl.Sulfate", "[SX4](=[OX1])(=[OX1])([OX2,OX1-])[OX2,OX1-]", "sulfate group"),
    _Extra("Sulfonyl.Sulfonamide", "[SX4](=[OX1])(=[OX1])[NX3]", "sulfonamide group"),
    _Extra("Sulfonyl.SulfonicAcid", "[SX4](=[OX1])(=[OX1])([#6])[OX2H1]", "sulfonic acid group"),
    _Extra("Sulfonyl.Sulfonate", "[SX4](=[OX1])(=[OX1])([#6])[OX1-]", "sulfonate group"),
    _Extra("Sulfonyl.SulfonateEster", "[SX4](=[OX1])(=[OX1])([#6])[OX2][#6]", "sulfonate ester group"),
    _Extra("Sulfonyl.Sulfone", "[SX4](=[OX1])(=[OX1])([#6])[#6]", "sulfone group"),
    # phosphorus
    _Extra("Phosphoryl", "[PX4]=[OX1]", "phosphoryl group"),
    _Extra("Phosphoryl.Phosphate", "[PX4](=[OX1])([OX2,OX1-])([OX2,OX1-])[OX2,OX1-]", "phosphate group"),
    _Extra("Phosphoryl.Phosphonate", "[PX4](=[OX1])([#6])([OX2,OX1-])[OX2,OX1-]", "phosphonate group"),
    _Extra("Phosphoryl.PhosphineOxide", "[PX4](=[OX1])([#6])([#6])[#6]", "phosphine oxide group"),
    _Extra("Thiophosphoryl", "[PX4]=[SX1]", "thiophosphoryl group"),
    _Extra("Phosphonium", "[PX4+]", "phosphonium group"),
    _Extra("Phosphine", "[PX3;!$(P=*)]", "phosphine group"),
    # carbon-carbon multiple bonds
    _Extra("Alkene", "[CX3]=[CX3]", "carbon-carbon double bond"),
    _Extra("Alkyne", "[CX2;H0;!$(C#[CH])]#[CX2;H0;!$(C#[CH])]", "carbon-carbon triple bond"),
)

# Order in which groups are listed, and which one names the compound class (first match wins).
_FAMILY_ORDER = (
    "CarboxylicAcid", "Sulfonyl", "Phosphoryl", "Anhydride", "Ester", "AcidChloride", "SulfonylChloride",
    "Amide", "Nitrile", "Aldehyde", "Ketone", "Thiocarbonyl", "Alcohol", "Thiol", "Amine", "CNDouble",
    "Hydrazine", "Azo", "Diazonium", "Ether", "Thioether", "Disulfide", "Sulfoxide", "Peroxide", "Nitro",
    "Nitrate", "Nitroso", "NOxide", "Azide", "Isocyanate", "Isothiocyanate", "BoronicAcid",
    "Thiophosphoryl", "Phosphonium", "Phosphine", "Halogen", "Polyhalo", "Alkene", "TerminalAlkyne",
    "Alkyne",
)

# Compound-class nouns for the opening sentence, by the most specific label of the principal group.
_CLASS_NOUNS: dict[str, str] = {
    "CarboxylicAcid.AlphaAmino": "alpha-amino acid",
    "Sulfonyl": "sulfonyl compound",
    "Sulfonyl.Sulfate": "sulfate",
    "Sulfonyl.Sulfonamide": "sulfonamide",
    "Sulfonyl.SulfonicAcid": "sulfonic acid",
    "Sulfonyl.Sulfonate": "sulfonate",
    "Sulfonyl.SulfonateEster": "sulfonate ester",
    "Sulfonyl.Sulfone": "sulfone",
    "Phosphoryl": "organophosphorus compound",
    "Phosphoryl.Phosphate": "phosphate",
    "Phosphoryl.Phosphonate": "phosphonate",
    "Phosphoryl.PhosphineOxide": "phosphine oxide",
    "Anhydride": "carboxylic anhydride",
    "Ester": "carboxylic ester",
    "Ester.Lactone": "lactone",
    "Ester.Methyl": "methyl ester",
    "AcidChloride": "acyl chloride",
    "SulfonylChloride": "sulfonyl chloride",
    "Amide": "amide",
    "Amide.Imide": "imide",
    "Amide.Urea": "urea",
    "Amide.Carbamate": "carbamate ester",
    "Amide.Lactam": "lactam",
    "Amide.Primary": "primary carboxamide",
    "Amide.Secondary": "secondary carboxamide",
    "Amide.Tertiary": "tertiary carboxamide",
    "Nitrile": "nitrile",
    "Aldehyde": "aldehyde",
    "Ketone": "ketone",
    "Ketone.Aryl": "aromatic ketone",
    "Ketone.Cyclic": "cyclic ketone",
    "Thiocarbonyl": "thiocarbonyl compound",
    "Thiocarbonyl.Thiourea": "thiourea",
    "Thiocarbonyl.Thioamide": "thioamide",
    "Alcohol.Aromatic": "phenol",
    "Alcohol": "alcohol",
    "Thiol": "thiol",
    "Amine": "amine",
    "Amine.Primary": "primary amine",
    "Amine.Secondary": "secondary amine",
    "Amine.Tertiary": "tertiary amine",
    "Amine.Quaternary": "quaternary ammonium ion",
    "Amine.Ammonium": "ammonium ion",
    "CNDouble": "imine",
    "CNDouble.Iminium": "iminium ion",
    "CNDouble.Guanidine": "guanidine",
    "CNDouble.Amidine": "amidine",
    "CNDouble.Oxime": "oxime",
    "CNDouble.Hydrazone": "hydrazone",
    "Hydrazine": "hydrazine",
    "Azo": "azo compound",
    "Diazonium": "diazonium compound",
    "Ether": "ether",
    "Ether.Epoxide": "epoxide",
    "Ether.Aromatic": "aromatic ether",
    "Thioether": "organic sulfide",
    "Thioether.Thioester": "thioester",
    "Disulfide": "organic disulfide",
    "Sulfoxide": "sulfoxide",
    "Peroxide": "peroxide",
    "Nitro": "nitro compound",
    "Nitrate": "nitrate ester",
    "Nitroso": "nitroso compound",
    "NOxide": "N-oxide",
    "Azide": "azide",
    "Isocyanate": "isocyanate",
    "Isothiocyanate": "isothiocyanate",
    "BoronicAcid": "boronic acid",
    "Thiophosphoryl": "organothiophosphorus compound",
    "Phosphonium": "phosphonium compound",
    "Phosphine": "phosphine",
    "Alkene": "olefin",
    "TerminalAlkyne": "terminal alkyne",
    "Alkyne": "alkyne",
}

_IRREGULAR_PLURALS = {
    "thioether (sulfide) linkage": "thioether (sulfide) linkages",
    "alpha-amino acid group": "alpha-amino acid groups",
}


class _Node:
    __slots__ = ("label", "name", "pattern", "source", "count_by", "children", "family", "order")

    def __init__(self, label, name, pattern, source, count_by):
        self.label = label
        self.name = name
        self.pattern = pattern
        self.source = source
        self.count_by = count_by
        self.children: list[_Node] = []
        self.family = label.split(".")[0]
        self.order = 0


def _name_from_label(label: str) -> str:
    words = [re.sub(r"(?<!^)(?=[A-Z])", " ", part).lower() for part in label.split(".")]
    return " ".join(reversed(words[1:])) + (" " if len(words) > 1 else "") + words[0]


@lru_cache(maxsize=1)
def _group_tree() -> tuple[_Node, ...]:
    """RDKit's hierarchy (copied, not mutated) with EXTRA_GROUPS grafted on; built once, on first use."""
    from rdkit.Chem import FunctionalGroups

    by_label: dict[str, _Node] = {}
    roots: list[_Node] = []

    def copy(src, parent):
        if src.label in _RDKIT_SKIP:
            return
        node = _Node(src.label, _RDKIT_NAMES.get(src.label) or _name_from_label(src.label),
                     src.pattern, "rdkit", 0)
        by_label[node.label] = node
        (parent.children if parent is not None else roots).append(node)
        for child in sorted(src.children, key=lambda c: c.label not in _RDKIT_FIRST):
            copy(child, node)

    with quiet_rdkit():
        for top in FunctionalGroups.BuildFuncGroupHierarchy():
            copy(top, None)
        for extra in EXTRA_GROUPS:
            pattern = Chem.MolFromSmarts(extra.smarts)
            if pattern is None:  # pragma: no cover - a typo in EXTRA_GROUPS
                raise ValueError(f"bad SMARTS for {extra.label}: {extra.smarts}")
            node = _Node(extra.label, extra.name, pattern, "ada_t5", extra.count_by)
            parent = by_label.get(extra.label.rpartition(".")[0]) if "." in extra.label else None
            if parent is None:
                roots.append(node)
            elif extra.first:
                parent.children.insert(sum(c.source == "ada_t5" for c in parent.children), node)
            else:
                parent.children.append(node)
            by_label[extra.label] = node

    rank = {family: i for i, family in enumerate(_FAMILY_ORDER)}
    roots.sort(key=lambda n: rank.get(n.family, len(rank)))  # stable: unknown families keep file order
    counter = 0

    def number(node):
        nonlocal counter
        node.order = counter
        counter += 1
        for child in node.children:
            number(child)

    for root in roots:
        number(root)
    return tuple(roots)


_HALIDE = {"F": "fluoride", "Cl": "chloride", "Br": "bromide", "I": "iodide"}
_HALO = {"F": "fluoro", "Cl": "chloro", "Br": "bromo", "I": "iodo"}


def _group_name(node: _Node, mol: Chem.Mol, key: int) -> str:
    """The English name of one matched group; a few depend on the matched atoms themselves."""
    atom = mol.GetAtomWithIdx(key)
    if node.family == "Halogen":
        if node.label.endswith("BromoKetone"):
            return "alpha-bromo ketone group"
        carbon = atom.GetNeighbors()[0]
        if carbon.GetIsAromatic():
            kind = "aryl"
        elif node.label.endswith("Alkenyl"):
            kind = "alkenyl"
        else:
            kind = "alkyl"
        return f"{kind} {_HALIDE[atom.GetSymbol()]}"
    if node.family == "Polyhalo":
        halogens = [a.GetSymbol() for a in atom.GetNeighbors() if a.GetSymbol() in _HALO]
        if len(set(halogens)) == 1:
            prefix = {2: "di", 3: "tri", 4: "tetra"}[len(halogens)] + _HALO[halogens[0]]
            return {2: f"gem-{prefix} group", 3: f"{prefix}methyl group", 4: f"{prefix}methane unit"}[
                len(halogens)]
        return node.name
    if node.family == "CarboxylicAcid" and any(
        n.GetSymbol() == "O" and n.GetFormalCharge() < 0 for n in atom.GetNeighbors()
    ):
        return node.name.replace("carboxylic acid", "carboxylate").replace("amino acid", "amino carboxylate")
    return node.name


@dataclass(frozen=True)
class GroupCount:
    """One kind of functional group found in a molecule.

    ``label`` is the hierarchy label (RDKit's, or one from :data:`EXTRA_GROUPS`); ``source`` says which:
    ``"rdkit"`` or ``"ada_t5"``.
    """

    name: str
    count: int
    label: str
    source: str


def _functional_groups(mol: Chem.Mol) -> tuple[GroupCount, ...]:
    keys_cache: dict[int, dict[int, object]] = {}

    def keys(node: _Node) -> dict[int, object]:
        found = keys_cache.get(id(node))
        if found is None:
            found = {}
            for match in mol.GetSubstructMatches(node.pattern, uniquify=False, maxMatches=2000):
                if match[0] not in found:
                    found[match[0]] = frozenset(match) if node.count_by == "set" else match[node.count_by]
            keys_cache[id(node)] = found
        return found

    def deepest(node: _Node, key: int) -> tuple[int, _Node]:
        best = (0, node)
        for child in node.children:
            if key in keys(child):
                depth, leaf = deepest(child, key)
                if depth + 1 > best[0]:
                    best = (depth + 1, leaf)
        return best

    # name -> (tree order, label, source, identities)
    found: dict[str, list] = {}
    for root in _group_tree():
        key_filter = _KEY_FILTERS.get(root.family)
        for key in keys(root):
            if key_filter is not None and not key_filter(mol.GetAtomWithIdx(key)):
                continue
            leaf = deepest(root, key)[1]
            name = _group_name(leaf, mol, key)
            entry = found.setdefault(name, [leaf.order, leaf.label, leaf.source, set()])
            entry[3].add(keys(leaf)[key])
    ordered = sorted(found.items(), key=lambda item: (item[1][0], item[0]))
    return tuple(GroupCount(name, len(ids), label, source) for name, (_, label, source, ids) in ordered)


# ---------------------------------------------------------------------------------------------------
# Rings
# ---------------------------------------------------------------------------------------------------

_SIX_RINGS = {(): "benzene", ("N",): "pyridine", ("N", "N", "N"): "triazine", ("N", "N", "N", "N"): "tetrazine",
              ("O",): "pyran", ("S",): "thiopyran", ("N", "O"): "oxazine", ("N", "S"): "thiazine"}
_FIVE_RINGS = {(): "cyclopentadiene", ("N",): "pyrrole", ("O",): "furan", ("S",): "thiophene",
               ("Se",): "selenophene", ("N", "N", "N"): "triazole", ("N", "N", "N", "N"): "tetrazole",
               ("N", "N", "O"): "oxadiazole", ("N", "N", "S"): "thiadiazole"}
# (normal, iso) where "iso" means no heteroatom of the second ring touches the fusion atoms.
_BENZO_FUSED = {
    "benzene": ("naphthalene", "naphthalene"), "pyrrole": ("indole", "isoindole"),
    "furan": ("benzofuran", "isobenzofuran"), "thiophene": ("benzothiophene", "benzo[c]thiophene"),
    "pyridine": ("quinoline", "isoquinoline"), "pyridazine": ("cinnoline", "phthalazine"),
    "pyrimidine": ("quinazoline", "quinazoline"), "pyrazine": ("quinoxaline", "quinoxaline"),
    "imidazole": ("benzimidazole", "benzimidazole"), "pyrazole": ("indazole", "indazole"),
    "oxazole": ("benzoxazole", "benzoxazole"), "thiazole": ("benzothiazole", "benzothiazole"),
    "isoxazole": ("benzisoxazole", "benzisoxazole"), "isothiazole": ("benzisothiazole", "benzisothiazole"),
    "triazole": ("benzotriazole", "benzotriazole"), "thiadiazole": ("benzothiadiazole", "benzothiadiazole"),
    "oxadiazole": ("benzoxadiazole", "benzoxadiazole"), "pyran": ("chromene", "isochromene"),
    "thiopyran": ("thiochromene", "isothiochromene"),
}
_BICYCLIC = {
    ("imidazole", "pyrimidine"): "purine", ("pyrazine", "pyrimidine"): "pteridine",
    ("pyridine", "pyridine"): "naphthyridine", ("pyridine", "pyrrole"): "pyrrolopyridine",
    ("imidazole", "pyridine"): "imidazopyridine", ("pyridine", "pyrimidine"): "pyridopyrimidine",
    ("thiophene", "thiophene"): "thienothiophene", ("pyrazole", "pyrimidine"): "pyrazolopyrimidine",
    ("pyrimidine", "triazole"): "triazolopyrimidine", ("pyrimidine", "thiophene"): "thienopyrimidine",
    ("pyrimidine", "pyrrole"): "pyrrolopyrimidine", ("imidazole", "thiazole"): "imidazothiazole",
    ("pyrimidine", "thiazole"): "thiazolopyrimidine",
}
# (middle ring, linear?) -> name, for two benzene rings fused on either side of a third ring.
_DIBENZO = {
    ("benzene", True): "anthracene", ("benzene", False): "phenanthrene", ("pyrrole", None): "carbazole",
    ("furan", None): "dibenzofuran", ("thiophene", None): "dibenzothiophene",
    ("pyridine", True): "acridine", ("pyridine", False): "phenanthridine", ("pyrazine", True): "phenazine",
    ("pyran", True): "xanthene", ("thiopyran", True): "thioxanthene",
}
_SATURATED_RINGS = {
    (3, ()): "cyclopropane", (4, ()): "cyclobutane", (5, ()): "cyclopentane", (6, ()): "cyclohexane",
    (7, ()): "cycloheptane", (8, ()): "cyclooctane", (3, ("O",)): "oxirane", (3, ("N",)): "aziridine",
    (4, ("N",)): "azetidine", (4, ("O",)): "oxetane", (5, ("N",)): "pyrrolidine",
    (5, ("O",)): "tetrahydrofuran", (5, ("S",)): "tetrahydrothiophene", (6, ("N",)): "piperidine",
    (6, ("O",)): "tetrahydropyran", (6, ("S",)): "thiane",
}
# (size, heteroatoms, adjacent heteroatoms?) for two heteroatoms: 1 = adjacent, 2 = 1,3, 3 = 1,4.
_SATURATED_PAIRS = {
    (5, ("N", "N"), 1): "pyrazolidine", (5, ("N", "N"), 2): "imidazolidine",
    (5, ("N", "O"), 1): "isoxazolidine", (5, ("N", "O"), 2): "oxazolidine",
    (5, ("N", "S"), 2): "thiazolidine", (5, ("O", "O"), 2): "1,3-dioxolane",
    (6, ("N", "N"), 3): "piperazine", (6, ("N", "N"), 2): "hexahydropyrimidine",
    (6, ("N", "O"), 3): "morpholine", (6, ("N", "S"), 3): "thiomorpholine",
    (6, ("O", "O"), 3): "1,4-dioxane", (6, ("O", "O"), 2): "1,3-dioxane",
}
_CYCLO_STEMS = {3: "prop", 4: "but", 5: "pent", 6: "hex", 7: "hept", 8: "oct"}


def _with_oxo(base: str, oxo: int) -> str:
    """pyridine + 1 -> pyridinone; pyrimidine + 2 -> pyrimidinedione; cyclohexadiene + 2 -> ...dienedione."""
    if oxo <= 0:
        return base
    if oxo == 1:
        return (base[:-1] if base.endswith("e") else base) + "one"
    return base + {2: "dione", 3: "trione"}.get(oxo, "polyone")


def _ring_distance(ring: Sequence[int], a: int, b: int) -> int:
    i, j = ring.index(a), ring.index(b)
    d = abs(i - j)
    return min(d, len(ring) - d)


def _oxo_count(mol: Chem.Mol, ring: Sequence[int]) -> int:
    members = set(ring)
    count = 0
    for idx in ring:
        if mol.GetAtomWithIdx(idx).GetAtomicNum() != 6:  # S=O and P=O are not "-one" suffixes
            continue
        for bond in mol.GetAtomWithIdx(idx).GetBonds():
            other = bond.GetOtherAtom(mol.GetAtomWithIdx(idx))
            if (other.GetIdx() not in members and other.GetSymbol() == "O"
                    and bond.GetBondType() == Chem.BondType.DOUBLE):
                count += 1
    return count


def _aromatic_ring_base(mol: Chem.Mol, ring: Sequence[int]) -> str | None:
    """Parent name of one aromatic ring ("pyridine"), or None when it has no common name."""
    hetero = sorted((mol.GetAtomWithIdx(i).GetSymbol(), i) for i in ring if mol.GetAtomWithIdx(i).GetAtomicNum() != 6)
    symbols = tuple(s for s, _ in hetero)
    size = len(ring)
    if size == 6:
        if symbols == ("N", "N"):
            return {1: "pyridazine", 2: "pyrimidine", 3: "pyrazine"}[_ring_distance(ring, hetero[0][1], hetero[1][1])]
        return _SIX_RINGS.get(symbols)
    if size == 5:
        if len(symbols) == 2 and symbols in {("N", "N"), ("N", "O"), ("N", "S")}:
            adjacent = _ring_distance(ring, hetero[0][1], hetero[1][1]) == 1
            return {("N", "N"): ("imidazole", "pyrazole"), ("N", "O"): ("oxazole", "isoxazole"),
                    ("N", "S"): ("thiazole", "isothiazole")}[symbols][adjacent]
        return _FIVE_RINGS.get(symbols)
    return None


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


def _aliphatic_ring_name(mol: Chem.Mol, ring: Sequence[int], bond_ring: Sequence[int]) -> str:
    """A singular noun phrase for one non-aromatic ring: "cyclohexane ring", "six-membered heterocycle ..."."""
    size = len(ring)
    hetero = sorted((mol.GetAtomWithIdx(i).GetSymbol(), i) for i in ring if mol.GetAtomWithIdx(i).GetAtomicNum() != 6)
    symbols = tuple(s for s, _ in hetero)
    bonds = [mol.GetBondWithIdx(b) for b in bond_ring]
    aromatic = sum(b.GetIsAromatic() for b in bonds)
    doubles = sum(b.GetBondType() == Chem.BondType.DOUBLE and not b.GetIsAromatic() for b in bonds)
    oxo = _oxo_count(mol, ring)
    if not aromatic and size <= 8:
        base = None
        if doubles == 0:
            base = _SATURATED_RINGS.get((size, symbols))
            if base is None and len(symbols) == 2:
                base = _SATURATED_PAIRS.get((size, symbols, _ring_distance(ring, hetero[0][1], hetero[1][1])))
        elif not symbols and size in _CYCLO_STEMS and doubles <= 3:
            base = f"cyclo{_CYCLO_STEMS[size]}" + {1: "ene", 2: "adiene", 3: "atriene"}[doubles]
        if base is not None:
            return f"{_with_oxo(base, oxo)} ring"
    size_word = _size_word(size)
    if not symbols:
        return f"{size_word} carbocycle" if size < 12 else f"{size}-membered carbocyclic macrocycle"
    elements = _join(sorted({_element_name(s) for s in symbols}, key=lambda e: (e != "nitrogen", e)))
    noun = "heterocycle" if size < 12 else "macrocycle"
    return f"{size_word} {noun} containing {elements}"


@dataclass(frozen=True)
class AromaticSystem:
    """A set of aromatic rings fused through shared bonds (a lone ring is a system of one ring)."""

    rings: int
    ring_names: tuple[str, ...]  # parent name of each ring, "" when it has none
    name: str | None  # "naphthalene", "pyridinone", "purine"; None when unnamed
    atoms: int

    @property
    def fused(self) -> bool:
        return self.rings > 1


def _aromatic_systems(mol: Chem.Mol, atom_rings, bond_rings, aromatic_idx: list[int]) -> tuple[AromaticSystem, ...]:
    parent = {i: i for i in aromatic_idx}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bond_sets = {i: set(bond_rings[i]) for i in aromatic_idx}
    for a_pos, a in enumerate(aromatic_idx):
        for b in aromatic_idx[a_pos + 1:]:
            if bond_sets[a] & bond_sets[b]:
                parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i in aromatic_idx:
        groups.setdefault(find(i), []).append(i)
    systems = []
    for members in sorted(groups.values(), key=lambda m: min(min(atom_rings[i]) for i in m)):
        bases = [_aromatic_ring_base(mol, atom_rings[i]) for i in members]
        atoms = set().union(*(atom_rings[i] for i in members))
        oxo = _oxo_count(mol, sorted(atoms))
        name = None
        if all(bases):
            name = _fused_name(mol, [atom_rings[i] for i in members], [bond_rings[i] for i in members], bases)
        if name is not None:
            name = _with_oxo(name, oxo)
        systems.append(AromaticSystem(len(members), tuple(b or "" for b in bases), name, len(atoms)))
    return tuple(systems)


def _fused_name(mol, rings, bond_rings, bases) -> str | None:
    if len(rings) == 1:
        return bases[0]
    if len(rings) == 2:
        if "benzene" in bases:
            other = 1 if bases[0] == "benzene" else 0
            pair = _BENZO_FUSED.get(bases[other])
            if pair is None:
                return None
            fusion = set(rings[0]) & set(rings[1])
            touches = any(
                mol.GetAtomWithIdx(i).GetAtomicNum() != 6
                and any(n.GetIdx() in fusion for n in mol.GetAtomWithIdx(i).GetNeighbors())
                for i in rings[other]
            )
            return pair[0] if touches else pair[1]
        return _BICYCLIC.get(tuple(sorted(bases)))
    if len(rings) == 3 and sorted(bases).count("benzene") >= 2:
        bond_sets = [set(b) for b in bond_rings]
        for mid in range(3):
            others = [k for k in range(3) if k != mid]
            if not all(bond_sets[mid] & bond_sets[k] for k in others):
                continue
            if not all(bases[k] == "benzene" for k in others):
                continue
            positions = sorted(i for i, b in enumerate(bond_rings[mid]) if any(b in bond_sets[k] for k in others))
            linear = len(positions) == 2 and positions[1] - positions[0] == 3
            return _DIBENZO.get((bases[mid], linear)) or _DIBENZO.get((bases[mid], None))
    return None


# ---------------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoleculeFacts:
    """Everything :func:`describe` says, computed from the canonical molecule (atom order canonical)."""

    smiles: str  # RDKit canonical isomeric SMILES
    formula: str  # Hill formula, charge appended ("C2H3O2-")
    molecular_weight: float  # average, g/mol
    exact_mass: float  # monoisotopic
    heavy_atoms: int
    elements: tuple[tuple[str, int], ...]  # Hill order, hydrogens included
    formal_charge: int  # net
    positive_atoms: int
    negative_atoms: int
    is_zwitterion: bool  # separated charges of both signs, net zero (nitro-like N+-O- pairs excluded)
    radical_electrons: int
    fragments: tuple[str, ...]  # formula of each disconnected component, largest first
    is_salt: bool
    ring_count: int  # SSSR
    aromatic_ring_count: int
    ring_sizes: tuple[int, ...]  # sorted
    heterocycle_count: int
    aromatic_heterocycle_count: int
    aromatic_systems: tuple[AromaticSystem, ...]
    aliphatic_rings: tuple[str, ...]  # name of each non-aromatic ring
    functional_groups: tuple[GroupCount, ...]
    stereocentres: tuple[str, ...]  # CIP label per tetrahedral stereocentre, "?" when unspecified
    double_bond_stereo: tuple[str, ...]  # "E" / "Z" per stereogenic double bond, "?" when unspecified
    compound_class: str  # noun phrase of the opening sentence (of the largest component), no article

    @property
    def num_fragments(self) -> int:
        return len(self.fragments)

    @property
    def fused_aromatic_systems(self) -> tuple[AromaticSystem, ...]:
        return tuple(s for s in self.aromatic_systems if s.fused)

    @property
    def defined_stereocentres(self) -> int:
        return sum(label != "?" for label in self.stereocentres)

    @property
    def undefined_stereocentres(self) -> int:
        return sum(label == "?" for label in self.stereocentres)

    @property
    def halogens(self) -> dict[str, int]:
        return {s: n for s, n in self.elements if s in _HALO}

    @property
    def group_counts(self) -> dict[str, int]:
        return {g.name: g.count for g in self.functional_groups}

    @property
    def group_labels(self) -> dict[str, int]:
        counts: Counter = Counter()
        for g in self.functional_groups:
            counts[g.label] += g.count
        return dict(counts)


def _canonical(smiles_or_mol) -> tuple[str, Chem.Mol]:
    """Canonical SMILES and the molecule re-read from it, so every spelling yields identical atoms."""
    if isinstance(smiles_or_mol, Chem.Mol):
        with quiet_rdkit():
            try:
                canonical = Chem.MolToSmiles(Chem.RemoveHs(smiles_or_mol))
            except Exception:  # RemoveHs sanitizes; an unsanitizable Mol is written as it is
                canonical = Chem.MolToSmiles(smiles_or_mol)
    else:
        if not isinstance(smiles_or_mol, str):
            raise TypeError(f"expected a SMILES string or an RDKit Mol, got {type(smiles_or_mol).__name__}")
        parsed = mol_from_smiles(smiles_or_mol.strip())
        if parsed is None:
            raise ValueError(f"RDKit cannot parse SMILES {smiles_or_mol!r}")
        canonical = Chem.MolToSmiles(parsed)
    mol = mol_from_smiles(canonical)
    if mol is None:
        if isinstance(smiles_or_mol, Chem.Mol):
            raise ValueError(f"RDKit cannot re-read the molecule's SMILES {canonical!r}")
        mol = parsed  # canonical SMILES that does not round-trip (rare RDKit corner case)
    return canonical, mol


def _hill_elements(mol: Chem.Mol) -> tuple[tuple[str, int], ...]:
    counts: Counter = Counter()
    for atom in mol.GetAtoms():
        counts[atom.GetSymbol()] += 1
        counts["H"] += atom.GetTotalNumHs()
    counts = +counts
    if "C" in counts:
        order = ["C", "H"] if "H" in counts else ["C"]
        order += sorted(s for s in counts if s not in ("C", "H"))
    else:
        order = sorted(counts)
    return tuple((s, counts[s]) for s in order)


def _stereo(mol: Chem.Mol) -> tuple[tuple[str, ...], tuple[str, ...]]:
    atoms: list[tuple[int, bool]] = []
    bonds: list[tuple[int, bool]] = []
    with quiet_rdkit():
        for info in Chem.FindPotentialStereo(mol):
            specified = info.specified == Chem.StereoSpecified.Specified
            if info.type == Chem.StereoType.Atom_Tetrahedral:
                atoms.append((info.centeredOn, specified))
            elif info.type == Chem.StereoType.Bond_Double:
                bonds.append((info.centeredOn, specified))
    if not atoms and not bonds:
        return (), ()
    labels_atoms: dict[int, str] = {}
    labels_bonds: dict[int, str] = {}
    if any(s for _, s in atoms) or any(s for _, s in bonds):
        work = Chem.Mol(mol)
        try:
            from rdkit.Chem import rdCIPLabeler

            rdCIPLabeler.AssignCIPLabels(work, maxRecursiveIterations=200_000)
            labels_atoms = {a.GetIdx(): a.GetProp("_CIPCode") for a in work.GetAtoms() if a.HasProp("_CIPCode")}
            labels_bonds = {b.GetIdx(): b.GetProp("_CIPCode") for b in work.GetBonds() if b.HasProp("_CIPCode")}
        except Exception:  # the labeler gives up on pathological molecules: fall back to RDKit's legacy CIP
            labels_atoms = dict(Chem.FindMolChiralCenters(work, includeUnassigned=True, useLegacyImplementation=True))
    atom_labels = tuple(labels_atoms.get(i, "?") if specified else "?" for i, specified in sorted(atoms))
    bond_labels = tuple(labels_bonds.get(i, "?") if specified else "?" for i, specified in sorted(bonds))
    return (tuple(x if x in ("R", "S") else "?" for x in atom_labels),
            tuple(x if x in ("E", "Z") else "?" for x in bond_labels))


def _compound_class(mol, groups, elements, systems, ring_count, hetero_ring_count, aromatic_hetero, charge) -> str:
    symbols = {s for s, _ in elements}
    if "C" not in symbols:
        return "inorganic compound"
    if any(_is_metal(a) for a in mol.GetAtoms()):
        bonded = any(_is_metal(a) and any(n.GetAtomicNum() == 6 for n in a.GetNeighbors()) for a in mol.GetAtoms())
        return "organometallic compound" if bonded else "metal-containing compound"
    adjective = ""
    if aromatic_hetero:
        adjective = "heteroaromatic"
    elif systems:
        adjective = "polycyclic aromatic" if any(s.rings >= 3 for s in systems) else "aromatic"
    if not adjective and ring_count:
        adjective = "heterocyclic" if hetero_ring_count else "alicyclic"
    # principal group: the first in family order (functional_groups is sorted that way)
    principal = next((g for g in groups if g.label.split(".")[0] not in ("Halogen", "Polyhalo")), None)
    noun = None
    if principal is not None:
        family = principal.label.split(".")[0]
        if family == "CarboxylicAcid":
            total = sum(g.count for g in groups if g.label.startswith("CarboxylicAcid"))
            anion = all("carboxylate" in g.name for g in groups if g.label.startswith("CarboxylicAcid"))
            if principal.label.endswith("AlphaAmino"):
                noun = "alpha-amino acid"
            else:
                noun = {1: "monocarboxylic acid", 2: "dicarboxylic acid", 3: "tricarboxylic acid"}.get(
                    total, "polycarboxylic acid")
            if anion and charge < 0:
                noun += " anion"
        elif family == "Alcohol" and principal.label.startswith("Alcohol.Aliphatic"):
            total = sum(g.count for g in groups if g.label.startswith("Alcohol.Aliphatic"))
            noun = {1: "alcohol", 2: "diol", 3: "triol"}.get(total, "polyol")
        elif family == "Alcohol" and principal.label == "Alcohol.Aromatic":
            noun = "phenol" if principal.count == 1 else "polyphenol"
        else:
            label = principal.label
            while label and label not in _CLASS_NOUNS:
                label = label.rpartition(".")[0]
            noun = _CLASS_NOUNS.get(label)
    if noun is None:
        halogens = {s for s in symbols if s in _HALO}
        if len(halogens) == 1:
            noun = {"F": "organofluorine", "Cl": "organochlorine", "Br": "organobromine", "I": "organoiodine"}[
                halogens.pop()] + " compound"
        elif halogens:
            noun = "organohalogen compound"
        elif symbols <= {"C", "H"}:
            noun = "hydrocarbon"
        else:
            noun = "compound"
            if not adjective:
                adjective = "acyclic organic"
    if noun in ("phenol", "polyphenol") and adjective == "aromatic":
        adjective = ""
    if adjective and noun.startswith(("cyclic ", "aromatic ")) and adjective.endswith(noun.split()[0]):
        noun = noun.split(" ", 1)[1]  # "alicyclic cyclic ketone" -> "alicyclic ketone"
    return f"{adjective} {noun}".strip()


_NONMETALS = frozenset({1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54, 85, 86})


def _is_metal(atom: Chem.Atom) -> bool:
    return atom.GetAtomicNum() not in _NONMETALS


def _charges(mol: Chem.Mol) -> tuple[int, int, bool]:
    positive = [a for a in mol.GetAtoms() if a.GetFormalCharge() > 0]
    negative = [a for a in mol.GetAtoms() if a.GetFormalCharge() < 0]
    paired = set()
    for atom in positive:  # N+(=O)O-, N+-O-, S+-O-: a charge-separated bond, not a zwitterion
        for n in atom.GetNeighbors():
            if n.GetFormalCharge() < 0 and n.GetIdx() not in paired:
                paired.update((atom.GetIdx(), n.GetIdx()))
                break
    free_pos = sum(a.GetFormalCharge() for a in positive if a.GetIdx() not in paired)
    free_neg = -sum(a.GetFormalCharge() for a in negative if a.GetIdx() not in paired)
    net = Chem.GetFormalCharge(mol)
    zwitterion = False
    if net == 0 and free_pos and free_neg:
        frags = Chem.GetMolFrags(mol)
        zwitterion = any(
            any(mol.GetAtomWithIdx(i).GetFormalCharge() > 0 and i not in paired for i in f)
            and any(mol.GetAtomWithIdx(i).GetFormalCharge() < 0 and i not in paired for i in f)
            and sum(mol.GetAtomWithIdx(i).GetFormalCharge() for i in f) == 0
            for f in frags
        )
    return len(positive), len(negative), zwitterion


def facts(smiles_or_mol) -> MoleculeFacts:
    """Compute the facts about one molecule (a SMILES string or an RDKit Mol).

    Raises ValueError, naming the SMILES, when RDKit cannot parse it.
    """
    canonical, mol = _canonical(smiles_or_mol)
    return _facts(canonical, mol)


def _sssr(mol: Chem.Mol) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """The smallest set of smallest rings (atoms and bonds in ring order).

    RDKit's RingInfo holds the *symmetrized* SSSR, which counts an extra ring in bridged systems
    (three rings for norbornane); the SSSR is what chemists count.
    """
    info = mol.GetRingInfo()
    by_atoms = {frozenset(a): (a, b) for a, b in zip(info.AtomRings(), info.BondRings())}
    sssr = [by_atoms.get(frozenset(ring)) for ring in Chem.GetSSSR(mol)]
    if len(sssr) == len(by_atoms) or any(r is None for r in sssr):
        return info.AtomRings(), info.BondRings()
    return tuple(r[0] for r in sssr), tuple(r[1] for r in sssr)


def _facts(canonical: str, mol: Chem.Mol) -> MoleculeFacts:
    atom_rings, bond_rings = _sssr(mol)
    aromatic_idx = [i for i, br in enumerate(bond_rings) if all(mol.GetBondWithIdx(b).GetIsAromatic() for b in br)]
    aromatic_set = set(aromatic_idx)
    hetero = [any(mol.GetAtomWithIdx(a).GetAtomicNum() != 6 for a in ring) for ring in atom_rings]
    systems = _aromatic_systems(mol, atom_rings, bond_rings, aromatic_idx)
    aliphatic = tuple(
        _aliphatic_ring_name(mol, atom_rings[i], bond_rings[i]) for i in range(len(atom_rings)) if i not in aromatic_set
    )
    elements = _hill_elements(mol)
    groups = _functional_groups(mol)
    charge = Chem.GetFormalCharge(mol)
    positive, negative, zwitterion = _charges(mol)
    frag_mols = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)
    frag_mols = sorted(frag_mols, key=lambda f: (-f.GetNumAtoms(), Chem.MolToSmiles(f)))
    fragments = tuple(rdMolDescriptors.CalcMolFormula(f) for f in frag_mols)
    is_salt = len(frag_mols) > 1 and any(Chem.GetFormalCharge(f) != 0 for f in frag_mols)
    stereocentres, double_bonds = _stereo(mol)
    hetero_rings = sum(hetero)
    aromatic_hetero = sum(hetero[i] for i in aromatic_idx)
    if len(frag_mols) > 1:  # a salt or mixture is classed by its largest component
        main_smiles = Chem.MolToSmiles(frag_mols[0])
        main = mol_from_smiles(main_smiles)
        compound_class = _facts(main_smiles, main).compound_class if main is not None else "compound"
    else:
        compound_class = _compound_class(
            mol, groups, elements, systems, len(atom_rings), hetero_rings, aromatic_hetero, charge
        )
    return MoleculeFacts(
        smiles=canonical,
        formula=rdMolDescriptors.CalcMolFormula(mol),
        molecular_weight=Descriptors.MolWt(mol),
        exact_mass=rdMolDescriptors.CalcExactMolWt(mol),
        heavy_atoms=mol.GetNumHeavyAtoms(),
        elements=elements,
        formal_charge=charge,
        positive_atoms=positive,
        negative_atoms=negative,
        is_zwitterion=zwitterion,
        radical_electrons=sum(a.GetNumRadicalElectrons() for a in mol.GetAtoms()),
        fragments=fragments,
        is_salt=is_salt,
        ring_count=len(atom_rings),
        aromatic_ring_count=len(aromatic_idx),
        ring_sizes=tuple(sorted(len(r) for r in atom_rings)),
        heterocycle_count=hetero_rings,
        aromatic_heterocycle_count=aromatic_hetero,
        aromatic_systems=systems,
        aliphatic_rings=aliphatic,
        functional_groups=groups,
        stereocentres=stereocentres,
        double_bond_stereo=double_bonds,
        compound_class=compound_class,
    )


# ---------------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------------


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


def _opening(f: MoleculeFacts, c: _Chooser) -> tuple[str, bool]:
    cls = _a(f.compound_class)
    mw = f"{f.molecular_weight:.2f} g/mol"
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
        fused_note = (f", the aromatic rings being fused" if len(f.aromatic_systems) == 1
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
        sentences.append(f"It is a radical with {_count(f.radical_electrons, 'unpaired electron', words, article=False)}.")
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


def _render(f: MoleculeFacts, variant: int | None) -> str:
    c = _Chooser(f.smiles, variant)
    words = c.index("numbers", 2) == 1
    opening, mw_said = _opening(f, c)
    sentences = [
        opening,
        _rings_sentence(f, c, words),
        _groups_sentence(f, c, words),
        *_charge_sentences(f, c, words),
        _stereo_sentence(f, c, words),
        _properties_sentence(f, c, words, mw_said),
    ]
    sentences = [s for s in sentences if s]
    text = " ".join(sentences)
    while (len(text.split()) > MAX_WORDS or len(sentences) > MAX_SENTENCES) and len(sentences) > 2:
        sentences.pop()  # least important last: properties, then stereo, then charge
        text = " ".join(sentences)
    return text


def describe(smiles_or_mol, *, variant: int | None = None) -> str:
    """Describe a molecule (SMILES or RDKit Mol) in two to six English sentences.

    The same molecule always gives the same text, whatever its spelling; ``variant`` picks the same
    phrasing index for every sentence instead of the SMILES-derived one. Raises ValueError naming the
    SMILES when RDKit cannot parse it.
    """
    canonical, mol = _canonical(smiles_or_mol)
    return _render(_facts(canonical, mol), variant)


def _describe_or_none(smiles: str) -> str | None:
    try:
        return describe(smiles)
    except ValueError:
        return None


def describe_many(
    smiles_list: Iterable[str], num_proc: int = 1, *, errors: Literal["raise", "none"] = "raise"
) -> list[str | None]:
    """Describe many SMILES, optionally in ``num_proc`` worker processes (order preserved).

    ``errors="raise"`` raises ValueError on the first unparseable SMILES; ``errors="none"`` puts ``None``
    in its place instead.
    """
    if errors not in ("raise", "none"):
        raise ValueError(f"errors must be 'raise' or 'none', not {errors!r}")
    smiles_list = list(smiles_list)
    worker = describe if errors == "raise" else _describe_or_none
    if num_proc <= 1 or len(smiles_list) < 64:
        return [worker(s) for s in smiles_list]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunksize = max(16, len(smiles_list) // (num_proc * 8))
    with ProcessPoolExecutor(max_workers=num_proc, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(worker, smiles_list, chunksize=chunksize))
