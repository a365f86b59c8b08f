"""Reading molecules: every format, ids, canonical keys, and invalid SMILES reported with file:line."""

import json

import pytest

from ada_t5.pseudo.inputs import read_molecules, write_problems


def test_smi_with_header_comments_and_ids(tmp_path):
    path = tmp_path / "m.smi"
    path.write_text("SMILES Name\n# a comment\nOCC\tethanol\n\nc1ccccc1\nC1CC\n")
    molecules, problems = read_molecules([path])
    assert [(m.id, m.smiles, m.canonical) for m in molecules] == [
        ("ethanol", "OCC", "CCO"), ("m.smi:5", "c1ccccc1", "c1ccccc1")]
    assert len(problems) == 1 and problems[0].where == "m.smi:6" and problems[0].smiles == "C1CC"
    assert "unclosed ring" in problems[0].reason


def test_molt5_tsv_csv_jsonl_and_json(tmp_path):
    (tmp_path / "a.txt").write_text("CID\tSMILES\tdescription\n7\tC/C=C\\\\C\tThe molecule is 2-butene.\n")
    (tmp_path / "b.csv").write_text('name,structure\n"x, y",CCN\n')
    (tmp_path / "c.jsonl").write_text(json.dumps({"smiles": "CCCl", "cid": 3}) + "\n")
    (tmp_path / "d.json").write_text(json.dumps([{"smiles": "CC#N", "description": "The molecule is acetonitrile."}]))
    tsv, _ = read_molecules([tmp_path / "a.txt"])
    assert tsv[0].id == "7" and tsv[0].canonical == "C/C=C\\C"  # MolT5's doubled backslash read as one bond
    csv_rows, _ = read_molecules([tmp_path / "b.csv"], smiles_column="structure", id_column="name")
    assert (csv_rows[0].id, csv_rows[0].canonical) == ("x, y", "CCN")
    assert read_molecules([tmp_path / "c.jsonl"])[0][0].id == "3"
    assert read_molecules([tmp_path / "d.json"])[0][0].canonical == "CC#N"
    with pytest.raises(ValueError, match="no column 'nope'"):
        read_molecules([tmp_path / "b.csv"], smiles_column="nope")


def test_pool_needs_descriptions_and_problems_file(tmp_path):
    path = tmp_path / "pool.tsv"
    path.write_text("cid\tsmiles\tdescription\n1\tCCO\tThe molecule is ethanol.\n2\tCCN\t\n3\tXYZ\tbad\n")
    pool, problems = read_molecules([path], with_descriptions=True)
    assert [m.description for m in pool] == ["The molecule is ethanol."]
    assert [(p.where, p.reason.split()[0]) for p in problems] == [("pool.tsv:3", "no"),
                                                                  ("pool.tsv:4", problems[1].reason.split()[0])]
    write_problems(tmp_path / "bad.tsv", problems)
    lines = (tmp_path / "bad.tsv").read_text().splitlines()
    assert lines[0] == "where\tsmiles\treason" and lines[2].startswith("pool.tsv:4\tXYZ\t")
