import numpy as np

from retrieval.highlight import highlights, lexical_overlap, sentence_overlaps
from retrieval.sentence_vectors import SentenceVectors
from retrieval.terms import content_terms

TEXT = "The mayor opened the bridge. Traffic was light on Monday. Tolls start next year."
SPANS = [(0, 28), (29, 57), (58, 81)]


def unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def stored():
    return SentenceVectors(SPANS, np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0.6, 0.8, 0)]))


def test_lexical_overlap_is_the_share_of_question_terms():
    assert lexical_overlap(content_terms("tolls this year"), "Tolls start next year.") == 1.0
    assert lexical_overlap(content_terms("tolls on the bridge"), "Tolls start next year.") == 0.5
    assert lexical_overlap(set(), "anything") == 0.0


def test_highlight_adds_the_lexical_share_to_the_cosine():
    near_first = unit(1, 0.3, 0)  # cosines 0.96 / 0.29 / 0.80
    assert highlights("When do tolls start?", near_first, [TEXT], None, [stored()])[0][0] == "Tolls start next year."
    near_third = unit(0.55, 0.45, 0)  # cosines 0.77 / 0.63 / 0.97
    assert highlights("Who opened it?", near_third, [TEXT], None, [stored()])[0][0] == "The mayor opened the bridge."


def test_overlaps_counted_early_give_the_same_highlight():
    query = unit(0.55, 0.45, 0)
    for question in ("When do tolls start?", "Who opened it?", "How was traffic on Monday?"):
        early = sentence_overlaps(question, TEXT, stored())
        assert len(early) == 3
        with_early = highlights(question, query, [TEXT], None, [stored()], [early])[0]
        computed = highlights(question, query, [TEXT], None, [stored()])[0]
        assert with_early[0] == computed[0] and np.array_equal(with_early[1], computed[1])


def test_overlaps_of_another_length_are_ignored():
    query = unit(0.55, 0.45, 0)
    wrong = np.array([5.0])  # not one per sentence: recomputed
    assert highlights("When do tolls start?", query, [TEXT], None, [stored()], [wrong])[0][0] == "Tolls start next year."
