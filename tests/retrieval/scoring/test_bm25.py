import math

import pytest

from retrieval.scoring.bm25 import KeywordQuery, choose_words, idf_of

COUNTS = {"strike": 3, "port": 10, "deliveries": 40, "year": 900}


def matches(query: KeywordQuery) -> int:
    """A fake library: each word's passages, and (AND) the rarest word's count shrunk by each further word."""
    counts = sorted(COUNTS.get(w, 0) for w in query.words)
    return counts[0] // (2 ** (len(counts) - 1)) if query.every else sum(counts)


def test_words_are_taken_rarest_first_while_the_matches_fit_the_budget():
    assert choose_words("Did the port strike halt deliveries this year?", matches, budget=60) == \
        KeywordQuery(("halt", "strike", "port", "deliveries"))  # "halt" matches nothing: rarest of all


def test_the_rarest_word_always_goes_in():
    assert choose_words("year", matches, budget=10) == KeywordQuery(("year",))


def test_when_even_the_rarest_word_is_too_common_the_rarest_are_and_ed():
    COUNTS.update({"alpha": 500, "beta": 600})
    try:
        assert choose_words("alpha beta year", matches, budget=300) == KeywordQuery(("alpha", "beta"), every=True)
    finally:
        del COUNTS["alpha"], COUNTS["beta"]


def test_a_query_quotes_every_word_for_fts5():
    assert KeywordQuery(('say "no"', "AND"), every=True).fts() == '"say "no"" AND "AND"'
    assert KeywordQuery(("a", "b")).fts() == '"a" OR "b"'


@pytest.mark.parametrize(("passages", "frequency", "expected"), [
    (100, 0, 0.0), (100, 10, math.log(90.5 / 10.5)), (100, 90, 1e-6)])
def test_idf_is_fts5_s_and_floored(passages, frequency, expected):
    assert idf_of(passages, frequency) == pytest.approx(expected)
