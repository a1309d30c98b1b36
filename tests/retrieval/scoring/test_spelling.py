import pytest

from retrieval.scoring.spelling import allowed_edits, edit_distance, length_range, spelled_alike, swapped


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


def test_short_words_match_with_two_neighbouring_letters_swapped_only():
    assert spelled_alike("kroea", ["korea"]) and spelled_alike("ptuin", ["putin"])
    assert not spelled_alike("kreoa", ["korea"])  # a letter moved two places
    assert not spelled_alike("biden", ["baden"]) and not spelled_alike("umc", ["ucm"])  # a letter changed; three letters
    assert swapped("kroea", "korea") and not swapped("korea", "korea") and not swapped("kroea", "koreas")


def test_the_closest_term_is_the_one_most_passages_hold_and_keeps_the_word_s_ending():
    from retrieval.scoring.spelling import closest, respelled

    assert closest("cotnain", [("contain", 12), ("cotnain", 0), ("certain", 40)]) == "contain"
    assert closest("deliveri", [("deliveri", 3)]) is None  # the word itself is no correction
    assert closest("kroea", [("korea", 5), ("krona", 9)]) == "korea"
    assert closest("northwestern", [("northeastern", 9)]) is None  # a letter changed: another word
    assert closest("ofr", [("for", 99)]) is None  # too short to tell
    assert respelled("cotnainers", "cotnain", "contain") == "containers"
    assert respelled("Ptuin", "ptuin", "putin") == "Putin"
    assert respelled("ran", "run", "run") is None  # the term is not where the word starts
