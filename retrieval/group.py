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
of the 112 pairs that the sentences alone put at 0.70 or more). Taking out part of the
passage's own vector (:data:`CONTEXT_SHARE`) brings them closer to the sentences alone
(`benchmarks/grouping.py`): on the 21,226 pairs of results of 1,190 XQuAD questions (99 the
same statement by the sentences alone), no pair scoring at least :data:`SURE_SAME` that way
was a different statement, and no pair under :data:`PRESELECT` was the same one that the
plain pre-selection kept; the same held on 176 TREC questions (4,602 pairs, 28 the same).
Only pairs in between have their sentences embedded on their own to decide (9-13% of
questions rather than 16-27%), and only while the later result could still be shown: a
result that can only be dropped or listed under "also reported by" is not worth 5-10 ms of
model time (4-7% of questions then embed anything).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retrieval.answer_type import expected_kind, mentions
from retrieval.records import Article, Hit

SAME_SENTENCE = 0.70
PRESELECT = 0.60  # in-context sentence vectors: pairs worth a closer look
CONTEXT_SHARE = 0.3  # of the passage vector taken out of an in-context sentence vector
SURE_SAME = 0.85  # without that context share: the same statement, no need to embed alone
SAME_PASSAGE = 0.90


def _date_key(article: Article) -> tuple[int, str]:
    """Earliest first; undated articles after dated ones."""
    return (0, article.date) if article.date else (1, "")


def _similar(a: np.ndarray | None, b: np.ndarray | None, threshold: float) -> bool:
    return a is not None and b is not None and float(a @ b) >= threshold


class _Cosines:
    """The pairwise cosines of a few vectors, some unknown (None), in one matrix product."""

    def __init__(self, vectors: Sequence[np.ndarray | None]) -> None:
        known = [i for i, v in enumerate(vectors) if v is not None]
        self._row = {i: n for n, i in enumerate(known)}
        rows = [v for v in vectors if v is not None]
        stacked = np.stack(rows) if rows else np.zeros((0, 0), np.float32)
        self._matrix = (stacked @ stacked.T).tolist()

    def known(self, index: int) -> bool:
        """The vector of ``index`` is known."""
        return index in self._row

    def similar(self, a: int, b: int, threshold: float) -> bool:
        """Both vectors known and their cosine at least ``threshold``."""
        row, col = self._row.get(a), self._row.get(b)
        return row is not None and col is not None and self._matrix[row][col] >= threshold


def _may_join(hit: Hit, group: list[Hit]) -> bool:
    """Different article, and no publisher twice in a group (a publisher's follow-ups stay apart)."""
    return all(hit.article.id != other.article.id
               and not (hit.article.source and hit.article.source.lower() == other.article.source.lower())
               for other in group)


def _same_words(a: str, b: str) -> bool:
    """Two highlighted sentences with the same words (a copy whose passages were cut differently)."""
    return bool(a) and a.split() == b.split()


class _SaysMore:
    """Whether a result's highlighted sentence names something of the kind of answer the question
    expects that neither the question nor another result's sentence names ("in February 2022"
    against "last year" for "when"); each sentence read once."""

    def __init__(self, question: str, hits: list[Hit]) -> None:
        self.kind = expected_kind(question) if question else None
        self.question = question.lower()
        self.hits = hits
        self._found: dict[int, list[str]] = {}

    def __call__(self, index: int, lead: int) -> bool:
        """True when result ``index`` says more of the expected kind than result ``lead``."""
        if self.kind is None:
            return False
        if index not in self._found:
            self._found[index] = [m.lower() for m in mentions(self.hits[index].highlight, self.kind)]
        other = self.hits[lead].highlight.lower()
        return any(m not in self.question and m not in other for m in self._found[index])


