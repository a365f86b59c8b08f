"""Molecule drawings for the report and the demo: RDKit's SVG, either as is (a ``data:`` URI) or compacted.

A full ChEBI-20 report draws ~6,000 molecules. RDKit's SVG, with its text drawn as outline paths and every
segment carrying a 200-character style, is 12-36 KB a molecule (a 180 MB page); the compact form keeps RDKit's
drawing and only rewrites it: text as ``<text>`` elements (no FreeType outlines), coordinates rounded to whole
pixels at the drawing's 260x190 size, consecutive line segments of one colour merged into one path, styles as
two short attributes. About 3.4 KB a molecule, 0.6 KB gzip-compressed (measured by bench/report_scale.py).
The page wraps a compact body with :func:`svg_document` when it shows the row.
"""

from __future__ import annotations

import base64
import re

IMAGE_SIZE = (260, 190)

_ELEMENT = re.compile(r"<(path|text|ellipse)\b([^>]*?)(?:/>|>([^<]*)</\1>)", re.DOTALL)
_ATTRIBUTE = re.compile(r"([\w:-]+)='([^']*)'")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PATH_COMMAND = re.compile(r"\s*([A-Za-z])\s*")


def _rdkit_svg(smiles: str | None, size: tuple[int, int], freetype: bool) -> str | None:
    from rdkit.Chem.Draw import rdMolDraw2D

    from ada_t5.chem import mol_from_smiles, quiet_rdkit

    mol = mol_from_smiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    try:
        with quiet_rdkit():
            drawer = rdMolDraw2D.MolDraw2DSVG(*size) if freetype else rdMolDraw2D.MolDraw2DSVG(*size, -1, -1, True)
            rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
            drawer.FinishDrawing()
            return drawer.GetDrawingText()
    except Exception:  # noqa: BLE001 - a molecule RDKit parses but cannot depict is shown as text only
        return None


def molecule_image(smiles: str | None, size: tuple[int, int] = IMAGE_SIZE) -> str | None:
    """RDKit's full drawing of ``smiles`` as a ``data:image/svg+xml`` URI (the demo page); ``None`` if it cannot be
    drawn."""
    svg = _rdkit_svg(smiles, size, freetype=True)
    if svg is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _round(match: re.Match) -> str:
    return str(round(float(match.group(0))))


def _style(attributes: dict) -> dict:
    return dict(part.split(":", 1) for part in attributes.get("style", "").split(";") if ":" in part)


def compact_svg(smiles: str | None) -> str | None:
    """The body of a compact drawing of ``smiles`` (wrap it with :func:`svg_document`); ``None`` if RDKit cannot
    draw it."""
    svg = _rdkit_svg(smiles, IMAGE_SIZE, freetype=False)
    if svg is None:
        return None
    items: list[tuple[tuple, str]] = []
    for match in _ELEMENT.finditer(svg):
        tag, attributes, text = match.group(1), dict(_ATTRIBUTE.findall(match.group(2))), match.group(3)
        style = _style(attributes)
        if tag == "path":
            d = _PATH_COMMAND.sub(r"\1", _NUMBER.sub(_round, attributes.get("d", ""))).replace(",", " ")
            width = style.get("stroke-width", "2").removesuffix("px")
            items.append((("path", style.get("fill", "none"), style.get("stroke", "none"), width), d))
        elif tag == "text":
            x, y = (_NUMBER.sub(_round, attributes.get(k, "0")) for k in ("x", "y"))
            size = style.get("font-size", "12px").removesuffix("px")
            anchor = style.get("text-anchor", "start")
            extra = "" if anchor == "start" else f" text-anchor='{anchor}'"
            # the label is RDKit's own XML text (element symbols, charges, H counts), kept as RDKit escaped it
            label = (f"<text x='{x}' y='{y}' fill='{style.get('fill', '#000000')}' "
                     f"font-size='{size}'{extra}>{text or ''}</text>")
            items.append((("text",), label))
        else:  # ellipses (radicals, some highlights): kept with their attributes, numbers rounded
            items.append((("other",), _NUMBER.sub(_round, match.group(0))))
    parts, at = [], 0
    while at < len(items):
        key, value = items[at]
        at += 1
        if key[0] != "path":
            parts.append(value)
            continue
        d = [value]
        # merging is only safe for unfilled strokes: filled wedges merged under even-odd would cancel out
        while key[1] == "none" and at < len(items) and items[at][0] == key:
            d.append(items[at][1])
            at += 1
        fill = "" if key[1] == "none" else f" fill='{key[1]}'"
        parts.append(f"<path d='{''.join(d)}' stroke='{key[2]}' stroke-width='{key[3]}'{fill}/>")
    return "".join(parts)


# the frame the page's script puts around a compact body (it reads it from the data document: one definition)
SVG_HEAD = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{IMAGE_SIZE[0]}' height='{IMAGE_SIZE[1]}' "
            f"viewBox='0 0 {IMAGE_SIZE[0]} {IMAGE_SIZE[1]}' font-family='sans-serif' fill='none' "
            f"stroke-linecap='round'><rect width='{IMAGE_SIZE[0]}' height='{IMAGE_SIZE[1]}' fill='#ffffff'/>")
SVG_TAIL = "</svg>"


def svg_document(body: str) -> str:
    """A compact body as a standalone SVG document, as the page's script builds it."""
    return SVG_HEAD + body + SVG_TAIL
