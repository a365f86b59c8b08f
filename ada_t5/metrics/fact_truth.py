"""What RDKit says about a caption's input molecule, for the fact check (:mod:`ada_t5.metrics.facts`): its
describer facts, the formula of the whole and of each component, and the named rings it has, counted two ways."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class MoleculeTruth:
    facts: object  # ada_t5.describe.MoleculeFacts
    mol: object  # RDKit Mol
    fragment_formulas: tuple[tuple[Counter, int], ...]  # (element counts, charge) of the whole, then each component
    fragment_charges: tuple[int, ...]
    ring_names: Counter  # name -> count (systems, single rings of fused systems, non-aromatic rings)
    ring_systems: Counter  # name -> count of whole systems and non-aromatic rings only ("two benzene rings" beside a
    # quinoline counts the quinoline's benzene ring in one reading and not in the other: both are accepted)


@lru_cache(maxsize=4096)
def molecule_truth(smiles: str) -> MoleculeTruth | None:
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
    formulas = [parse_formula(f.formula)]
    charges = []
    for fragment in Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False):
        from rdkit.Chem import rdMolDescriptors

        formulas.append(parse_formula(rdMolDescriptors.CalcMolFormula(fragment)))
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
    return MoleculeTruth(f, mol, tuple(x for x in formulas if x is not None), tuple(charges), names, systems)


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


def parse_formula(text: str) -> tuple[Counter, int] | None:
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
