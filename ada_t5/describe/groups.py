"""Functional groups found in a molecule: RDKit's functional-group hierarchy with :data:`EXTRA_GROUPS` grafted
on (compiled once, on first use), every matched atom reported once under the most specific group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdkit import Chem

from ada_t5.chem import quiet_rdkit
from ada_t5.describe.group_tables import (
    _FAMILY_ORDER,
    _HALIDE,
    _HALO,
    _KEY_FILTERS,
    _RDKIT_FIRST,
    _RDKIT_NAMES,
    _RDKIT_SKIP,
    EXTRA_GROUPS,
)


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
