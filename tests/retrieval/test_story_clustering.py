"""Forming stories online on fake vectors: same event together, a similar event apart."""

from collections import Counter

import numpy as np

from retrieval.story_clustering import StoryArticle, StoryModel, story_terms, story_words


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def article(aid: int, vector: np.ndarray, text: str, date: str = "") -> StoryArticle:
    return StoryArticle(aid, vector, story_terms(text), date, story_words(text))


QUAKE_A = "A magnitude 6.1 earthquake struck Sumatra in Indonesia on Monday, officials in Jakarta said."
QUAKE_B = "A magnitude 7.0 earthquake struck Haiti near Port-au-Prince on Tuesday, officials said."


def test_names_and_numbers_are_what_the_story_is_told_with():
    assert {"sumatra", "indonesia", "jakarta", "6.1"} <= story_terms(QUAKE_A)
    assert "officials" not in story_terms(QUAKE_A) and "a" not in story_terms(QUAKE_A)
    assert story_words("Earthquakes struck; the earthquake struck.")["earth"] == 2


def test_reports_of_one_event_join_and_a_similar_event_starts_its_own_story():
    model = StoryModel(entity_weight=0.5, threshold=0.5, words_weight=0.2)
    first = model.add(article(1, unit(1, 0.1, 0), QUAKE_A))
    again = model.add(article(2, unit(1, 0.12, 0), QUAKE_A.replace("Monday", "Monday night")))
    other = model.add(article(3, unit(1, 0.1, 0.05), QUAKE_B))  # the same kind of news, another event
    unrelated = model.add(article(4, unit(0, 0, 1), "The council passed the budget in Lindholm."))
    assert first == again == 1
    assert other == 3 and unrelated == 4
    assert model.members == {1: [0, 1], 3: [2], 4: [3]}


def test_far_apart_dates_lower_the_similarity():
    model = StoryModel(entity_weight=0.5, threshold=0.5, words_weight=0.2)
    model.add(article(1, unit(1, 0), QUAKE_A, date="2024-01-01"))
    tfidf = model._tfidf(story_words(QUAKE_A))
    near = model.story_similarity(article(2, unit(1, 0), QUAKE_A, "2024-01-03"), tfidf, 1)
    far = model.story_similarity(article(2, unit(1, 0), QUAKE_A, "2024-07-01"), tfidf, 1)
    assert far < near / 2


def test_placing_in_the_same_order_gives_the_same_stories():
    texts = [QUAKE_A, QUAKE_A + " Rescuers arrived.", QUAKE_B, QUAKE_B + " Aid arrived."]
    vectors = [unit(1, 0.1, 0), unit(1, 0.15, 0), unit(1, 0.1, 0.3), unit(1, 0.1, 0.32)]
    online = StoryModel()
    decided = [online.add(article(i + 1, v, t)) for i, (v, t) in enumerate(zip(vectors, texts))]
    replayed = StoryModel()
    for i, (v, t) in enumerate(zip(vectors, texts)):
        replayed.place(article(i + 1, v, t), decided[i])
    assert replayed.members == online.members
    assert replayed._words_sum == online._words_sum and isinstance(replayed._words_sum[1], Counter)


def test_the_central_member_names_the_story():
    model = StoryModel(threshold=0.0)
    for aid, vector in ((1, unit(1, 0.5)), (2, unit(1, 0.05)), (3, unit(1, -0.4))):
        model.add(article(aid, vector, QUAKE_A))
    assert model.central(1) == 2
