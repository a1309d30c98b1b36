import pytest

from retrieval.scoring.spelling import allowed_edits, edit_distance, length_range, spelled_alike


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("maastricht", "maastricht", 0), ("maastrich", "maastricht", 1), ("carslbad", "carlsbad", 1),  # a swap is one
    ("sentanta", "setanta", 1), ("ghandi", "gandhi", 2), ("kitten", "sitting", 3),
])
def test_edit_distance_counts_added_dropped_changed_and_swapped_letters(a, b, distance):
    assert edit_distance(a, b, 5) == distance


def test_edit_distance_stops_past_its_limit():
    assert edit_distance("abcdefgh", "zyxwvuts", 2) == 3
    assert edit_distance("short", "a much longer word", 2) == 3


def test_short_words_must_match_exactly_and_long_ones_may_differ_more():
    assert [allowed_edits(w) for w in ("umc", "japan", "russia", "zelensky")] == [0, 0, 1, 2]
    assert not spelled_alike("japan", ["japans", "japn"])  # five letters: many neighbours mean other things
    assert spelled_alike("japan", ["japan"])
    assert spelled_alike("zelenski", ["zelenskyi"]) and not spelled_alike("zelenski", ["zelda"])
    assert length_range("zelenski") == (6, 10)
