"""Per-row BLEU counts (RowCounter): the corpus BLEU of all rows is the suites' own BLEU, value for value."""

from __future__ import annotations

from ada_t5.metrics import score_mol2text, score_text2mol
from ada_t5.metrics.bleu import RowCounter


def test_row_counts_give_the_caption_suites_bleu4(caption_rows, vocab_txt):
    outputs = [r["output"] for r in caption_rows]
    references = [r["ground truth"] for r in caption_rows]
    counter = RowCounter("mol2text", references, vocab_txt)
    expected = score_mol2text(outputs, references, text_tokenizer=vocab_txt, meteor=False, num_proc=1)
    assert counter.corpus(counter.rows(outputs)) == expected.aggregate["bleu4"]


def test_row_counts_give_the_molecule_suites_bleu(smiles_rows):
    outputs = [r["output"] for r in smiles_rows]
    references = [r["ground truth"] for r in smiles_rows]
    counter = RowCounter("text2mol", references)
    rows = counter.rows(outputs)
    assert counter.corpus(rows) == score_text2mol(outputs, references, fcd=False, num_proc=1).aggregate["bleu"]
    # one query's candidates are counted against that query's reference; no output is an empty row
    assert counter.candidates(1, [outputs[1], outputs[0]])[0] == rows[1]
    assert counter.candidates(1, []) == []
    empty = counter.empty(1)
    assert empty.hyp_length == 0 and sum(empty.numerators) == 0 and empty.ref_length == len(references[1])
    assert counter.corpus(rows[:1] + [empty] + rows[2:]) < counter.corpus(rows)
