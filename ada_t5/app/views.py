"""What the demo page shows, as HTML, with no web framework: captions for a SMILES, a grid of designed molecules.

Kept apart from the Gradio wiring (:mod:`ada_t5.app.blocks`) so it is tested without a browser, and so a Space
or another front end can reuse it. Every string that comes from a user or a model is HTML-escaped
(:func:`ada_t5.report.escape`); molecules are RDKit SVG drawings inlined as ``data:`` images
(:func:`ada_t5.report.molecule_image`), as in the HTML report.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ada_t5.errors import AdaT5Error
from ada_t5.report import escape, molecule_image

logger = logging.getLogger(__name__)

DECODING_MODES = ("greedy", "beam search", "sampling")
MAX_CANDIDATES = 8
# shown when the checkpoint brings no test predictions of its own (ChEBI-20-style inputs)
BUILTIN_SMILES = ("CC(=O)OC1=CC=CC=C1C(=O)O", "C1=CC=C(C=C1)C=O", "CC(C)CC1=CC=C(C=C1)C(C)C(=O)O",
                  "C(C(C(C(C(C=O)O)O)O)O)O")
BUILTIN_DESCRIPTIONS = (
    "The molecule is a monocarboxylic acid that is benzoic acid substituted by an acetoxy group at position 2.",
    "The molecule is an aromatic aldehyde that is benzene carrying a formyl group.",
    "The molecule is a primary alcohol that is ethane substituted by a hydroxy group.",
)


class DemoError(AdaT5Error, ValueError):
    """The demo cannot start with these settings (no such model, unreadable pool)."""


@dataclass(frozen=True)
class Decoding:
    """The page's decoding controls; greedy (the paper's default) unless the user picks another mode."""

    mode: str = "greedy"
    n: int = 1
    num_beams: int = 4
    temperature: float = 1.0
    top_p: float = 0.95
    max_new_tokens: int = 256

    def options(self) -> dict:
        """Keyword arguments for :meth:`ada_t5.inference.AdaT5.caption` / ``generate``."""
        if self.mode not in DECODING_MODES:
            raise ValueError(f"decoding mode must be one of {DECODING_MODES}, not {self.mode!r}")
        n = max(1, min(int(self.n), MAX_CANDIDATES))
        options = {"n": n, "max_new_tokens": int(self.max_new_tokens)}
        if self.mode == "beam search":
            options["num_beams"] = max(int(self.num_beams), n)
        elif self.mode == "sampling":
            options.update(do_sample=True, temperature=float(self.temperature), top_p=float(self.top_p), seed=0)
        return options


@dataclass
class ModelInfo:
    """What the page says about the loaded checkpoint (from run_info.json / test_metrics.json when present)."""

    name: str
    task: str | None = None
    trained_on: str | None = None
    base: str | None = None
    test_scores: dict = field(default_factory=dict)
    pool_size: int | None = None

    def html(self) -> str:
        parts = [f"<b>Model</b>: <code>{escape(self.name)}</code>"]
        if self.task:
            parts.append(f"fine-tuned for <b>{escape(self.task)}</b>")
        if self.trained_on:
            parts.append(f"on <code>{escape(self.trained_on)}</code>")
        if self.base:
            parts.append(f"from <code>{escape(self.base)}</code>")
        if self.test_scores:
            shown = ", ".join(f"{escape(k)} {v:.3f}" for k, v in self.test_scores.items())
            parts.append(f"test scores: {shown}")
        if self.pool_size:
            parts.append(f"nearest-molecule search over {self.pool_size:,} known molecules")
        return '<p class="model-info">' + "; ".join(parts) + "</p>"


def read_model_info(path: str | os.PathLike, name: str | None = None) -> ModelInfo:
    """The checkpoint's own record of its training; a Hub id or a bare folder gives just its name."""
    folder = Path(path)
    info = ModelInfo(name=name or os.fspath(path))
    from ada_t5.model_card import collect_info

    card = collect_info(folder)  # run_info.json and test_metrics.json, as the model card reads them
    info.task = card.task
    info.trained_on = card.dataset
    info.base = card.base_model or (f"a fresh {card.model_shape} T5" if card.model_shape else None)
    keys = ("bleu4", "rougeL", "meteor") if info.task == "mol2text" else ("bleu", "validity", "morgan")
    info.test_scores = {k: card.metrics[k] for k in keys if isinstance(card.metrics.get(k), (int, float))}
    return info


