"""Ranking: fusing dense and keyword candidates, capping per article, deciding "no answer".

Pure functions on (passage id, score) lists, so they can be tested on fake vectors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from operator import itemgetter

RRF_K = 60


def rrf(rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float] | None = None,
        k: int = RRF_K) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion.

    Each list contributes ``weight / (k + rank)`` for every id it holds (rank from 1).
    Scores are divided by the best possible value, so an id ranked first by every list
    scores 1.0.

    Args:
        rankings: lists of (id, score), each best first.
        weights: one weight per list (default: equal).
        k: the RRF constant; larger flattens the influence of rank.

    Returns:
        (id, fused score) pairs, best first; ties keep first-seen order.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    best = sum(w / (k + 1) for w in weights) or 1.0
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, (item, _score) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    ordered = sorted(fused.items(), key=lambda pair: -pair[1])
    return [(item, score / best) for item, score in ordered]


def convex(dense: dict[int, float], keyword: Sequence[tuple[int, float]],
           dense_weight: float = 0.6, keyword_floor: float = 0.0) -> list[tuple[int, float]]:
    """Convex combination of cosine similarity and max-normalised BM25.

    ``score = w * cosine + (1 - w) * bm25 / max(bm25)`` over the union of candidates
    (a candidate missing from the keyword list has keyword score 0). On XQuAD with the
    BBC distractors this beats reciprocal-rank fusion and each signal alone for every
    weight from 0.4 to 0.7 (docs/quality.md).

    The keyword scores are divided by ``max(max(bm25), keyword_floor)``: in a library of a few
    articles most words are in every passage, and the best match may rest on one word; it then
    counts as the weak match it is instead of as a full one.

    Args:
        dense: cosine similarity of every candidate (dense and keyword ones alike).
        keyword: (id, BM25 score) pairs, higher is better.
        dense_weight: w, the share of the cosine.
        keyword_floor: the least BM25 score that counts as a full keyword match.

    Returns:
        (id, fused score) pairs, best first.
    """
    top = max(max((score for _, score in keyword), default=0.0), keyword_floor) or 1.0
    rest = 1 - dense_weight
    fused = {item: dense_weight * cosine for item, cosine in dense.items()}
    for item, score in keyword:
        fused[item] = fused.get(item, 0.0) + rest * (score / top)
    return sorted(fused.items(), key=itemgetter(1), reverse=True)  # stable: ties keep their order


def recency_prior(ranked: Sequence[tuple[int, float]], ages: Mapping[int, int], weight: float,
                  days: float) -> list[tuple[int, float]]:
    """Prefer newer reporting: take ``weight * (1 - exp(-age / days))`` off each candidate's score.

    News questions mostly ask about recent events, and a library holds older reporting on the
    same subjects. The newest articles lose nothing, older ones up to ``weight``; articles of
    unknown date lose nothing either (their age is unknown, so libraries without dates rank as
    before). Measured in docs/quality.md.

    Args:
        ranked: (id, score) pairs.
        ages: days between each candidate's publication and the library's newest article;
            candidates without a date are missing.
        weight: the most an old article loses (0 turns the prior off).
        days: how fast the loss grows (63% of ``weight`` at this age).

    Returns:
        (id, score) pairs, best first.
    """
    if weight <= 0:
        return list(ranked)
    aged = [(item, score - (weight * -math.expm1(-max(ages[item], 0) / days) if item in ages else 0.0))
            for item, score in ranked]
    return sorted(aged, key=itemgetter(1), reverse=True)


def relative_cut(scores: Sequence[float], share: float) -> int:
    """How many results, best first, score at least ``share`` of the best one (at least one).

    Args:
        scores: the results' scores, best first.
        share: the fraction of the best score a result needs (0 keeps all).

    Returns:
        The number of results to show.
    """
    floor = scores[0] * share if scores else 0.0
    shown = next((i for i, score in enumerate(scores) if score < floor), len(scores))
    return max(shown, min(1, len(scores)))


def cap_per_group(items: Sequence[tuple[int, float]], group_of: Callable[[int], Hashable],
                  per_group: int, limit: int, *, fill: bool = False) -> list[tuple[int, float]]:
    """Keep at most ``per_group`` items of each group, and ``limit`` in all, best first.

    Args:
        items: (id, score) pairs, best first.
        group_of: the group (e.g. article id) of an id; ids it maps to None are skipped.
        per_group: the cap per group.
        limit: the total wanted.
        fill: when the groups run out before ``limit`` (``items`` holds every candidate there
            is: a library of two articles), the best of the items the cap held back fill the rest,
            after the kept ones (the top stays varied).

    Returns:
        The kept pairs, best first (then the filled ones, best first).
    """
    counts: dict[Hashable, int] = {}
    kept, held = [], []
    for item, score in items:
        group = group_of(item)
        if group is None:
            continue
        if counts.get(group, 0) >= per_group:
            held.append((item, score))
            continue
        counts[group] = counts.get(group, 0) + 1
        kept.append((item, score))
        if len(kept) >= limit:
            return kept
    if not fill:
        return kept
    return kept + held[:limit - len(kept)]  # after the capped ones: the top stays varied


def confidence(cosines: Sequence[float], coverages: Sequence[float]) -> float:
    """How sure we are that the top results answer the question, in [0, 1].

    The best, over the top results, of the mean of two signals: the passage's cosine
    similarity to the question and the share of the question's content words the passage
    contains. Cosine alone cannot tell a passage on the topic from one that answers;
    word coverage catches that (calibration in docs/quality.md).

    Args:
        cosines: cosine similarity of each top result.
        coverages: share of the question's content terms in each top result.

    Returns:
        The confidence; 0 when there are no results.
    """
    return max(((c + v) / 2 for c, v in zip(cosines, coverages)), default=0.0)


def is_answered(confidence: float, threshold: float) -> bool:
    """The no-answer decision: answer only when the evidence reaches the threshold."""
    return confidence >= threshold
