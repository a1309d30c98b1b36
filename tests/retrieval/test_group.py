import numpy as np

from retrieval.group import group_same_story
from retrieval.records import Article, Hit


def hit(pid, article_id, date="", source=""):
    article = Article(id=article_id, title=f"a{article_id}", source=source, author="", date=date, url="", path="")
    return Hit(passage_id=pid, text="t", highlight="h", score=1.0 - pid / 10, paragraph="1", article=article)


def unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_copies_of_one_text_become_one_result_crediting_the_earliest():
    hits = [hit(1, 10, date="2024-05-02", source="Wire"), hit(2, 11, source="Other"),
            hit(3, 12, date="2024-05-01", source="BBC")]
    passages = [unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.05, 0)]
    grouped = group_same_story(hits, [None] * 3, passages)
    assert [h.passage_id for h in grouped] == [3, 2]
    assert [a.source for a in grouped[0].also_reported_by] == ["Wire"]
    assert grouped[0].score == hits[0].score  # the group keeps its best score and position


def test_the_same_statement_reworded_shows_the_best_ranked_passage():
    hits = [hit(1, 10, date="2024-05-02", source="Wire"), hit(2, 11, date="2024-05-01", source="BBC")]
    hits[0].dense, hits[0].evidence = 0.7, 0.9
    hits[0].highlight, hits[1].highlight = "Kim displayed the Hwasong missile.", "Kim showed weapons."
    grouped = group_same_story(hits, [unit(1, 0), unit(1, 0.1)], [unit(1, 0), unit(0, 1)])
    assert [h.passage_id for h in grouped] == [1]
    assert [a.source for a in grouped[0].also_reported_by] == ["BBC"]
    assert (grouped[0].dense, grouped[0].evidence) == (0.7, 0.9)


def test_undated_copies_come_after_dated_ones():
    hits = [hit(1, 10), hit(2, 11, date="2023-01-01")]
    grouped = group_same_story(hits, [None, None], [unit(1, 0), unit(1, 0)])
    assert grouped[0].article.id == 11 and grouped[0].also_reported_by[0].id == 10


def test_a_group_shown_from_a_copy_keeps_the_best_ranked_members_evidence():
    hits = [hit(1, 10, date="2024-05-02", source="Wire"), hit(2, 11, date="2024-05-01", source="BBC")]
    hits[0].dense, hits[0].evidence = 0.7, 0.9
    grouped = group_same_story(hits, [None, None], [unit(1, 0), unit(1, 0)])
    assert grouped[0].passage_id == 2 and (grouped[0].dense, grouped[0].evidence) == (0.7, 0.9)


def test_a_sentence_naming_the_answer_the_lead_lacks_stays_apart():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC")]
    hits[0].highlight = "Since the early days of the war, officials suspected the supplies."
    hits[1].highlight = "Since the invasion in February 2022, officials suspected the supplies."
    vectors = [unit(1, 0), unit(1, 0.05)]
    assert len(group_same_story(hits, vectors, question="When did the invasion start?")) == 2
    assert len(group_same_story(hits, vectors, question="What did officials suspect?")) == 1


def test_passages_of_one_article_are_never_grouped():
    hits = [hit(1, 10), hit(2, 10)]
    assert len(group_same_story(hits, [unit(1, 0), unit(1, 0)])) == 2


def test_different_statements_and_unknown_vectors_stay_apart():
    hits = [hit(1, 10), hit(2, 11), hit(3, 12)]
    grouped = group_same_story(hits, [unit(1, 0), unit(0.6, 0.8), None])
    assert len(grouped) == 3 and all(not h.also_reported_by for h in grouped)


def test_near_copy_passages_group_even_when_highlights_differ():
    hits = [hit(1, 10, source="BBC"), hit(2, 11, source="Wire")]
    grouped = group_same_story(hits, [unit(1, 0), unit(0, 1)], [unit(1, 1), unit(1, 0.95)])
    assert len(grouped) == 1 and grouped[0].also_reported_by[0].source == "Wire"


def test_one_publishers_follow_up_stories_stay_apart():
    hits = [hit(1, 10, source="BBC"), hit(2, 11, source="bbc")]
    assert len(group_same_story(hits, [unit(1, 0), unit(1, 0)])) == 2