def read_examples(path: str | os.PathLike, limit: int = 5) -> tuple[list[str], list[str]]:
    """(SMILES, descriptions) for the page's example buttons: the checkpoint's own test predictions when it
    has them (``test_predictions.tsv``, MolT5's format), else a few built-in ones."""
    file = Path(path) / "test_predictions.tsv" if path else None
    smiles, texts = [], []
    if file is not None and file.is_file():
        from ada_t5.metrics import read_predictions

        try:
            predictions = read_predictions(file)
        except ValueError as error:  # a damaged file costs the examples, not the page
            logger.warning("examples not read from %s: %s", file, error)
        else:
            molecules, descriptions = ((predictions.inputs, predictions.references) if predictions.task == "mol2text"
                                       else (predictions.references, predictions.inputs))
            smiles, texts = list(molecules[:limit]), list(descriptions[:limit])
    return (smiles or list(BUILTIN_SMILES)), (texts or list(BUILTIN_DESCRIPTIONS))


class KnownMolecules:
    """Nearest known molecule of a designed one: Morgan (radius 2, 2,048 bits) Tanimoto over a pool.

    Unlike the retrieval used for augmentation, an identical molecule is a hit here: similarity 1.0 tells the
    user the design is a known compound, not a new one."""

    def __init__(self, smiles: Sequence[str], names: Sequence[str] | None = None):
        from ada_t5 import chem

        self.smiles, self.names, fingerprints = [], [], []
        for i, s in enumerate(smiles):
            mol = chem.mol_from_smiles(s)
            if mol is None:
                continue
            self.smiles.append(chem.mol_to_smiles(mol))
            self.names.append(names[i] if names else "")
            fingerprints.append(chem.morgan_bit_fingerprint(mol))
        self.fingerprints = fingerprints

    def __len__(self) -> int:
        return len(self.smiles)

    def nearest(self, smiles: str) -> tuple[str, str, float] | None:
        """(SMILES, name or id, similarity) of the most similar known molecule; None for an invalid query."""
        from rdkit import DataStructs

        from ada_t5 import chem

        mol = chem.mol_from_smiles(smiles)
        if mol is None or not self.fingerprints:
            return None
        similarities = DataStructs.BulkTanimotoSimilarity(chem.morgan_bit_fingerprint(mol), self.fingerprints)
        best = max(range(len(similarities)), key=similarities.__getitem__)
        return self.smiles[best], self.names[best], float(similarities[best])


def read_pool(path: str | os.PathLike) -> KnownMolecules:
    """Known molecules from a pair file (any format :func:`ada_t5.data.load_pairs` reads) or a SMILES list
    (one per line, optional second tab-separated field as a name)."""
    from ada_t5 import data

    path = Path(path)
    if not path.exists():
        raise DemoError(f"--pool {path}: no such file or folder")
    try:
        rows = data.load_pairs(os.fspath(path))
        ids = rows["id"] if "id" in rows.column_names else None
        return KnownMolecules(list(rows["smiles"]), ids)
    except data.DataFormatError:
        pass  # not a pair file: a plain SMILES list
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0].strip()]
    known = KnownMolecules([r[0].strip() for r in rows], [r[1] if len(r) > 1 else "" for r in rows])
    if not len(known):
        raise DemoError(f"--pool {path}: no valid SMILES in it")
    return known


def checkpoint_pool(path: str | os.PathLike) -> KnownMolecules | None:
    """The retrieval pool a retrieval-augmented checkpoint carries, as known molecules; None without one."""
    if not Path(path).is_dir():
        return None
    try:
        from ada_t5.rag.augment import Augmenter
    except ImportError:
        return None
    augmenter = Augmenter.from_checkpoint(path)
    if augmenter is None:
        return None
    return KnownMolecules(augmenter.pool.smiles, augmenter.pool.ids)


