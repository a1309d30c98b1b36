"""Stories settled again as a whole, on fake vectors: order no longer matters; crowded topics are damped."""

from collections import Counter

import numpy as np

from retrieval.stories import _story_ids
from retrieval.story_clustering import StoryArticle, StoryModel
from retrieval.story_settling import damped, pair_similarity, settle


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def article(aid: int, vector: np.ndarray, words: str, names: str = "", date: str = "") -> StoryArticle:
    return StoryArticle(aid, vector, frozenset(names.split()), date, Counter(words.split()))


DENSE_ONLY = {"words_weight": 0.0, "entity_weight": 0.0}


def test_a_pair_scores_as_an_article_against_a_one_article_story():
    one = article(1, unit(1, 0), "quake sumatra", "sumatra 6.1")
    two = article(2, unit(1, 1), "quake sumatra rescue", "sumatra")
    model = StoryModel(entity_weight=0.2, words_weight=0.7)
    model.add(one)
    online = model.story_similarity(two, model._tfidf(two.words), 1)
    offline = pair_similarity([one, two], words_weight=0.7, entity_weight=0.2)
    assert np.allclose(np.diag(offline), 1.0)
    assert offline[0, 1] == offline[1, 0] and abs(offline[0, 1] - online) < 0.15  # frequencies: window vs arrival


def test_far_apart_dates_lower_a_pair_and_undated_ones_do_not():
    a, b, c = (article(i, unit(1, 0), "quake", date=d) for i, d in ((1, "2024-01-01"), (2, "2024-07-01"), (3, "")))
    pairs = pair_similarity([a, b, c], **DENSE_ONLY)
    assert pairs[0, 1] < 0.2 and pairs[0, 2] > 0.99


def test_the_order_of_arrival_does_not_change_the_settled_stories():
    articles = [article(i, unit(1, i % 2 * 0.8 + 0.01 * i, 0), "w") for i in range(1, 9)]
    labels = settle(articles, 0.9, **DENSE_ONLY, density_scale=0)
    reversed_labels = settle(articles[::-1], 0.9, **DENSE_ONLY, density_scale=0)[::-1]
    same = lambda ls: {(i, j) for i in range(8) for j in range(8) if ls[i] == ls[j]}  # noqa: E731
    assert same(labels) == same(reversed_labels) and len(set(labels)) == 2


def test_a_crowded_topic_is_damped_and_a_lone_pair_is_not():
    crowded = np.full((8, 8), 0.6)
    crowded[:4, :4] = crowded[4:, 4:] = 0.9  # two events of one topic, all close
    np.fill_diagonal(crowded, 1.0)
    out = damped(crowded, scale=0.4)  # densities 0.6 (the fifth closest): pairs times 2/3
    assert np.isclose(out[0, 5], 0.4) and np.isclose(out[0, 1], 0.6)
    lone = np.full((8, 8), 0.05)
    lone[0, 1] = lone[1, 0] = 0.3
    np.fill_diagonal(lone, 1.0)
    assert np.isclose(damped(lone, scale=0.4)[0, 1], 0.3)


def test_damping_separates_two_events_of_one_crowded_topic():
    first = [article(i, unit(1, 0.45, 0.02 * i), "w") for i in range(6)]
    second = [article(10 + i, unit(1, -0.45, 0.02 * i), "w") for i in range(6)]
    plain = settle(first + second, 0.6, **DENSE_ONLY, density_scale=0)  # across: cosine 0.66
    settled = settle(first + second, 0.6, **DENSE_ONLY, density_scale=0.8)
    assert len(set(plain)) == 1
    assert len(set(settled)) == 2 and len(set(settled[:6])) == 1


def test_a_settled_story_keeps_the_id_most_of_its_articles_had():
    before = {1: 1, 2: 1, 3: 1, 4: 4, 5: 1, 6: 6}
    after = _story_ids([[1, 2, 3], [4, 5], [6]], before)
    assert after == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6}
    split = _story_ids([[1, 2], [3, 5]], {1: 1, 2: 1, 3: 1, 5: 1})
    assert split == {1: 1, 2: 1, 3: 3, 5: 3}  # the other part takes its first article's id


def test_a_story_s_id_stays_its_first_article_s():
    assert _story_ids([[2, 3], [1]], {1: 1, 2: 1, 3: 1}) == {1: 1, 2: 2, 3: 2}  # article 1 left its story
    assert _story_ids([[5, 6]], {5: 1, 6: 1}) == {5: 1, 6: 1}  # a story whose first article is older goes on


def test_regrouping_moves_members_and_totals_their_stories_again():
    model = StoryModel(threshold=2.0)  # every article starts its own story
    for aid, vector in ((1, unit(1, 0)), (2, unit(1, 0.1)), (3, unit(0, 1))):
        model.add(article(aid, vector, "quake"))
    model.regroup({2: 1}, {1: Counter("quake".split()), 2: Counter("quake".split())})
    assert model.members == {1: [0, 1], 3: [2]} and model.story_of[2] == 1
    assert np.allclose(model._dense_sum[1], unit(1, 0) + unit(1, 0.1)) and 2 not in model._dense_sum
