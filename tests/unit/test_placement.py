"""The placement (issue 15 #2): which terms it asks, and what the answers set."""

from __future__ import annotations

from collections import Counter

import pytest

from tadoru.lexicon.placement import PASS_SHARE, PER_CATEGORY, PER_LEVEL, place, placement_terms


@pytest.fixture(scope="module")
def terms(lexicon):
    return placement_terms(lexicon)


def test_about_twenty_terms_across_the_three_levels_easiest_first(lexicon, terms):
    assert len(terms) == 3 * PER_LEVEL == len(set(terms))
    levels = [lexicon[cid].level for cid in terms]
    assert levels == sorted(levels) and Counter(levels) == {1: PER_LEVEL, 2: PER_LEVEL, 3: PER_LEVEL}
    for level in (1, 2, 3):
        categories = Counter(lexicon[cid].category for cid in terms if lexicon[cid].level == level)
        assert max(categories.values()) <= PER_CATEGORY
    # The terms most others build on: 'model' is the basis of dozens of cards.
    assert "model" in terms and placement_terms(lexicon) == terms  # the same list every time


def test_nothing_ticked_reads_at_level_1_and_knows_nothing(lexicon, terms):
    result = place(lexicon, [], terms)
    assert (result.level, result.known) == (1, [])


def test_most_of_level_1_moves_the_reader_up_and_their_closure_is_known(lexicon, terms):
    level1 = [cid for cid in terms if lexicon[cid].level == 1]
    enough = level1[: -(-len(level1) * 6 // 10)]  # ceil(60%)
    assert len(enough) / len(level1) >= PASS_SHARE
    result = place(lexicon, enough, terms)
    assert result.level == 2
    assert set(enough) <= set(result.known)
    assert "machine-learning" in result.known  # what 'model' builds on
    too_few = place(lexicon, level1[:2], terms)
    assert too_few.level == 1


def test_level_3_needs_level_1_and_level_2(lexicon, terms):
    level2 = [cid for cid in terms if lexicon[cid].level == 2]
    assert place(lexicon, level2, terms).level == 1, "level 2 terms alone do not skip level 1"
    assert place(lexicon, terms, terms).level == 3


def test_ids_outside_the_placement_are_ignored(lexicon, terms):
    assert place(lexicon, ["not-a-term", "lora"], terms) == place(lexicon, [], terms)
