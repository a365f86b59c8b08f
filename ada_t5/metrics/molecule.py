"""Text-based molecule generation (text2mol) scores, reproducing MolT5's ``evaluation/mol_translation_metrics.py``
(BLEU, exact match, Levenshtein), ``fingerprint_metrics.py`` (validity, MACCS/RDK/Morgan similarity) and
``fcd_metric.py`` (FCD, see ``fcd.py``).

Definitions (MolT5): BLEU is NLTK ``corpus_bleu`` over characters (default weights); exact match counts rows
whose output and reference both parse and have equal ``Chem.MolToInchi``, over all rows; Levenshtein is the mean
``Levenshtein.distance(output, reference)`` of the raw strings over all rows; validity is the share of outputs
``Chem.MolFromSmiles`` accepts (``''`` parses to an empty molecule and so counts as valid, as in MolT5);
MACCS / RDK (``RDKFingerprint``) / Morgan (count-based, as ``GetMorganFingerprint``, radius 2) Tanimoto
similarities are averaged (``np.mean``) over rows with a valid output.

Speed without changing values: each distinct SMILES is parsed once and its InChI, fingerprints and canonical
form computed once, in worker processes; everything about the references (features, n-gram counts, FCD
statistics) is cached per reference list; reference fingerprints are only computed for rows whose output is
valid, i.e. when a similarity needs them.

Deliberate deviation: MolT5's fingerprint script stops with an exception on a row whose reference does not
parse but whose output does; such rows are left out of the similarity averages and a note says how many.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ada_t5.metrics import bleu, parallel
from ada_t5.metrics.core import (
    TEXT2MOL_KEYS,
    LRUCache,
    Scores,
    Text2MolScorer,
    check_inputs,
    check_pairs,
    fingerprint_strings,
    mean_or_none,
    text2mol_similarity,
)

logger = logging.getLogger(__name__)

_REFERENCES = LRUCache(max_entries=4)


@dataclass
class MolFeatures:
    """What the metrics need from one SMILES string (picklable, so workers can return it)."""

    valid: bool
    fcd_smiles: str | None = None  # fcd's canonical(); None when it fails
    full: bool = False  # InChI and fingerprints computed (for a valid molecule)
    inchi: str | None = None  # raw MolToInchi ('' when InChI fails); None when it raised
    maccs: Any = None
    rdk: Any = None
    morgan: Any = None


def features_chunk(smiles: Sequence[str], full: bool) -> list[MolFeatures]:
    """Worker job: parse each SMILES once and derive the rest from that molecule."""
    from ada_t5 import chem

    result = []
    with chem.quiet_rdkit():
        for text in smiles:
            mol = chem.molt5_mol(text)
            if mol is None:
                result.append(MolFeatures(valid=False))
                continue
            try:
                canonical = chem.mol_to_smiles(mol)
            except Exception:  # noqa: BLE001 - RDKit's own error types: a molecule it cannot write
                canonical = None
            features = MolFeatures(valid=True, fcd_smiles=canonical)
            if full:
                features.full = True
                features.inchi = chem.molt5_inchi(mol)
                features.maccs = chem.maccs_fingerprint(mol)
                features.rdk = chem.rdk_fingerprint(mol)
                features.morgan = chem.morgan_count_fingerprint(mol, 2)
            result.append(features)
    return result


def _compute_features(smiles: Sequence[str], full: bool, num_proc: int) -> parallel.PendingJobs:
    chunk_count = num_proc * 3 if len(smiles) >= parallel.MIN_ROWS_PER_WORKER * 2 and num_proc > 1 else 1
    jobs = [(features_chunk, (list(smiles[a:b]), full)) for a, b in parallel.split_evenly(len(smiles), chunk_count)]
    return parallel.start_jobs(jobs, num_proc, pool="rdkit")


def _collect(pending: parallel.PendingJobs) -> list[MolFeatures]:
    return [features for chunk in pending.results() for features in chunk]


@dataclass
class MoleculeReferences:
    """Reference-only data, cached: per-row features (fingerprints filled in when first needed), char n-grams."""

    smiles: list[str]
    features: list[MolFeatures] = field(default_factory=list)
    ngrams: list[bleu.NgramCounts] = field(default_factory=list)

    def fcd_smiles(self) -> list[str]:
        return [f.fcd_smiles for f in self.features if f.fcd_smiles is not None]


def clear_cache() -> None:
    from ada_t5.metrics import fcd

    _REFERENCES.clear()
    fcd.clear_cache()


def _rdkit_quiet(func):
    """RDKit's parse warnings (~20 lines for a file of captions) silenced for the call only, not globally."""
    @functools.wraps(func)
    def quiet(*args, **kwargs):
        from ada_t5.chem import quiet_rdkit

        with quiet_rdkit():
            return func(*args, **kwargs)

    return quiet


