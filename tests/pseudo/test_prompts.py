"""Prompt templates: the default's parts, examples in order, overrides from files, the provenance hash."""

import hashlib
import json

import pytest

from ada_t5.pseudo.prompts import Example, Template, load_template

EXAMPLES = [Example("1", "C/C=C\\\\C", "The molecule is but-2-ene.", 0.9),
            Example("2", "CCC", "The molecule is propane.", 0.5)]


def test_default_prompt_has_role_task_examples_and_rules():
    system, user = Template().render("OCC", EXAMPLES)
    assert system["role"] == "system" and "chemist" in system["content"]
    content = user["content"]
    assert "Here are 2 molecules" in content
    first, second = content.index("but-2-ene"), content.index("propane")
    assert first < second < content.index("SMILES: OCC")
    assert "SMILES: C/C=C\\C\n" in content  # doubled backslashes undone for the LLM
    assert content.rstrip().endswith("do not copy an example's description.")


def test_template_files_and_hash(tmp_path):
    yaml_file = tmp_path / "t.yaml"
    yaml_file.write_text('system: ""\nuser: "Describe {smiles} like {examples} {{json}}"\nexample: "[{smiles}]"\n')
    template = load_template(yaml_file)
    messages = template.render("CCO", EXAMPLES)
    assert messages == [{"role": "user", "content": "Describe CCO like [C/C=C\\C]\n[CCC]\n {{json}}"}]
    assert template.hash != Template().hash and len(template.hash) == 12
    # the hash is of the three strings: any one changing changes it, equal strings give the same one
    assert Template(example="[{smiles}] {description}").hash != Template().hash
    assert Template(system="other").hash != Template().hash
    assert Template(system="a", user="b {smiles}", example="c").hash == \
        hashlib.sha256(json.dumps(["a", "b {smiles}", "c"]).encode()).hexdigest()[:12]
    text_file = tmp_path / "t.txt"
    text_file.write_text("Only the molecule {smiles}, please.")
    assert load_template(text_file).render("CCO", [])[-1]["content"] == "Only the molecule CCO, please."
    text_file.write_text("no placeholder")
    with pytest.raises(ValueError, match="must contain {smiles}"):
        load_template(text_file)
    yaml_file.write_text("usr: x\n")
    with pytest.raises(ValueError, match="unknown template key"):
        load_template(yaml_file)


def test_instructions_are_the_templates_own_sentences():
    parts = Template().instructions()
    assert any("given the SMILES of a molecule" in p for p in parts)
    assert not any("{" in p for p in parts)


@pytest.mark.parametrize(("key", "text", "named"), [
    ("user", "Describe {smiles} after {exmaples}", "{exmaples} (did you mean {examples}?)"),
    ("example", "{index}: {smile} -> {description}", "{smile} (did you mean {smiles}?)"),
    ("system", "You describe {smiles}", "{smiles}"),  # the system text is sent as written: nothing is filled
])
def test_an_unknown_placeholder_is_an_error_naming_the_file_and_key(tmp_path, key, text, named):
    """Issue 11, bad case 3: a misspelt placeholder was sent literally, without the examples."""
    path = tmp_path / "t.yaml"
    fields = {"user": "Describe {smiles} after {examples}", key: text}
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()))
    with pytest.raises(ValueError) as caught:
        load_template(path)
    assert str(caught.value).startswith(f"{path}: template {key}: unknown placeholder {named}")


def test_a_template_yaml_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text('user: "Describe {smiles}"\nexample: [unclosed\n')
    with pytest.raises(ValueError, match=rf"^{path}:\d+: not valid YAML"):
        load_template(path)
