"""Ranking: fusing dense and keyword candidates, capping per article, deciding "no answer".

Pure functions on (passage id, score) lists, so they can be tested on fake vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

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


def cap_per_group(items: Sequence[tuple[int, float]], group_of: Callable[[int], Hashable],
                  per_group: int, limit: int) -> list[tuple[int, float]]:
    """Keep at most ``per_group`` items of each group, and ``limit`` in all, in order.

    Args:
        items: (id, score) pairs, best first.
        group_of: the group (e.g. article id) of an id; ids it maps to None are skipped.
        per_group: the cap per group.
        limit: the total wanted.

    Returns:
        The kept pairs, best first.
    """
    counts: dict[Hashable, int] = {}
    kept = []
    for item, score in items:
        group = group_of(item)
        if group is None or counts.get(group, 0) >= per_group:
            continue
        counts[group] = counts.get(group, 0) + 1
        kept.append((item, score))
        if len(kept) >= limit:
            break
    return kept


def is_answered(confidence: float, threshold: float) -> bool:
    """The no-answer decision: answer only when the evidence reaches the threshold."""
    return confidence >= threshold
