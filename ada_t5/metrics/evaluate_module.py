"""The same suites as an ``evaluate`` metric, loaded by local path (never ``evaluate.load`` of a Hub metric):

    import evaluate
    from ada_t5.metrics import evaluate_module

    metric = evaluate.load(evaluate_module.__file__, "text2mol")   # or "mol2text"
    metric.add_batch(predictions=["CCO"], references=["CCO"])
    metric.compute(fcd=False)          # keyword arguments go to score_text2mol / score_mol2text

``compute`` returns ``Scores.aggregate`` (``None`` for what was not computed).
"""

from __future__ import annotations

import datasets
import evaluate

from ada_t5.metrics import TASKS, score

_CITATION = """@article{edwards2022translation,
  title={Translation between Molecules and Natural Language},
  author={Edwards, Carl and Lai, Tuan and Ros, Kevin and Honke, Garrett and Ji, Heng},
  journal={arXiv preprint arXiv:2204.11817},
  year={2022}
}"""

_DESCRIPTION = ("MolT5's evaluation metrics reproduced exactly by ada_t5.metrics: mol2text (BLEU-2/4, ROUGE-1/2/L, "
                "METEOR on SciBERT tokens) and text2mol (character BLEU, exact match by InChI, Levenshtein, validity, "
                "MACCS/RDK/Morgan Tanimoto similarity, FCD).")

_INPUTS = """predictions: generated captions (mol2text) or SMILES (text2mol); references: the ground truth.
Keyword arguments of compute() are those of ada_t5.metrics.score_mol2text / score_text2mol."""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _INPUTS)
class AdaT5Metrics(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        if self.config_name not in TASKS:
            raise ValueError(f"load this metric with a task name as config: one of {', '.join(TASKS)} "
                             f"(got {self.config_name!r})")
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_INPUTS,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            reference_urls=["https://github.com/blender-nlp/MolT5/tree/main/evaluation"])

    def _compute(self, predictions: list[str], references: list[str], **kwargs) -> dict[str, float | None]:
        return score(self.config_name, predictions, references, **kwargs).aggregate
