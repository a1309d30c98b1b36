import numpy as np
import pytest

from retrieval.answerability import FEATURES, AnswerModel, fit, signals
from retrieval.records import Article, Hit


def hit(article_id: int, score: float, dense: float = 0.6) -> Hit:
    article = Article(article_id, "t", "", "", "", "", "", None)
    return Hit(passage_id=article_id, text="", highlight="", score=score, paragraph="1", article=article, dense=dense)


def test_signals_are_the_best_hit_s_and_its_margin_over_another_article():
    hits = [hit(1, 0.8, dense=0.7), hit(1, 0.75), hit(2, 0.5)]
    assert signals(hits, [0.5, 0.9, 0.4]) == pytest.approx([0.7, 0.9, 0.8, 0.3])
    assert signals([], []) is None


def test_signals_read_scores_on_the_model_s_scale_when_the_ranking_used_another():
    hits = [hit(1, 0.6, dense=0.7), hit(2, 0.5)]
    hits[0].evidence, hits[1].evidence = 0.8, 0.55
    assert signals(hits, [0.5, 0.4]) == pytest.approx([0.7, 0.5, 0.8, 0.25])


def test_the_best_hit_is_the_best_on_the_model_s_scale_not_the_first_ranked():
    hits = [hit(2, 0.39, dense=0.5), hit(1, 0.37, dense=0.45)]  # a keyword floor ranked article 2 first
    hits[0].evidence, hits[1].evidence = 0.63, 0.68
    assert signals(hits, [0.5, 0.5]) == pytest.approx([0.45, 0.5, 0.68, 0.05])


def test_the_shipped_model_loads_and_gives_probabilities_that_grow_with_the_score():
    model = AnswerModel.load()
    assert len(model.weights) == len(FEATURES) and model.fitted_on
    low, high = (model.probability([0.6, 0.8, score, 0.2]) for score in (0.3, 0.9))
    assert 0.0 <= low < high <= 1.0 and model.probability(None) == 0.0


def test_fitting_separates_what_can_be_separated_and_saves_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    good = rng.normal([0.7, 0.9, 0.8, 0.3], 0.05, (40, 4))
    bad = rng.normal([0.6, 0.5, 0.4, 0.05], 0.05, (40, 4))
    model = fit(np.vstack([good, bad]), np.r_[np.ones(40), np.zeros(40)], fitted_on="test")
    assert min(model.probability(list(x)) for x in good) > 0.9 > 0.1 > max(model.probability(list(x)) for x in bad)
    model.save(tmp_path / "model.json")
    assert AnswerModel.load(tmp_path / "model.json").probability(list(good[0])) == pytest.approx(
        model.probability(list(good[0])), abs=1e-5)
