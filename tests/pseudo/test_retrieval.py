"""Retrieval: exact top-k Tanimoto (checked against RDKit pair by pair), self and test molecules excluded,
the same answer from both methods and from worker processes."""

import os

import pytest
from rdkit import RDConfig

from ada_t5 import chem
from ada_t5.pseudo.retrieval import Retriever


def nci(n, skip=0):
    path = os.path.join(RDConfig.RDDataDir, "NCI", "first_5K.smi")
    with open(path) as handle:
        smiles = [line.split()[0] for line in handle][skip:skip + n]
    with chem.quiet_rdkit():
        return [c for c in (chem.canonical_smiles(s) for s in smiles) if c]


def brute_force(query, pool, k, exclude=()):
    q = chem.morgan_bit_fingerprint(chem.mol_from_smiles(query))
    scored = [(-chem.tanimoto(q, chem.morgan_bit_fingerprint(chem.mol_from_smiles(p))), i)
              for i, p in enumerate(pool) if p != query and p not in exclude]
    return sorted(scored)[:k]


def test_exact_top_k_both_methods_self_excluded():
    pool = nci(300)
    queries = pool[:20] + nci(20, skip=1000)  # the first 20 are in the pool: never their own example
    sparse = list(Retriever(pool, method="sparse").search(queries, 4, chunk_size=7))
    rdkit = list(Retriever(pool, method="rdkit").search(queries, 4))
    assert sparse == rdkit
    for query, found in zip(queries, sparse):
        expected = brute_force(query, pool, 4)
        assert list(found.indices) == [i for _, i in expected]
        assert list(found.similarities) == pytest.approx([-s for s, _ in expected], abs=1e-12)
        assert query not in [pool[i] for i in found.indices]


def test_exclusion_duplicates_and_processes():
    pool = nci(200)
    excluded = set(pool[:50])
    retriever = Retriever(pool + pool[:10], exclude=excluded, num_proc=2)
    assert (len(retriever), retriever.excluded, retriever.duplicates) == (150, 60, 0)
    queries = pool[:60]
    parallel = list(retriever.search(queries, 3, chunk_size=16))
    retriever.num_proc = 1
    assert parallel == list(retriever.search(queries, 3))
    for query, found in zip(queries, parallel):
        assert len(found.indices) == 3 and not {pool[i] for i in found.indices} & excluded
        assert [i for _, i in brute_force(query, pool, 3, exclude=excluded)] == list(found.indices)


def test_small_pool_and_empty_pool():
    assert list(Retriever(["CCO", "CCN"]).search(["CCO"], 5))[0].indices == (1,)
    assert list(Retriever([]).search(["CCO"], 3))[0].indices == ()


def test_chebi_validation_queries_never_find_themselves(shared_data):
    from ada_t5.pseudo.inputs import read_molecules

    pool, _ = read_molecules([shared_data / "chebi20" / "validation.txt"], with_descriptions=True)
    canon = [m.canonical for m in pool]
    retriever = Retriever(canon)
    found = list(retriever.search(canon[:200], 3))
    assert all(i not in f.indices for i, f in enumerate(found))
    assert all(len(f.indices) == 3 and f.similarities[0] >= f.similarities[-1] for f in found)
    assert sum(f.similarities[0] for f in found) / 200 > 0.4  # real neighbours, not noise


def test_inverted_layout_gives_the_same_neighbours_in_workers():
    pool = nci(400)
    queries = pool[:30] + nci(30, skip=2000)
    matrix = list(Retriever(pool, layout="matrix").search(queries, 5))
    inverted = Retriever(pool, layout="inverted", num_proc=2)
    assert inverted.layout == "inverted"
    assert list(inverted.search(queries, 5, chunk_size=8)) == matrix  # memory-mapped index in 2 workers
    inverted.num_proc = 1
    assert list(inverted.search(queries, 5)) == matrix
    assert Retriever(pool[:5]).layout == "matrix"
