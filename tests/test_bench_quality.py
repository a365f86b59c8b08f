"""bench/quality.py: the Markdown table writer, the report files and the looping detector."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_quality", REPO / "bench" / "quality.py")
quality = importlib.util.module_from_spec(_spec)
sys.modules["bench_quality"] = quality  # dataclasses look their module up there
_spec.loader.exec_module(quality)


def _results():
    R = quality.ArmResult
    return [
        R("mol2text", "retrieval", None, {"bleu2": 0.5155, "bleu4": 0.4193, "rougeL": 0.5161, "meteor": 0.5311,
                                          "looping": 0.0}),
        R("mol2text", "finetune", None, {"bleu2": 0.41, "bleu4": 0.31, "rougeL": 0.45, "meteor": 0.44,
                                         "looping": 0.015}, train_minutes=14.8, steps=1100,
          command="python scripts/finetune.py --task mol2text"),
        R("mol2text", "finetune", 1000, {"bleu4": 0.12, "looping": 0.2}, train_minutes=14.9, steps=1100),
        R("mol2text", "adapt+finetune", 1000, {"bleu4": 0.15, "looping": 0.1}, train_minutes=14.9,
          adapt_minutes=15.2, steps=1100),
        R("text2mol", "retrieval", None, {"bleu": 0.7478, "levenshtein": 28.905, "validity": 1.0, "fcd": 2.07}),
        R("text2mol", "finetune", None, {"bleu": 0.61, "levenshtein": 40.2, "validity": 0.5, "fcd": 9.1},
          train_minutes=15.0, steps=1100),
    ]


def test_table_has_a_row_per_arm_with_best_values_bold_and_minutes():
    table = quality.markdown_table(_results(), "mol2text").splitlines()
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header[:3] == ["arm", "train pairs", "bleu2"] and "looping" in header and header[-2:] == ["train min",
                                                                                                       "adapt min"]
    rows = {(c[0], c[1]): c for c in ([x.strip() for x in line.strip("|").split("|")] for line in table[2:])}
    assert set(rows) == {("retrieval", "all"), ("finetune", "all"), ("finetune", "1,000"), ("adapt+finetune", "1,000")}
    col = header.index("bleu4")
    assert rows[("retrieval", "all")][col] == "**0.4193**" and rows[("finetune", "all")][col] == "0.3100"
    assert rows[("retrieval", "all")][header.index("looping")] == "**0.0000**"  # lower is better
    assert rows[("adapt+finetune", "1,000")][header.index("adapt min")] == "15.2"
    assert rows[("finetune", "all")][header.index("train min")] == "14.8"
    assert rows[("retrieval", "all")][header.index("meteor")] == "**0.5311**"
    assert rows[("finetune", "1,000")][header.index("meteor")] == "-"  # not measured is not zero
    t2m = quality.markdown_table(_results(), "text2mol")
    assert "**28.91**" in t2m and "**2.070**" in t2m and "40.20" in t2m  # levenshtein, FCD: lower is better


def test_report_writes_markdown_plot_and_reads_back_arm_files(tmp_path):
    for r in _results():
        folder = tmp_path / r.task / r.label
        folder.mkdir(parents=True)
        (folder / "arm.json").write_text(json.dumps(vars(r)))
    loaded = quality.load_results(tmp_path)
    assert sorted((r.task, r.label) for r in loaded) == sorted((r.task, r.label) for r in _results())
    path = quality.write_report(loaded, tmp_path, full_train_rows=9958)
    text = path.read_text()
    assert "## mol2text" in text and "## text2mol" in text and "python scripts/finetune.py --task mol2text" in text
    png = tmp_path / "low_resource.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_looping_detector():
    loop = "The molecule is a steroid. It is a steroid ester, a steroid ester, a steroid ester, a steroid"
    assert quality.loops_to_limit(loop)
    assert quality.loops_to_limit("acid acid acid acid acid")
    assert quality.loops_to_limit("The molecule is a 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1")  # a loop inside a word
    normal = ("The molecule is a steroid ester that is methyl pregna-4,17-dien-21-oate substituted by oxo groups at "
              "positions 3 and 11. It is a 3-oxo-Delta(4) steroid, an 11-oxo steroid and a methyl ester.")
    assert not quality.loops_to_limit(normal)
    assert not quality.loops_to_limit("It is a conjugate acid of a conjugate base.")
    assert quality.looping_share([loop, normal, normal, normal]) == 0.25


def test_pseudo_pairs_leave_out_every_test_molecule(shared_data, tmp_path):
    from ada_t5 import chem, data

    args = quality.parse_args(["--data", str(shared_data / "chebi20"), "--adapt_molecules", "40",
                               "--output_dir", str(tmp_path)])
    path = tmp_path / "pseudo.tsv"
    quality.write_pseudo_pairs(args, path)
    pairs = data.load_pairs(path)
    assert 35 <= len(pairs) <= 40 and all(d.startswith(("The molecule", "With the formula")) or d
                                          for d in pairs["description"])
    test = {chem.canonical_smiles(s) for s in data.load_pairs(shared_data / "chebi20" / "test.txt")["smiles"]}
    assert not test & {chem.canonical_smiles(s) for s in pairs["smiles"]}
