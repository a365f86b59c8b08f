"""The demo page's content without a browser: real tiny checkpoints, real RDKit, every string escaped."""

from __future__ import annotations

import contextlib
import re

import pytest
from tiny_checkpoints import trained_run

from ada_t5.app.views import (
    BUILTIN_SMILES,
    Decoding,
    KnownMolecules,
    caption_html,
    design_html,
    read_examples,
    read_model_info,
    read_pool,
)
from ada_t5.inference import load

MARKUP = '<img src=x onerror="alert(1)"><b>bold</b>'


@pytest.fixture(scope="module")
def captioner():
    return load(trained_run("mol2text"), device="cpu")


@pytest.fixture(scope="module")
def designer():
    return load(trained_run("text2mol"), device="cpu")


def test_caption_draws_the_input_and_lists_n_candidates(captioner):
    page = caption_html(captioner, "CC(=O)Oc1ccccc1C(=O)O", Decoding(mode="beam search", n=3, num_beams=3))
    assert page.count('class="mol"') == 1 and "data:image/svg+xml;base64," in page
    assert page.count('<li class="caption">') == 3


def test_an_invalid_smiles_gets_rdkits_reason_not_a_caption(captioner):
    page = caption_html(captioner, "C1CC", Decoding())
    assert 'class="error"' in page and "C1CC" in page and "<li" not in page


def test_design_shows_every_candidate_flagged_with_nearest_known_molecule(designer):
    known = KnownMolecules(["CCO", "c1ccccc1", "CC(=O)O"], ["ethanol", "benzene", "acetic acid"])
    prediction = designer.generate(["The molecule is an aromatic ketone."], n=4, num_beams=4)[0]
    page = design_html(designer, "The molecule is an aromatic ketone.", Decoding(mode="beam search", n=4),
                       known=known)
    cells = re.findall(r'<div class="cell (valid|invalid)">', page)
    assert cells == ["valid" if c.valid else "invalid" for c in prediction.candidates]  # none dropped, same order
    valid = cells.count("valid")
    assert page.count('class="mol"') == valid and page.count('class="nearest"') == valid
    assert f"{valid} of 4 candidates valid" in page


def test_known_molecules_count_an_identical_structure_as_known():
    known = KnownMolecules(["OCC", "c1ccccc1O"], ["ethanol", "phenol"])
    smiles, name, similarity = known.nearest("CCO")
    assert (smiles, name, similarity) == ("CCO", "ethanol", 1.0)
    assert known.nearest("Oc1ccccc1C")[1] == "phenol" and known.nearest("Oc1ccccc1C")[2] < 1.0
    assert known.nearest("C1CC") is None


def test_user_and_model_text_is_escaped(designer, captioner):
    page = design_html(designer, MARKUP, Decoding())
    assert MARKUP not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    page = caption_html(captioner, MARKUP, Decoding())
    assert "<img src=x" not in page and "&lt;img" in page


@contextlib.contextmanager
def _source_lengths(page_model):
    """The token length of every source the checkpoint's encoder reads (through generate() or the engine)."""
    lengths: list[int] = []

    def record(module, args, kwargs):
        lengths.append((kwargs["input_ids"] if "input_ids" in kwargs else args[0]).shape[1])

    handle = page_model.model.get_encoder().register_forward_pre_hook(record, with_kwargs=True)
    try:
        yield lengths
    finally:
        handle.remove()


def test_the_pages_source_limit_reaches_the_model_with_a_visible_note(captioner, designer):
    with _source_lengths(captioner) as lengths:
        page = caption_html(captioner, "CCO" + "C" * 100, Decoding(), source_limit=8)
        assert lengths == [8]  # what the note says is what the model read
        assert 'class="note truncated"' in page and "the model read the first 8 of its" in page
        page = caption_html(captioner, "CCO", Decoding(), source_limit=64)
        assert len(lengths) == 2 and lengths[1] < 64 and "truncated" not in page
    with _source_lengths(designer) as lengths:
        page = design_html(designer, "The molecule is " + "an aromatic ketone and " * 30 + "an acid.", Decoding(),
                           source_limit=12)
        assert lengths == [12] and "the model read the first 12 of its" in page


def test_sampling_and_beam_options_reach_the_model():
    assert Decoding().options() == {"n": 1, "max_new_tokens": 256}
    assert Decoding(mode="beam search", n=6, num_beams=2).options()["num_beams"] == 6
    sampled = Decoding(mode="sampling", n=3, temperature=0.7, top_p=0.9).options()
    assert sampled["do_sample"] and sampled["temperature"] == 0.7 and sampled["n"] == 3
    with pytest.raises(ValueError):
        Decoding(mode="nucleus").options()


def test_examples_and_info_come_from_the_checkpoint(tmp_path):
    run = trained_run("mol2text")
    smiles, texts = read_examples(run)
    assert smiles and set(smiles).isdisjoint(BUILTIN_SMILES) and all(texts)
    assert read_examples(tmp_path)[0] == list(BUILTIN_SMILES)
    info = read_model_info(run)
    assert info.task == "mol2text" and "bleu4" in info.test_scores and info.base and "tiny" in info.base


def test_pool_reads_a_pair_file_or_a_smiles_list(tmp_path):
    listing = tmp_path / "known.smi"
    listing.write_text("CCO\tethanol\nnot-a-smiles\nc1ccccc1\tbenzene\n", encoding="utf-8")
    known = read_pool(listing)
    assert known.smiles == ["CCO", "c1ccccc1"] and known.names == ["ethanol", "benzene"]


class _FixedDesigner:
    """Returns given SMILES as its candidates, so the grid's valid-molecule path (drawing, nearest known) is
    checked whatever a tiny model happens to generate (the tiny text2mol model's candidates are often invalid)."""

    def __init__(self, tokenizer, outputs):
        self.tokenizer, self.outputs = tokenizer, outputs

    def generate(self, descriptions, **options):
        from ada_t5.chem import canonical_smiles
        from ada_t5.inference import Candidate, Prediction

        candidates = [Candidate(text=canonical_smiles(s) or s, raw=s, valid=canonical_smiles(s) is not None, rank=r)
                      for r, s in enumerate(self.outputs)]
        return [Prediction(input=descriptions[0], source=descriptions[0], candidates=candidates)]


def test_valid_designs_are_drawn_with_their_nearest_known_molecule(designer):
    known = KnownMolecules(["OCC", "c1ccccc1O"], ["ethanol", "phenol"])
    page = design_html(_FixedDesigner(designer.tokenizer, ["CCO", "C1CC", "Cc1ccccc1O"]), "alcohols",
                       Decoding(n=3), known=known)
    assert re.findall(r'<div class="cell (valid|invalid)">', page) == ["valid", "invalid", "valid"]
    assert page.count('class="mol"') == 2 and "1 of 3" not in page and "2 of 3 candidates valid" in page
    assert "known molecule (ethanol): <code>CCO</code>, Tanimoto 1.00" in page
    assert "nearest known (phenol)" in page and "<code>C1CC</code>" in page
