"""Compact drawings: still RDKit's drawing (same atoms, well-formed SVG inside its frame), a fraction of the size."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from ada_t5.report.drawings import IMAGE_SIZE, _rdkit_svg, compact_svg, svg_document

SVG = "{http://www.w3.org/2000/svg}"


def test_compact_drawing_keeps_the_atoms_and_is_well_formed():
    smiles = "C[C@@H](N)C(=O)[O-].[Na+]"  # a solid wedge, charges, a salt: labels, filled paths
    root = ElementTree.fromstring(svg_document(compact_svg(smiles)))
    assert root.tag == SVG + "svg" and root.get("viewBox") == f"0 0 {IMAGE_SIZE[0]} {IMAGE_SIZE[1]}"
    labels = "".join(t.text or "" for t in root.iter(SVG + "text"))
    for symbol in ("N", "O", "Na", "+", "-"):
        assert symbol in labels
    assert any(p.get("fill") for p in root.iter(SVG + "path"))  # the wedge stays a filled shape
    numbers = [float(n) for p in root.iter(SVG + "path") for n in re.findall(r"-?\d+", p.get("d"))]
    assert numbers and all(-5 <= n <= max(IMAGE_SIZE) + 5 for n in numbers)  # whole pixels inside the frame


def test_compact_drawing_is_a_fraction_of_rdkit_s():
    smiles = "CCCCCCCC/C=C\\CCCCCCCC(=O)OC[C@H](COP(=O)(O)OCC[N+](C)(C)C)OC(=O)CCCCCCC/C=C\\CCCCCCCC"
    full, compact = _rdkit_svg(smiles, IMAGE_SIZE, freetype=True), compact_svg(smiles)
    assert len(compact) * 4 < len(full)


def test_what_rdkit_cannot_read_is_not_drawn():
    assert compact_svg("C1CC(") is None and compact_svg("") is None and compact_svg(None) is None
