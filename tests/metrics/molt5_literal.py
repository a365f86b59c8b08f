"""A straightforward, single-process reimplementation of MolT5's evaluation scripts (blender-nlp/MolT5,
``evaluation/``), following them step by step with the same libraries and no caching or parallelism.

It is the yardstick for ``ada_t5.metrics``: tests assert the fast suites give the same values on real prediction
files, and ``bench/metrics_speed.py`` times it as the baseline. Written from the scripts' definitions, not copied.
One knowingly explicit step: MolT5 asks the tokenizer for ``truncation=True, max_length=512``, which
transformers 4 applied and transformers 5's ``tokenize()`` ignores; ``[:512]`` applies it here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def mol2text(outputs: list[str], references: list[str], vocab_txt: str | Path, meteor: bool = True) -> dict:
    """``text_translation_metrics.py``: SciBERT tokens -> BLEU-2/4, METEOR; raw strings -> ROUGE-1/2/L."""
    import numpy as np
    from nltk.translate.bleu_score import corpus_bleu
    from nltk.translate.meteor_score import meteor_score
    from rouge_score import rouge_scorer
    from transformers import BertTokenizerFast

    folder = tempfile.mkdtemp(prefix="scibert-")
    try:
        shutil.copy(vocab_txt, Path(folder) / "vocab.txt")
        tokenizer = BertTokenizerFast.from_pretrained(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def tokens(text: str) -> list[str]:
        pieces = tokenizer.tokenize(text, truncation=True, max_length=512, padding="max_length")[:512]
        return [p for p in pieces if p not in ("[PAD]", "[CLS]", "[SEP]")]

    rows = [(gt, out[6:] if out.startswith("[CLS] ") else out) for gt, out in zip(references, outputs)]
    list_of_references, hypotheses, meteors = [], [], []
    for gt, out in rows:
        gt_tokens, out_tokens = tokens(gt), tokens(out)
        list_of_references.append([gt_tokens])
        hypotheses.append(out_tokens)
        if meteor:
            meteors.append(meteor_score([gt_tokens], out_tokens))
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    rouge = [scorer.score(out, gt) for gt, out in rows]
    return {
        "bleu2": corpus_bleu(list_of_references, hypotheses, weights=(0.5, 0.5)),
        "bleu4": corpus_bleu(list_of_references, hypotheses, weights=(0.25, 0.25, 0.25, 0.25)),
        "rouge1": np.mean([r["rouge1"].fmeasure for r in rouge]),
        "rouge2": np.mean([r["rouge2"].fmeasure for r in rouge]),
        "rougeL": np.mean([r["rougeL"].fmeasure for r in rouge]),
        "meteor": np.mean(meteors) if meteor else None,
    }


def text2mol(outputs: list[str], references: list[str], fcd: bool = True) -> dict:
    """``mol_translation_metrics.py`` + ``fingerprint_metrics.py`` + ``fcd_metric.py``, each on its own pass."""
    import numpy as np
    from Levenshtein import distance
    from nltk.translate.bleu_score import corpus_bleu
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import AllChem, MACCSkeys

    RDLogger.DisableLog("rdApp.*")
    n = len(outputs)
    # mol_translation_metrics.py
    bleu = corpus_bleu([[list(gt)] for gt in references], [list(out) for out in outputs])
    exact = bad = 0
    levs = []
    for gt, out in zip(references, outputs):
        try:
            if Chem.MolToInchi(Chem.MolFromSmiles(out)) == Chem.MolToInchi(Chem.MolFromSmiles(gt)):
                exact += 1
        except Exception:  # noqa: BLE001 - MolT5's own script counts any failure as bad
            bad += 1
        levs.append(distance(out, gt))
    # fingerprint_metrics.py
    pairs, bad_mols = [], 0
    for gt, out in zip(references, outputs):
        gt_mol, out_mol = Chem.MolFromSmiles(gt), Chem.MolFromSmiles(out)
        if out_mol is None:
            bad_mols += 1
        else:
            pairs.append((gt_mol, out_mol))
    maccs = [DataStructs.FingerprintSimilarity(MACCSkeys.GenMACCSKeys(g), MACCSkeys.GenMACCSKeys(o),
                                               metric=DataStructs.TanimotoSimilarity) for g, o in pairs]
    rdk = [DataStructs.FingerprintSimilarity(Chem.RDKFingerprint(g), Chem.RDKFingerprint(o),
                                             metric=DataStructs.TanimotoSimilarity) for g, o in pairs]
    morgan = [DataStructs.TanimotoSimilarity(AllChem.GetMorganFingerprint(g, 2), AllChem.GetMorganFingerprint(o, 2))
              for g, o in pairs]
    result = {"bleu": bleu, "exact": exact / n, "levenshtein": np.mean(levs),
              "validity": len(pairs) / (len(pairs) + bad_mols), "maccs": np.mean(maccs), "rdk": np.mean(rdk),
              "morgan": np.mean(morgan), "fcd": None}
    # fcd_metric.py
    if fcd:
        import warnings

        from fcd import canonical_smiles, get_fcd, load_ref_model

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fcd warns when a list needs padding beyond 350
            canon_gt = [s for s in canonical_smiles(list(references)) if s is not None]
            canon_out = [s for s in canonical_smiles([out if out else "[]" for out in outputs]) if s is not None]
            result["fcd"] = get_fcd(canon_gt, canon_out, load_ref_model())
    return result
