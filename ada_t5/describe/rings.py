"""Rings: the smallest set of smallest rings, names of aromatic rings and fused aromatic systems ("pyridine",
"quinoline", "purine", "pyridinone") and of non-aromatic rings ("cyclohexane ring", "piperazine ring",
"six-membered heterocycle containing nitrogen")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdkit import Chem

from ada_t5.describe.english import _element_name, _join, _size_word

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


def ring_vocabulary() -> frozenset[str]:
    """Every ring and ring-system name this module can give (oxo forms included, "ring" left off): what a
    caption may name and :mod:`ada_t5.metrics.facts` can check."""
    bases = {*_SIX_RINGS.values(), *_FIVE_RINGS.values(), "pyridazine", "pyrimidine", "pyrazine", "imidazole",
             "pyrazole", "oxazole", "isoxazole", "thiazole", "isothiazole", *_BICYCLIC.values(), *_DIBENZO.values(),
             *(name for pair in _BENZO_FUSED.values() for name in pair), *_SATURATED_RINGS.values(),
             *_SATURATED_PAIRS.values()}
    bases |= {f"cyclo{stem}{ending}" for stem in _CYCLO_STEMS.values() for ending in ("ene", "adiene", "atriene")}
    return frozenset(_with_oxo(base, oxo) for base in bases for oxo in (0, 1, 2, 3))
