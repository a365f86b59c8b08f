"""Answer filters: what is kept, and the reason for everything dropped."""

from ada_t5.pseudo.filters import FilterConfig, clean, reject_reason
from ada_t5.pseudo.prompts import Template

GOOD = "The molecule is an aromatic amine that is aniline substituted by a methyl group."


def test_clean_strips_wrapping():
    assert clean('Description: "The molecule is X.\n It is Y."') == "The molecule is X. It is Y."
    assert clean("```\n**Description:** The molecule is X.\n```") == "The molecule is X."
    assert clean(None) == ""


def test_reasons():
    instructions = Template().instructions()
    check = lambda text, **kw: reject_reason(clean(text), "Cc1ccc(N)cc1", instructions=instructions, **kw)  # noqa: E731
    assert check(GOOD) is None
    assert check("   ") == "empty"
    assert check("I'm sorry, but I can't help with identifying that molecule.") == "refusal"
    assert check("As an AI language model, I do not know this molecule well enough.") == "refusal"
    assert check("Cc1ccc(N)cc1") == "echo_smiles"
    assert check("SMILES: Cc1ccc(N)cc1.") == "echo_smiles"
    assert check("The molecule is propane.", prompt_parts=["The molecule is propane."]) == "echo_prompt"
    assert check("The molecule is propane.", prompt_parts=["The molecule is butane."]) is None
    copied = "The molecule is propane, an alkane that is a gas at room temperature."
    assert check(copied, prompt_parts=[copied]) == "echo_prompt"
    assert check("Task: given the SMILES of a molecule, write its description. " + GOOD) == "echo_prompt"
    assert check(GOOD, finish_reason="length") == "truncated"
    assert check(" ".join([GOOD] * 30)) == "too_long"
    assert reject_reason(GOOD, "C", config=FilterConfig(max_words=5)) == "too_long"