def truncation_note(prediction) -> str:
    """A visible note when the model read only part of the input (the prediction says so: it was generated with
    the page's limit, task prefix counted); '' otherwise."""
    if not prediction.truncated:
        return ""
    return f'<p class="note truncated">{escape(prediction.warning[:1].upper() + prediction.warning[1:])}.</p>'


def _image_tag(smiles: str | None, alt: str, size=(260, 190)) -> str:
    uri = molecule_image(smiles, size) if smiles else None
    if uri is None:
        return '<div class="noimg">no drawing</div>'
    return f'<img class="mol" src="{uri}" alt="{escape(alt)}" width="{size[0]}" height="{size[1]}">'


def caption_html(model, smiles: str, decoding: Decoding, *, source_limit: int = 512) -> str:
    """The Caption tab's answer: the input drawn (or why it cannot be used) and ``n`` candidate captions."""
    from ada_t5 import chem

    smiles = (smiles or "").strip()
    if not smiles:
        return '<p class="error">Enter a SMILES string.</p>'
    if not chem.is_valid_smiles(smiles):
        reason = chem.smiles_error(smiles) or "RDKit cannot parse it"
        return (f'<p class="error">Invalid SMILES <code>{escape(smiles)}</code>: {escape(reason)}</p>')
    prediction = model.caption([smiles], max_source_length=source_limit, **decoding.options())[0]
    head = (f'<div class="input">{_image_tag(smiles, smiles)}<p><code>{escape(chem.canonical_smiles(smiles))}</code>'
            f"</p></div>" + truncation_note(prediction))
    items = "".join(f'<li class="caption">{escape(c.text) or "<i>(empty output)</i>"}</li>'
                    for c in prediction.candidates)
    return head + f'<ol class="captions">{items}</ol>'


def design_html(model, description: str, decoding: Decoding, *, known: KnownMolecules | None = None,
                source_limit: int = 512) -> str:
    """The Design tab's answer: ``n`` candidates as a grid of drawings, canonical SMILES, validity and the
    nearest known molecule; an invalid candidate is shown as such, never dropped."""
    description = (description or "").strip()
    if not description:
        return '<p class="error">Enter a description.</p>'
    prediction = model.generate([description], max_source_length=source_limit, **decoding.options())[0]
    head = (f'<p class="query">Description: <q>{escape(description)}</q></p>' + truncation_note(prediction))
    cells = []
    for rank, candidate in enumerate(prediction.candidates, 1):
        if candidate.valid:
            nearest = known.nearest(candidate.text) if known is not None else None
            near = ""
            if nearest is not None:
                near_smiles, near_name, similarity = nearest
                label = "known molecule" if similarity >= 0.999 else "nearest known"
                name = f" ({escape(near_name)})" if near_name else ""
                near = (f'<p class="nearest">{label}{name}: <code>{escape(near_smiles)}</code>, '
                        f"Tanimoto {similarity:.2f}</p>")
            cells.append(f'<div class="cell valid"><p class="rank">#{rank} <span class="flag ok">valid</span></p>'
                         f"{_image_tag(candidate.text, candidate.text)}<p><code>{escape(candidate.text)}</code></p>"
                         f"{near}</div>")
        else:
            cells.append(f'<div class="cell invalid"><p class="rank">#{rank} <span class="flag bad">invalid</span>'
                         f'</p><div class="noimg">RDKit cannot parse it</div><p><code>{escape(candidate.raw)}</code>'
                         "</p></div>")
    valid = sum(1 for c in prediction.candidates if c.valid)
    summary = f'<p class="summary">{valid} of {len(prediction.candidates)} candidates valid</p>'
    return head + summary + '<div class="grid">' + "".join(cells) + "</div>"


PAGE_CSS = """
.grid {display: flex; flex-wrap: wrap; gap: 12px}
.cell {border: 1px solid #ccc; border-radius: 6px; padding: 6px; width: 272px; overflow-wrap: anywhere}
.cell.invalid {background: #fff3f3}
.flag.ok {color: #0a0} .flag.bad {color: #c00; font-weight: bold}
.noimg {width: 260px; height: 190px; display: flex; align-items: center; justify-content: center; color: #888}
.error, .truncated {color: #b00}
"""
