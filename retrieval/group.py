"""Grouping results that report the same thing in different articles ("also reported by").

Two results are the same story when their answering sentences say the same thing: the
cosine similarity of the highlighted sentences reaches :data:`SAME_STORY`. On the seed
articles (wire copy and the BBC) sentences stating the same fact score 0.73-0.79 while
different facts of the same story score at most 0.62, hence 0.70.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.models import Article, Hit

SAME_STORY = 0.70


def _date_key(article: Article) -> tuple[int, str]:
    """Earliest first; undated articles after dated ones."""
    return (0, article.date) if article.date else (1, "")


def group_same_story(hits: list[Hit], vectors: Sequence[np.ndarray | None],
                     threshold: float = SAME_STORY) -> list[Hit]:
    """Merge results from different articles whose answering sentences say the same thing.

    Each group becomes one result at the position of its best-ranked member, showing the
    earliest-published article's passage; the other articles go to ``also_reported_by``,
    earliest first.

    Args:
        hits: ranked results.
        vectors: the normalised vector of each result's highlighted sentence (None: unknown).
        threshold: the similarity at which two sentences count as the same statement.

    Returns:
        The grouped results, in rank order.
    """
    groups: list[list[int]] = []
    for index, vector in enumerate(vectors):
        target = None
        if vector is not None:
            for group in groups:
                lead = vectors[group[0]]
                articles = {hits[i].article.id for i in group}
                if lead is not None and hits[index].article.id not in articles \
                        and float(lead @ vector) >= threshold:
                    target = group
                    break
        if target is None:
            groups.append([index])
        else:
            target.append(index)
    return [_merge([hits[i] for i in group]) for group in groups]


def _merge(members: list[Hit]) -> Hit:
    if len(members) == 1:
        return members[0]
    ordered = sorted(members, key=lambda h: _date_key(h.article))
    primary = ordered[0]
    primary.score = max(h.score for h in members)
    primary.also_reported_by = [h.article for h in ordered[1:]]
    return primary
