import math

import numpy as np
import pytest

from retrieval.rank import cap_per_group, convex, is_answered, recency_prior, relative_cut, rrf


def test_rrf_rewards_agreement_between_lists():
    dense = [(1, 0.9), (2, 0.8), (3, 0.7)]
    keyword = [(3, 12.0), (1, 9.0), (4, 5.0)]
    fused = rrf([dense, keyword])
    assert [i for i, _ in fused][:2] == [1, 3]
    assert fused[0][1] < 1.0 and {i for i, _ in fused} == {1, 2, 3, 4}


def test_rrf_first_in_every_list_scores_one():
    assert rrf([[(7, 0.1)], [(7, 3.0)]])[0] == (7, 1.0)


def test_rrf_weights_shift_the_order():
    dense, keyword = [(1, 0.9), (2, 0.1)], [(2, 9.0), (1, 1.0)]
    assert rrf([dense, keyword], [2.0, 1.0])[0][0] == 1
    assert rrf([dense, keyword], [1.0, 2.0])[0][0] == 2


def test_fusion_on_fake_vectors_finds_what_either_signal_alone_misses():
    # Passage 1 matches the query's meaning, passage 2 its rare keyword (passage 1 shares only
    # common words); the fused list puts both on top, though neither signal alone does.
    rng = np.random.default_rng(0)
    query = rng.normal(size=16)
    query /= np.linalg.norm(query)
    passages = rng.normal(size=(6, 16))
    passages[1] = query + 0.1 * rng.normal(size=16)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    dense = sorted(((i, float(passages[i] @ query)) for i in range(6)), key=lambda p: -p[1])
    keyword = [(2, 8.0), (1, 0.9)]
    top2 = {i for i, _ in rrf([dense, keyword])[:2]}
    assert dense[0][0] == 1 and dense[1][0] != 2
    assert top2 == {1, 2}


def test_cap_per_group_keeps_order_and_limits():
    items = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    group = {1: "a", 2: "a", 3: "a", 4: "b", 5: None}.get
    assert cap_per_group(items, group, per_group=2, limit=10) == [(1, 0.9), (2, 0.8), (4, 0.6)]
    assert cap_per_group(items, group, per_group=1, limit=1) == [(1, 0.9)]


def test_cap_per_group_fills_from_what_it_held_back_when_asked():
    items = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (6, 0.4)]
    group = {1: "a", 2: "a", 3: "a", 4: "b", 6: "a"}.get
    filled = cap_per_group(items, group, per_group=2, limit=4, fill=True)
    assert filled == [(1, 0.9), (2, 0.8), (4, 0.6), (3, 0.7)]  # after the capped ones: the top stays varied
    assert cap_per_group(items, group, per_group=2, limit=4) == [(1, 0.9), (2, 0.8), (4, 0.6)]


def test_no_answer_threshold():
    assert is_answered(0.5, 0.4) and not is_answered(0.39, 0.4)


def test_convex_combines_cosine_and_normalised_bm25():
    dense = {1: 0.9, 2: 0.5, 3: 0.4}
    keyword = [(3, 10.0), (2, 5.0), (4, 8.0)]
    fused = dict(convex(dense, keyword, dense_weight=0.5))
    assert fused[3] == pytest.approx(0.5 * 0.4 + 0.5 * 1.0)
    assert fused[1] == pytest.approx(0.45)
    assert fused[4] == pytest.approx(0.4)  # keyword only
    assert [i for i, _ in convex(dense, keyword, 0.5)][:2] == [3, 2]


def test_convex_counts_a_weak_best_keyword_match_as_weak():
    dense = {1: 0.5, 2: 0.5}
    keyword = [(1, 2.0)]
    assert dict(convex(dense, keyword, 0.6))[1] == pytest.approx(0.3 + 0.4)
    assert dict(convex(dense, keyword, 0.6, keyword_floor=8.0))[1] == pytest.approx(0.3 + 0.4 * 2.0 / 8.0)
    assert dict(convex(dense, [(1, 20.0)], 0.6, keyword_floor=8.0))[1] == pytest.approx(0.7)  # a strong match: unchanged


def test_convex_weight_one_is_dense_order():
    dense = {1: 0.9, 2: 0.5}
    assert [i for i, _ in convex(dense, [(2, 9.0)], dense_weight=1.0)] == [1, 2]


def test_convex_on_fake_vectors_keeps_semantic_and_lexical_matches_on_top():
    rng = np.random.default_rng(1)
    query = rng.normal(size=16)
    query /= np.linalg.norm(query)
    passages = rng.normal(size=(6, 16))
    passages[1] = query + 0.1 * rng.normal(size=16)  # same meaning, different words
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    dense = {i: float(passages[i] @ query) for i in range(6)}
    keyword = [(2, 8.0), (5, 1.0)]  # passage 2 holds the rare keyword
    assert {i for i, _ in convex(dense, keyword)[:2]} == {1, 2}


def test_recency_prior_leaves_the_newest_and_undated_alone_and_ages_the_rest():
    ranked = [(1, 0.80), (2, 0.78), (3, 0.70)]
    aged = dict(recency_prior(ranked, {1: 400, 2: 0}, weight=0.2, days=180))
    assert aged[2] == pytest.approx(0.78) and aged[3] == pytest.approx(0.70)
    assert aged[1] == pytest.approx(0.80 - 0.2 * (1 - math.exp(-400 / 180)))
    assert [i for i, _ in recency_prior(ranked, {1: 400, 2: 0}, 0.2, 180)] == [2, 3, 1]


def test_recency_prior_off_and_future_dates():
    ranked = [(1, 0.5), (2, 0.4)]
    assert recency_prior(ranked, {1: 900, 2: 0}, weight=0.0, days=180) == ranked
    assert dict(recency_prior(ranked, {1: -30}, 0.2, 180))[1] == pytest.approx(0.5)  # never a bonus


@pytest.mark.parametrize("scores, share, shown", [
    ([1.0, 0.9, 0.5, 0.4], 0.7, 2), ([1.0, 0.9, 0.5], 0.0, 3), ([0.3], 0.99, 1), ([], 0.7, 0),
    ([1.0, 0.2, 0.9], 0.7, 1),  # best first: the first result below the floor ends the answer
])
def test_relative_cut_keeps_results_close_to_the_best(scores, share, shown):
    assert relative_cut(scores, share) == shown