@_rdkit_quiet
def score_text2mol(outputs: Sequence[str], references: Sequence[str], *, fcd: bool = True, fcd_model: Any = None,
                   text2mol: Text2MolScorer | None = None, num_proc: int | None = None, cache: bool = True,
                   inputs: Sequence[str] | None = None, fcd_device: str | None = None,
                   fcd_max_length: int | None = None) -> Scores:
    """Score generated SMILES against reference SMILES with MolT5's definitions.

    ``fcd``: compute FCD (needs the ``fcd`` package); ``fcd_model``: None (fcd's bundled ChemNet), a checkpoint
    path or a loaded model; ``fcd_device``: default as fcd (CUDA when available); ``fcd_max_length``: leave out
    longer outputs from FCD (None = MolT5-exact). ``num_proc``: processes for RDKit work (default min(2, CPUs)).
    ``cache``: reuse what depends only on ``references``. ``inputs`` (descriptions) only for ``text2mol``.
    """
    outputs, references = check_pairs(outputs, references)
    inputs = check_inputs(inputs, len(outputs))
    if text2mol is not None and inputs is None:
        raise ValueError("a text2mol scorer needs inputs= (the source descriptions)")
    if fcd:
        from ada_t5.metrics.resources import check_fcd_available

        check_fcd_available(fcd_model)
    notes: list[str] = []
    if not outputs:
        notes.append("no examples: nothing to score")
        return Scores("text2mol", dict.fromkeys(TEXT2MOL_KEYS), [], notes)
    workers = parallel.resolve_num_proc(num_proc)

    if cache:
        key = fingerprint_strings(references, "text2mol")
        refs = _REFERENCES.get_or_create(key, lambda: MoleculeReferences(list(references)))
    else:
        refs = MoleculeReferences(list(references))

    # Phase 1, in the workers: every distinct output in full, reference parsing/canonical forms if not cached.
    unique_outputs = list(dict.fromkeys(outputs))
    output_jobs = _compute_features(unique_outputs, True, workers)
    reference_jobs = None if refs.features else _compute_features(refs.smiles, False, workers)
    # Meanwhile here: what needs no molecule, and the FCD model's import.
    if not refs.ngrams:
        refs.ngrams = [bleu.ngram_counts(reference, 4) for reference in references]
    rows = [bleu.row_counts(output, ngrams) for output, ngrams in zip(outputs, refs.ngrams)]
    from Levenshtein import distance

    levenshtein = [distance(output, reference) for output, reference in zip(outputs, references)]
    model = model_key = None
    if fcd:
        from ada_t5.metrics import fcd as fcd_module

        model, model_key = fcd_module.load_model(fcd_model)
    by_output = dict(zip(unique_outputs, _collect(output_jobs)))
    if reference_jobs is not None:
        refs.features = _collect(reference_jobs)

    # Phase 2: reference InChIs and fingerprints, only for rows whose output is valid (and only once).
    needed = sorted({i for i, output in enumerate(outputs)
                     if by_output[output].valid and refs.features[i].valid and not refs.features[i].full})
    if needed:
        for i, features in zip(needed, _collect(_compute_features([refs.smiles[i] for i in needed], True, workers))):
            refs.features[i] = features

    from ada_t5.chem import tanimoto

    per_example, maccs, rdk, morgan = [], [], [], []
    exact = valid = skipped_references = 0
    for i, output in enumerate(outputs):
        out, ref = by_output[output], refs.features[i]
        row: dict[str, Any] = {"valid": out.valid, "exact": False, "levenshtein": levenshtein[i],
                               "bleu": bleu.sentence_bleu(rows[i]), "maccs": None, "rdk": None, "morgan": None}
        valid += out.valid
        if out.valid and ref.valid:
            row["exact"] = out.inchi is not None and ref.inchi is not None and out.inchi == ref.inchi
            row["maccs"] = tanimoto(ref.maccs, out.maccs)  # MolT5's order: reference first
            row["rdk"] = tanimoto(ref.rdk, out.rdk)
            row["morgan"] = tanimoto(ref.morgan, out.morgan)
            maccs.append(row["maccs"])
            rdk.append(row["rdk"])
            morgan.append(row["morgan"])
        elif out.valid:
            skipped_references += 1
        exact += row["exact"]
        per_example.append(row)
    empty_valid = sum(1 for output in outputs if not output.strip() and by_output[output].valid)
    if empty_valid:
        notes.append(f"validity: {empty_valid} empty output(s) counted as valid: RDKit parses an empty SMILES to an "
                     "empty molecule, and MolT5's script counts it (kept for comparability)")
    if skipped_references:
        notes.append(f"fingerprints: {skipped_references} row(s) with a valid output but an unparseable reference "
                     f"were left out of maccs/rdk/morgan (MolT5's script would stop on them)")

    aggregate: dict[str, float | None] = {
        "bleu": bleu.corpus_bleu(rows),
        "exact": exact / len(outputs),
        "levenshtein": mean_or_none(levenshtein),
        "validity": valid / len(outputs),
        "maccs": mean_or_none(maccs),
        "rdk": mean_or_none(rdk),
        "morgan": mean_or_none(morgan),
        "fcd": None,
    }
    if fcd:
        aggregate["fcd"] = _fcd(outputs, by_output, refs, model, model_key, notes, cache=cache, device=fcd_device,
                                max_length=fcd_max_length)
    else:
        notes.append("fcd: not computed (disabled)")
    if text2mol is not None:
        aggregate["text2mol"], sims = text2mol_similarity(text2mol, inputs, outputs)
        for row, sim in zip(per_example, sims):
            row["text2mol"] = sim
    else:
        notes.append("text2mol: not computed (no Text2Mol model given; pass text2mol=...)")
    return Scores("text2mol", aggregate, per_example, notes)


