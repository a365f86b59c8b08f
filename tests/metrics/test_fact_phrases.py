"""What the fact check reads in a caption: every group phrase compiles to a SMARTS, every ring name the describer
uses is found with its count, and negations or counts are read as written."""

from __future__ import annotations

import pytest

from ada_t5.metrics.fact_phrases import GROUPS, group_patterns, negated, ring_pattern, stated_count


def test_every_group_phrase_has_a_working_smarts():
    patterns = group_patterns()
    assert len(patterns) == len(GROUPS)
    assert all(pattern.GetNumAtoms() > 0 for _, pattern, _ in patterns)


def test_every_ring_name_of_the_describer_is_read_with_its_count():
    from ada_t5.describe import ring_vocabulary

    pattern = ring_pattern()
    for name in ring_vocabulary():
        match = pattern.search(f"It is built around two {name} rings.")
        assert match is not None and match.group("name").lower() == name.lower(), name
        assert stated_count(match.group("n")) == 2


@pytest.mark.parametrize(("word", "count"), [("two", 2), ("12", 12), ("a", None), ("an", None), ("single", 1),
                                             (None, None)])
def test_stated_counts(word, count):
    assert stated_count(word) == count


def test_negation_covers_its_own_sentence_only():
    text = "It carries no nitro group. It carries a nitro group."
    first, second = (i for i in range(len(text)) if text.startswith("nitro", i))
    assert negated(text, first)
    assert not negated(text, second)
    assert negated("It is built without a benzene ring.", len("It is built without a "))
