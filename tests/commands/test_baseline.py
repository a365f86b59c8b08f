"""`ada-t5 baseline` on small slices of the real ChEBI-20 files."""

from __future__ import annotations

from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from ada_t5.cli import main
from ada_t5.metrics import read_predictions


def _slice(source, target, rows):
    lines = source.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return [line.split("\t") for line in lines[1 : rows + 1]]


def test_mol2text_answers_with_the_most_similar_pool_molecules_description(shared_data, tmp_path):
    pool_rows = _slice(shared_data / "chebi20" / "train_partial.txt", tmp_path / "pool.txt", 400)
    test_rows = _slice(shared_data / "chebi20" / "test.txt", tmp_path / "test.txt", 30)
    out = tmp_path / "pred.tsv"
    assert main(["baseline", "--task", "mol2text", "--pool", str(tmp_path / "pool.txt"), str(tmp_path / "test.txt"),
                 "--output", str(out)]) == 0
    predictions = read_predictions(out)
    assert predictions.task == "mol2text" and len(predictions) == 30
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    pool_canon = [Chem.CanonSmiles(r[1]) for r in pool_rows]
    pool_fps = [gen.GetFingerprint(Chem.MolFromSmiles(r[1])) for r in pool_rows]
    for (_, smiles, _), output in zip(test_rows, predictions.outputs):
        sims = DataStructs.BulkTanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(smiles)), pool_fps)
        own = Chem.CanonSmiles(smiles)
        best = max((s for s, c in zip(sims, pool_canon) if c != own))
        allowed = {r[2] for r, s, c in zip(pool_rows, sims, pool_canon) if s == best and c != own}
        assert output in allowed
    assert predictions.references == [r[2] for r in test_rows]


def test_text2mol_answers_with_the_best_bm25_match(shared_data, tmp_path):
    pool_rows = _slice(shared_data / "chebi20" / "train_partial.txt", tmp_path / "pool.txt", 300)
    # queries that are pool descriptions must find their own molecule (test rows exclude nothing)
    _slice(shared_data / "chebi20" / "train_partial.txt", tmp_path / "queries.txt", 20)
    out = tmp_path / "pred.tsv"
    assert main(["baseline", "--task", "text2mol", "--pool", str(tmp_path / "pool.txt"),
                 str(tmp_path / "queries.txt"), "--output", str(out), "--max_rows", "12"]) == 0
    predictions = read_predictions(out)
    assert predictions.task == "text2mol" and len(predictions) == 12
    for row, output in zip(pool_rows, predictions.outputs):
        assert Chem.CanonSmiles(output) == Chem.CanonSmiles(row[1])


def test_missing_pool_is_one_line_and_status_2(tmp_path, capsys, shared_data):
    status = main(["baseline", "--task", "mol2text", "--pool", str(tmp_path / "nope.txt"),
                   str(shared_data / "chebi20" / "test.txt"), "--output", str(tmp_path / "p.tsv")])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.txt" in err[0]