def _fcd(outputs: list[str], by_output: dict[str, MolFeatures], refs: MoleculeReferences, model: Any,
         model_key: str, notes: list[str], *, cache: bool, device: str | None, max_length: int | None) -> float | None:
    from ada_t5.metrics import fcd as fcd_module

    # MolT5 turns an empty output into "[]" before canonicalising: it never reaches FCD
    output_smiles = [by_output[o].fcd_smiles for o in outputs if o and by_output[o].fcd_smiles is not None]
    if max_length is not None:
        kept = [s for s in output_smiles if len(s) <= max_length]
        if len(kept) < len(output_smiles):
            notes.append(f"fcd: {len(output_smiles) - len(kept)} output(s) longer than {max_length} characters "
                         f"left out (fcd_max_length; not MolT5-exact)")
        output_smiles = kept
    reference_smiles = refs.fcd_smiles()
    if len(output_smiles) < 2 or len(reference_smiles) < 2:
        notes.append(f"fcd: not computed (needs at least 2 valid molecules on each side; {len(output_smiles)} "
                     f"valid outputs, {len(reference_smiles)} valid references)")
        return None
    reference_stats = fcd_module.reference_statistics(model, model_key, reference_smiles, cache=cache, device=device)
    output_stats = fcd_module.statistics(model, output_smiles, device)
    try:
        value = fcd_module.frechet_distance(reference_stats, output_stats)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:  # degenerate covariances
        notes.append(f"fcd: not computed ({type(error).__name__}: {error})")
        return None
    if not math.isfinite(value):
        notes.append(f"fcd: not computed (the Frechet distance came out as {value})")
        return None
    return value
