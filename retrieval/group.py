"""Grouping results that report the same thing in different publications ("also reported by").

Two results from different articles (and different publishers, when both are known) are
the same story when their answering sentences say the same thing — cosine similarity of
the highlighted sentences, each embedded on its own, at least :data:`SAME_SENTENCE` — or
when the passages as a whole are near-copies — cosine of the passage vectors at least
:data:`SAME_PASSAGE` (re-published wire copy, where the highlighter may pick different
sentences of the same text). On the seed articles (wire copy and the BBC) sentences stating
the same fact score 0.73-0.79 while different facts of the same story score at most 0.62.

The stored in-context sentence vectors share their article's context: on 550 questions over
XQuAD + BBC they disagreed with sentences embedded alone on a third of the pairs at any one
threshold. So they only pre-select pairs (cosine at least :data:`PRESELECT`, which kept 110
of the 112 pairs that the sentences alone put at 0.70 or more), and the sentences are then
embedded on their own to decide — one model run over a few short texts, only when some pair
of results may be the same story.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retrieval.models import Article, Hit

SAME_SENTENCE = 0.70
PRESELECT = 0.60  # in-context sentence vectors: pairs worth embedding the sentences alone
SAME_PASSAGE = 0.90


def _date_key(article: Article) -> tuple[int, str]:
    """Earliest first; undated articles after dated ones."""
    return (0, article.date) if article.date else (1, "")


def _similar(a: np.ndarray | None, b: np.ndarray | None, threshold: float) -> bool:
    return a is not None and b is not None and float(a @ b) >= threshold


def _may_join(hit: Hit, group: list[Hit]) -> bool:
    """Different article, and no publisher twice in a group (a publisher's follow-ups stay apart)."""
    return all(hit.article.id != other.article.id
               and not (hit.article.source and hit.article.source.lower() == other.article.source.lower())
               for other in group)


def group_same_story(hits: list[Hit], sentences: Sequence[np.ndarray | None],
                     passages: Sequence[np.ndarray | None] | None = None,
                     embed: Callable[[list[str]], np.ndarray] | None = None) -> list[Hit]:
    """Merge results from different publications that say the same thing.

    Each group becomes one result at the position of its best-ranked member, showing the
    earliest-published article's passage; the other articles go to ``also_reported_by``,
    earliest first.

    Args:
        hits: ranked results.
        sentences: the normalised vector of each result's highlighted sentence (None: unknown).
        passages: the normalised vector of each result's passage (None: unknown).
        embed: embeds highlighted sentences on their own to confirm a pair that ``sentences``
            pre-selects (None: ``sentences`` decide alone).

    Returns:
        The grouped results, in rank order.
    """
    passages = passages if passages is not None else [None] * len(hits)
    alone: dict[int, np.ndarray] = {}

    def same_sentence(a: int, b: int) -> bool:
        if embed is None:
            return _similar(sentences[a], sentences[b], SAME_SENTENCE)
        if not _similar(sentences[a], sentences[b], PRESELECT):
            return False
        if not alone:  # one model run for every sentence that may need it
            todo = _preselected(hits, sentences)
            alone.update(zip(todo, embed([hits[i].highlight for i in todo])))
        return _similar(alone.get(a), alone.get(b), SAME_SENTENCE)

    groups: list[list[int]] = []
    for index in range(len(hits)):
        for group in groups:
            lead = group[0]
            if not _may_join(hits[index], [hits[i] for i in group]):
                continue
            if _similar(passages[lead], passages[index], SAME_PASSAGE) or same_sentence(lead, index):
                group.append(index)
                break
        else:
            groups.append([index])
    return [_merge([hits[i] for i in group]) for group in groups]


def _preselected(hits: list[Hit], sentences: Sequence[np.ndarray | None]) -> list[int]:
    """Results in some pair that the in-context vectors pre-select and that may be grouped."""
    chosen: set[int] = set()
    for a in range(len(hits)):
        for b in range(a + 1, len(hits)):
            if _similar(sentences[a], sentences[b], PRESELECT) and _may_join(hits[b], [hits[a]]):
                chosen.update((a, b))
    return sorted(chosen)


def _merge(members: list[Hit]) -> Hit:
    if len(members) == 1:
        return members[0]
    ordered = sorted(members, key=lambda h: _date_key(h.article))
    primary = ordered[0]
    primary.score = max(h.score for h in members)
    primary.also_reported_by = [h.article for h in ordered[1:]]
    return primary