def group_same_story(hits: list[Hit], sentences: Sequence[np.ndarray | None],
                     passages: Sequence[np.ndarray | None] | None = None,
                     embed: Callable[[list[str]], np.ndarray] | None = None,
                     shown: int | None = None, question: str = "") -> list[Hit]:
    """Merge results from different publications that say the same thing.

    Each group becomes one result at the position of its best-ranked member, with its scores,
    showing the earliest-published article's passage when the members are copies of one text,
    else the best-ranked one's; the other articles go to ``also_reported_by``, earliest first.

    Args:
        hits: ranked results.
        sentences: the normalised vector of each result's highlighted sentence (None: unknown).
        passages: the normalised vector of each result's passage (None: unknown).
        embed: embeds highlighted sentences on their own to decide the pairs that ``sentences``
            leave in doubt (None: ``sentences`` decide alone, at :data:`SAME_SENTENCE`).
        shown: how many results will be shown (None: all). Once that many groups exist, a
            later result can only be dropped or listed under ``also_reported_by``, so a pair
            left in doubt there is not embedded and stays apart.
        question: the question asked: a result whose highlighted sentence names something of the
            kind of answer it expects (a date for "when") that neither the question nor the group's
            lead names says more than the lead and stays apart.

    Returns:
        The grouped results, in rank order.
    """
    passages = passages if passages is not None else [None] * len(hits)
    verdicts = Verdicts(hits, sentences, passages, embed)
    copies = _Cosines(passages)
    says_more = _SaysMore(question, hits)
    groups: list[list[int]] = []
    reworded: set[int] = set()  # groups (by lead) joined by a passage that is not a copy of the lead
    for index in range(len(hits)):
        settle = shown is None or len(groups) < shown
        for group in groups:
            lead = group[0]
            if not _may_join(hits[index], [hits[i] for i in group]) or says_more(index, lead):
                continue
            copy = copies.similar(lead, index, SAME_PASSAGE)
            if copy or verdicts.same(lead, index, settle):
                group.append(index)
                if not (copy or _same_words(hits[lead].highlight, hits[index].highlight)):
                    reworded.add(lead)
                break
        else:
            groups.append([index])
    return [_merge([hits[i] for i in group], original_first=group[0] not in reworded) for group in groups]


class Verdicts:
    """Whether two results say the same thing, embedding sentences alone only for pairs in doubt."""

    def __init__(self, hits: list[Hit], sentences: Sequence[np.ndarray | None],
                 passages: Sequence[np.ndarray | None], embed: Callable[[list[str]], np.ndarray] | None) -> None:
        """Judge pairs of ``hits`` (arguments as for :func:`group_same_story`)."""
        self.hits = hits
        self.sentences = sentences
        self.passages = passages
        self._sentences = _Cosines(sentences)
        self._plain: _Cosines | None = None  # made for the first pair that passes pre-selection
        self.embed = embed
        self.alone: dict[int, np.ndarray] = {}

    def cheap(self, a: int, b: int) -> bool | None:
        """The verdict without a model run; None when the pair is in doubt."""
        sentences = self._sentences
        if self.embed is None:
            return sentences.similar(a, b, SAME_SENTENCE)
        if not sentences.similar(a, b, PRESELECT):
            return False
        if self._plain is None:
            self._plain = _Cosines([_without_context(s, p) for s, p in zip(self.sentences, self.passages)])
        plain = self._plain
        if plain.known(a) and plain.known(b):  # without a passage vector: no shortcut
            if not plain.similar(a, b, PRESELECT) or plain.similar(a, b, SURE_SAME):
                return plain.similar(a, b, SURE_SAME)
        return None

    def same(self, a: int, b: int, settle: bool = True) -> bool:
        """The verdict for results ``a`` and ``b``; ``settle``: embed alone if in doubt (else apart)."""
        verdict = self.cheap(a, b)
        if verdict is not None:
            return verdict
        if not settle or self.embed is None:
            return False
        todo = [i for i in (a, b) if i not in self.alone]
        if todo:  # one model run for the pair
            self.alone.update(zip(todo, self.embed([self.hits[i].highlight for i in todo])))
        return _similar(self.alone[a], self.alone[b], SAME_SENTENCE)


def _without_context(sentence: np.ndarray | None, passage: np.ndarray | None) -> np.ndarray | None:
    """An in-context sentence vector with :data:`CONTEXT_SHARE` of its passage's vector taken out
    (None when either is unknown)."""
    if sentence is None or passage is None:
        return None
    rest = sentence - CONTEXT_SHARE * passage
    norm = float(np.linalg.norm(rest))
    return rest / norm if norm > 0 else sentence


def _merge(members: list[Hit], original_first: bool) -> Hit:
    """One result for a group: the earliest article's passage when all are copies of one text (the
    original is credited), else the best-ranked one (the same statement in other words may lack
    what the best one answers); either way with the best-ranked member's scores."""
    if len(members) == 1:
        return members[0]
    best = members[0]
    ordered = sorted(members, key=lambda h: _date_key(h.article))
    primary = ordered[0] if original_first else best
    primary.score, primary.dense, primary.evidence = best.score, best.dense, best.evidence
    primary.passage_score = best.passage_score
    primary.also_reported_by = [h.article for h in ordered if h is not primary]
    return primary
