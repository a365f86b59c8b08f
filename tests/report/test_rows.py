"""The report's rows as data: what is embedded, and that it decodes back to exactly what was built."""

from __future__ import annotations

import math

import pytest

from ada_t5.metrics import score
from ada_t5.metrics.facts import check_caption
from ada_t5.report.rows import build_rows, decode, encode, read_page_data

MARKUP = '<script>alert(1)</script> & "quoted" </script><!-- — ünïcode 🧪'


def test_the_blob_round_trips_every_character():
    document = {"rows": [{"i": 0, "in": MARKUP, "ref": "CCO", "out": "", "s": {"morgan": 0.5, "levenshtein": 3}}],
                "drawings": ["<path d='M1 2L3 4'/>"]}
    blob = encode(document)
    # base64 only: nothing in it can close its <script> element
    assert set(blob) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    assert decode(blob) == document
    assert encode(document) == blob  # no timestamp in the gzip header: the same file gives the same page


def test_text2mol_rows_share_drawings_and_leave_invalid_outputs_undrawn():
    inputs = ["ethanol " + MARKUP, "benzoic acid", "phenol"]
    references, outputs = ["CCO", "O=C(O)c1ccccc1", "Oc1ccccc1"], ["CCO", "OC(=O)c1ccccc1C", "C1CC("]
    per_example = score("text2mol", outputs, references, fcd=False).per_example
    document = build_rows("text2mol", ["morgan", "levenshtein"], inputs, references, outputs, per_example)
    rows = document["rows"]
    assert [r["in"] for r in rows] == inputs and [r["out"] for r in rows] == outputs  # text as is, not escaped
    assert rows[0]["img"][0] == rows[0]["img"][1] >= 0  # the exact match is drawn once
    assert rows[2]["img"][1] == -1 and rows[2]["bad"] == 1 and rows[0]["ex"] == 1
    assert len(document["drawings"]) == 4  # CCO, the two acids, phenol
    assert rows[0]["s"] == {"morgan": 1.0, "levenshtein": per_example[0]["levenshtein"]}
    assert decode(encode(document)) == document


def test_mol2text_rows_carry_fact_marks_neighbours_and_no_nan():
    caption = "The molecule is a monocarboxylic acid with formula C10H10O2."
    check = check_caption(caption, "OC(=O)c1ccccc1")
    document = build_rows("mol2text", ["bleu4"], ["OC(=O)c1ccccc1"], ["ref"], [caption], [{"bleu4": math.nan}],
                          fact_checks=[check], neighbours=[[{"score": 0.9, "description": "a <b>neighbour</b>"}]])
    row = document["rows"][0]
    assert row["s"] == {"bleu4": None}  # JSON has no NaN: shown as not computed
    wrong = [f for f in row["f"] if not f[2]]
    assert len(wrong) == 1 and caption[wrong[0][0]:wrong[0][1]] == "C10H10O2" and wrong[0][4] == "C7H6O2"
    assert row["fl"].startswith("facts ") and "C10H10O2 → C7H6O2" in row["fl"]
    assert row["nb"] == [[0.9, "a <b>neighbour</b>"]]


def test_read_page_data_refuses_a_page_without_rows():
    with pytest.raises(ValueError, match="no embedded rows"):
        read_page_data("<html><body><table><tr class='example'></tr></table></body></html>")
