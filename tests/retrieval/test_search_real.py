"""Search on the seed library with the real model: grouping and highlights as users see them."""

from retrieval.search import Searcher, SearchOptions


def test_container_count_is_one_result_citing_both_publishers(seeded_library):
    answer = Searcher(seeded_library).ask("How many containers did the White House imagery show?", SearchOptions())
    top = answer.hits[0]
    assert answer.answered and "300 containers" in top.highlight
    assert top.article.title == "North Korea provided Russia with weapons, White House says"  # dated: earliest
    assert [a.source for a in top.also_reported_by] == ["BBC"]
    others = [h for h in answer.hits[1:] if "300 containers" in h.highlight]
    assert others == []  # the BBC passage is not shown twice


def test_depot_question_highlights_tikhoretsk(seeded_library):
    answer = Searcher(seeded_library).ask("Where did the North Korean containers go?", SearchOptions())
    assert "Tikhoretsk" in answer.hits[0].highlight


def test_unrelated_question_is_not_answered(seeded_library):
    assert not Searcher(seeded_library).ask("How do I bake banana bread?", SearchOptions()).answered
