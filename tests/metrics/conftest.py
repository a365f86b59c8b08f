"""Fixtures for the metric tests: SciBERT vocab, WordNet (a subset here, whole in ../shared), MolT5 predictions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

GOLDEN_MOL2TEXT = {"bleu2": 0.6036995627579109, "bleu4": 0.5305640543360215, "rouge1": 0.653018245568714,
                   "rouge2": 0.5195262056049726, "rougeL": 0.579544732159121, "meteor": 0.6329186968115788}
# ChemNet (FCD) runs in float32: its activations' last digits depend on the CPU's instruction set (AVX2 vs
# AVX-512 summation order), and FCD sums squares of thousands of them; the golden value held within 9.4e-7 here,
# 1e-5 leaves room for another CPU while still catching any real change (a different molecule moves FCD by >1e-2).
FCD_TOLERANCE = 1e-5
GOLDEN_TEXT2MOL = {"bleu": 0.8654824046164376, "exact": 0.1, "levenshtein": 9.7, "validity": 1.0,
                   "maccs": 0.892340775463954, "rdk": 0.7662244210558182, "morgan": 0.7041759604143081,
                   "fcd": 8.255878180946638}


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a prediction file the way MolT5's scripts do (independently of ada_t5.metrics.io)."""
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


FIXTURES = Path(__file__).resolve().parents[1] / "data"  # small copies, so exactness is checked on any clone


@pytest.fixture(scope="session")
def predictions_dir(shared_data: Path) -> Path:
    """MolT5's full 3,300-row prediction files (../shared only)."""
    return shared_data / "molt5_predictions"


@pytest.fixture(scope="session")
def molt5_examples() -> Path:
    """MolT5's two example prediction files (tests/data/molt5, see tests/data/SOURCE.md)."""
    return FIXTURES / "molt5"


@pytest.fixture(scope="session")
def vocab_txt() -> Path:
    return FIXTURES / "scibert_scivocab_uncased" / "vocab.txt"


@pytest.fixture(scope="session")
def nltk_data(shared_data: Path) -> Path:
    """The full WordNet 3.0 (../shared only)."""
    return shared_data / "nltk_wordnet" / "nltk_data"


@pytest.fixture(scope="session")
def wordnet_subset() -> Path:
    """The WordNet lines METEOR reads for MolT5's caption example (tests/data, see tests/data/SOURCE.md); it gives
    the full WordNet's METEOR exactly there (tests/metrics/test_meteor.py)."""
    return FIXTURES / "nltk_wordnet_subset"


@pytest.fixture(scope="session")
def caption_rows(molt5_examples: Path) -> list[dict[str, str]]:
    return read_rows(molt5_examples / "smiles2caption_example.txt")


@pytest.fixture(scope="session")
def smiles_rows(molt5_examples: Path) -> list[dict[str, str]]:
    return read_rows(molt5_examples / "caption2smiles_example.txt")
