"""Retrieval pool: Morgan and BM25 neighbours, leave-one-out by structure, save/load."""

from __future__ import annotations

from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from ada_t5.rag import NEIGHBOUR_TOKEN, RetrievalPool, augment_sources
from ada_t5.rag.augment import add_neighbour_token

# real molecules; rows 0 and 3 are one structure written two ways (a same-structure duplicate)
SMILES = ["CCO", "CCCO", "c1ccccc1O", "OCC", "CC(=O)O", "CCCCO"]
TEXTS = ["ethanol is a primary alcohol", "propanol is a primary alcohol with three carbons",
         "phenol is an aromatic alcohol", "ethyl alcohol, a two-carbon primary alcohol",
         "acetic acid is a carboxylic acid", "butanol is a primary alcohol with four carbons"]


def _pool():
    return RetrievalPool(SMILES, TEXTS, ids=[f"c{i}" for i in range(len(SMILES))])


def test_molecule_search_never_returns_the_query_or_a_same_structure_duplicate():
    found = _pool().nearest_molecules(["CCO", "OCC", "C(O)C"], k=5)
    for neighbours in found:
        assert neighbours, "every query has neighbours"
        assert {n.index for n in neighbours}.isdisjoint({0, 3})  # itself and its twin
        assert len({Chem.CanonSmiles(n.smiles) for n in neighbours}) == len(neighbours)


def test_molecule_search_ranks_by_morgan_tanimoto():
    pool = _pool()
    query = "CCCCCO"
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in SMILES]
    sims = DataStructs.BulkTanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(query)), fps)
    best = max(range(len(SMILES)), key=lambda i: (sims[i], -i))
    (first, *_), = pool.nearest_molecules([query], k=3)
    assert first.index == best and abs(first.score - sims[best]) < 1e-9


def test_text_search_leave_one_out_excludes_own_structure_and_its_duplicates():
    pool = _pool()
    # without exclusion, the row's own description is its best match: the control that the test can fail
    (plain,) = pool.nearest_texts([TEXTS[0]], k=2)
    assert plain[0].index == 0
    (held_out,) = pool.nearest_texts([TEXTS[0]], k=3, exclude=["CCO"])
    assert held_out and {n.index for n in held_out}.isdisjoint({0, 3})
    # one row per structure even without exclusion
    (many,) = pool.nearest_texts(["primary alcohol two-carbon ethyl ethanol"], k=6)
    assert len({pool.canonical[n.index] for n in many}) == len(many)


def test_augmented_sources_carry_neighbour_targets_after_separators():
    pool = _pool()
    sources, found = augment_sources(pool, "mol2text", ["CCCCCO"], k=2)
    parts = sources[0].split(f" {NEIGHBOUR_TOKEN} ")
    assert parts[0] == "CCCCCO" and parts[1:] == [n.description for n in found[0]]
    sources, found = augment_sources(pool, "text2mol", ["an aromatic alcohol"], k=1)
    assert sources[0] == f"an aromatic alcohol {NEIGHBOUR_TOKEN} {found[0][0].smiles}"


def test_separator_is_one_token_kept_whole(demo_tokenizer):
    import copy

    tokenizer = copy.deepcopy(demo_tokenizer)
    assert add_neighbour_token(tokenizer) == 1 and add_neighbour_token(tokenizer) == 0
    ids = tokenizer(f"CCO {NEIGHBOUR_TOKEN} ethanol")["input_ids"]
    assert tokenizer.convert_tokens_to_ids(NEIGHBOUR_TOKEN) in ids
    assert NEIGHBOUR_TOKEN not in tokenizer.decode(ids, skip_special_tokens=True)


def test_save_and_load_round_trip(tmp_path):
    # ChEBI-20 descriptions hold quote characters (a csv writer without quoting refuses them)
    pool = RetrievalPool(SMILES, [TEXTS[0] + ' (also "spirit of wine")', *TEXTS[1:]],
                         ids=[f"c{i}" for i in range(len(SMILES))])
    pool.save(tmp_path / "retrieval", task="mol2text", k=2)
    loaded, settings = RetrievalPool.load(tmp_path / "retrieval")
    assert settings["k"] == 2 and settings["task"] == "mol2text"
    assert (loaded.smiles, loaded.descriptions, loaded.ids) == (pool.smiles, pool.descriptions, pool.ids)
    assert loaded.nearest_molecules(["CCCCCO"], 3) == pool.nearest_molecules(["CCCCCO"], 3)
