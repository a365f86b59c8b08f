"""The facts :func:`describe` states, computed with RDKit from the canonical form of a molecule: formula,
weights, charges, fragments, rings and aromatic systems, functional groups, stereo elements, compound class."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from ada_t5.chem import mol_from_smiles, quiet_rdkit
from ada_t5.describe.group_tables import _CLASS_NOUNS, _HALO
from ada_t5.describe.groups import GroupCount, _functional_groups
from ada_t5.describe.rings import AromaticSystem, _aliphatic_ring_name, _aromatic_systems, _sssr


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
            except Exception:  # noqa: BLE001 - RemoveHs sanitizes; an unsanitizable Mol is written as it is
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
        except Exception:  # noqa: BLE001 - the labeler gives up on pathological molecules: fall back to RDKit's legacy CIP
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