def test_in_context_match_is_confirmed_by_the_sentences_embedded_alone():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC"), hit(3, 12, source="AP")]
    hits[0].highlight, hits[1].highlight, hits[2].highlight = "300 containers", "1,000 containers", "300 boxes"
    alone = {"300 containers": unit(1, 0), "1,000 containers": unit(0, 1), "300 boxes": unit(1, 0.1)}
    embedded: list[str] = []

    def embed(texts):
        embedded.extend(texts)
        return np.stack([alone[t] for t in texts])

    in_context = [unit(1, 0), unit(1, 0.05), unit(1, 0.02)]  # all alike: the same story's context
    grouped = group_same_story(hits, in_context, embed=embed)
    assert [h.passage_id for h in grouped] == [1, 2]  # different facts stay apart
    assert [a.id for a in grouped[0].also_reported_by] == [12]
    assert sorted(embedded) == sorted(alone)  # each sentence embedded once


def test_pairs_the_in_context_vectors_reject_are_not_embedded():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC")]

    def embed(texts):
        raise AssertionError("nothing to confirm")

    assert len(group_same_story(hits, [unit(1, 0), unit(0, 1)], embed=embed)) == 2


def test_pair_still_alike_without_its_context_is_grouped_without_embedding():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC")]

    def embed(texts):
        raise AssertionError("no doubt to settle")

    sentences, passages = [unit(1, 0, 0), unit(1, 0.1, 0)], [unit(0, 0, 1), unit(0, 0.1, 1)]
    grouped = group_same_story(hits, sentences, passages, embed=embed)
    assert len(grouped) == 1 and grouped[0].also_reported_by[0].id == 11


def test_pair_alike_only_through_its_context_stays_apart_without_embedding():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC")]

    def embed(texts):
        raise AssertionError("no doubt to settle")

    # the sentences agree in context (0.64) but only through their shared passage direction
    sentences = [unit(0.6, 0, 0.8, 0), unit(0, 0.6, 0.8, 0)]
    passages = [unit(0, 0, 1, 0.4), unit(0, 0, 1, -0.4)]  # alike (0.72), not near-copies
    assert len(group_same_story(hits, sentences, passages, embed=embed)) == 2


def test_only_sentences_of_doubtful_pairs_are_embedded():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC"), hit(3, 12, source="AP")]
    hits[0].highlight, hits[1].highlight, hits[2].highlight = "a", "b", "c"
    embedded: list[str] = []

    def embed(texts):
        embedded.extend(texts)
        return np.stack([unit(1, 0), unit(1, 0.05)][:len(texts)])

    # 1 and 2: in context 0.8, without context 0.79 (in doubt), passages 0.72; 3 points elsewhere
    sentences = [unit(1, 0, 0, 0), unit(0.8, 0.6, 0, 0), unit(0, 0, 0, 1)]
    passages = [unit(0, 0, 1, 0.4), unit(0, 0, 1, -0.4), unit(0, 1, 0, 0)]
    grouped = group_same_story(hits, sentences, passages, embed=embed)
    assert embedded == ["a", "b"]
    assert [h.passage_id for h in grouped] == [1, 3] and grouped[0].also_reported_by[0].id == 11


def test_doubt_about_a_result_that_cannot_be_shown_is_not_embedded():
    hits = [hit(1, 10, source="Wire"), hit(2, 11, source="BBC"), hit(3, 12, source="AP")]
    embedded: list[str] = []

    def embed(texts):
        embedded.extend(texts)
        return np.stack([unit(1, 0, 0, 0)] * len(texts))

    # 1 and 3 are in doubt (in context 0.8, without context 0.79, passages 0.72); 2 points elsewhere
    sentences = [unit(1, 0, 0, 0), unit(0, 0, 0, 1), unit(0.8, 0.6, 0, 0)]
    passages = [unit(0, 0, 1, 0.4), unit(0, 1, 0, 0), unit(0, 0, 1, -0.4)]
    assert len(group_same_story(hits, sentences, passages, embed=embed, shown=2)) == 3  # 3 only fills a spare
    assert embedded == []
    grouped = group_same_story(hits, sentences, passages, embed=embed, shown=3)
    assert [h.passage_id for h in grouped] == [1, 2] and len(embedded) == 2
