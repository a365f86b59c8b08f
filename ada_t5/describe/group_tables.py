"""Functional-group tables (data only): English names for RDKit's hierarchy labels, the SMARTS groups
ada_t5 adds (:data:`EXTRA_GROUPS`), the order of group families, compound-class nouns, halogen names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rdkit import Chem

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


_HALIDE = {"F": "fluoride", "Cl": "chloride", "Br": "bromide", "I": "iodide"}
_HALO = {"F": "fluoro", "Cl": "chloro", "Br": "bromo", "I": "iodo"}
