"""Stories: articles about the same event, across publishers and days, formed online.

Each article arrives with a vector (the mean of its passages' vectors), its words (content
stems with counts), its names and numbers (capitalised words that do not open a sentence, and
numbers) and its date. Its similarity to a story is a weighted sum of three averages over the
story's members (average linkage):

    dense · cosine of the vectors + words · cosine of TF-IDF vectors + names · weighted Jaccard

with dense = 1 − words − names. TF-IDF and the names' weights use the inverse document frequency
among the articles seen so far, so two earthquake reports share "earthquake" and "magnitude"
but not "Indonesia" or "6.1", and those rarer words decide. The two cosines' averages come
from each story's running sums, so a story of any size costs one dot product. An article joins
the most similar story among those of its nearest articles when the similarity reaches the
threshold, else it starts one. Far apart dates lower the similarity. Pure: no storage, no
model; :mod:`retrieval.stories` keeps the state in the library.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from retrieval.sentences import sentences
from retrieval.terms import STOPWORDS, words

WORDS_WEIGHT = 0.7  # weights and threshold chosen with benchmarks/stories.py (docs/quality.md)
ENTITY_WEIGHT = 0.2
THRESHOLD = 0.2  # the average similarity to join a story
NEIGHBOURS = 32  # nearest earlier articles whose stories are considered
MEMBERS_COMPARED = 32  # latest members of a candidate story its names are compared with
DATE_GRACE_DAYS = 3  # dates closer than this cost nothing
DATE_SCALE_DAYS = 30  # beyond the grace, the similarity is divided by 1 + extra days / this

_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]{0,30}")
_NUMBER = re.compile(r"\b\d{1,12}(?:[.,]\d{1,6})?\b")


def story_terms(text: str) -> frozenset[str]:
    """The names and numbers of an article: capitalised words and numbers, lowercased (stop words,
    which is what most capitalised sentence openings are, left out)."""
    found: set[str] = set()
    for sentence in sentences(text[:20_000]):
        found.update(w.lower().rstrip("'’s") for w in _CAPITALISED.findall(sentence))
        found.update(_NUMBER.findall(sentence))
    return frozenset(t for t in found if t and t not in STOPWORDS)


def story_words(text: str) -> Counter:
    """Content words of an article cut to five-letter stems, with their counts."""
    return Counter(w[:5] for w in words(text[:20_000]) if w not in STOPWORDS and len(w) > 2)


@dataclass(slots=True)
class StoryArticle:
    """What the clustering knows of one article."""

    id: int
    vector: np.ndarray  # normalised
    terms: frozenset[str]  # names and numbers
    date: str = ""  # ISO day or ""
    words: Counter = field(default_factory=Counter)  # content stems and counts


@dataclass
class StoryModel:
    """The stories formed so far; :meth:`add` places one more article."""

    entity_weight: float = ENTITY_WEIGHT
    threshold: float = THRESHOLD
    words_weight: float = WORDS_WEIGHT
    ids: list[int] = field(default_factory=list)
    story_of: dict[int, int] = field(default_factory=dict)  # article id -> story id (its first article's)
    members: dict[int, list[int]] = field(default_factory=dict)  # story id -> row numbers, in arrival order
    _vectors: list[np.ndarray] = field(default_factory=list)
    _matrix: np.ndarray | None = None
    _terms: list[frozenset[str]] = field(default_factory=list)
    _dates: list[str] = field(default_factory=list)
    _df: Counter = field(default_factory=Counter)  # names' document frequencies
    _word_df: Counter = field(default_factory=Counter)
    _dense_sum: dict[int, np.ndarray] = field(default_factory=dict)  # story -> sum of its members' vectors
    _words_sum: dict[int, Counter] = field(default_factory=dict)  # story -> sum of its members' TF-IDF vectors

    def add(self, article: StoryArticle) -> int:
        """Place ``article`` in a story (an earlier one or a new one); return the story's id."""
        tfidf = self._tfidf(article.words)
        story = self._best_story(article, tfidf)
        self._record(article, article.id if story is None else story, tfidf)
        return article.id if story is None else story

    def place(self, article: StoryArticle, story: int) -> None:
        """Record ``article`` as a member of ``story`` (as loaded from storage, in arrival order)."""
        self._record(article, story, self._tfidf(article.words))

    def regroup(self, moves: dict[int, int], words: dict[int, Counter]) -> None:
        """Move articles to other stories and total again the stories they left and joined.

        Args:
            moves: article id -> its new story id.
            words: the word counts of every member of those stories after the moves (their
                TF-IDF vectors are summed again with today's frequencies).
        """
        row_of = {aid: row for row, aid in enumerate(self.ids)}
        touched: set[int] = set()
        for aid, story in moves.items():
            row, old = row_of[aid], self.story_of[aid]
            if old == story:
                continue
            self.members[old].remove(row)
            bisect.insort(self.members.setdefault(story, []), row)
            self.story_of[aid] = story
            touched.update((old, story))
        for story in touched:
            rows = self.members.get(story)
            if not rows:
                for table in (self.members, self._dense_sum, self._words_sum):
                    table.pop(story, None)
                continue
            self._dense_sum[story] = np.sum([self._vectors[row] for row in rows], axis=0)
            summed: Counter = Counter()
            for row in rows:
                summed.update(self._tfidf(words.get(self.ids[row], Counter())))
            self._words_sum[story] = summed

    def _record(self, article: StoryArticle, story: int, tfidf: dict[str, float]) -> None:
        row = len(self.ids)
        self.ids.append(article.id)
        vector = article.vector.astype(np.float32)
        self._vectors.append(vector)
        self._matrix = None
        self._terms.append(article.terms)
        self._dates.append(article.date)
        self._df.update(article.terms)
        self._word_df.update(article.words.keys())
        self.story_of[article.id] = story
        self.members.setdefault(story, []).append(row)
        self._dense_sum[story] = self._dense_sum.get(story, 0) + vector
        self._words_sum.setdefault(story, Counter()).update(tfidf)

    def _tfidf(self, counts: Counter) -> dict[str, float]:
        """The article's normalised TF-IDF vector (sublinear counts; frequencies as of its arrival)."""
        seen = len(self.ids) + 1
        weights = {t: (1 + math.log(c)) * math.log(1 + seen / (1 + self._word_df[t])) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def _best_story(self, article: StoryArticle, tfidf: dict[str, float]) -> int | None:
        if not self.ids:
            return None
        cosines = self._matrix_now() @ article.vector.astype(np.float32)
        nearest = np.argsort(-cosines)[:NEIGHBOURS]
        best, best_score = None, self.threshold
        for story in dict.fromkeys(self.story_of[self.ids[row]] for row in nearest):
            score = self.story_similarity(article, tfidf, story)
            if score >= best_score:
                best, best_score = story, score
        return best

    def story_similarity(self, article: StoryArticle, tfidf: dict[str, float], story: int) -> float:
        """The article's average similarity to the story's members (see the module's formula)."""
        rows = self.members[story]
        size = len(rows)
        dense = float(self._dense_sum[story] @ article.vector) / size
        summed = self._words_sum[story]
        lexical = sum(w * summed.get(t, 0.0) for t, w in tfidf.items()) / size
        compared = rows[-MEMBERS_COMPARED:]
        names = float(np.mean([self._overlap(article.terms, self._terms[r]) for r in compared]))
        days = float(np.mean([_extra_days(article.date, self._dates[r]) for r in compared]))
        mixed = ((1 - self.words_weight - self.entity_weight) * dense + self.words_weight * lexical
                 + self.entity_weight * names)
        return mixed / (1 + days / DATE_SCALE_DAYS)

    def _overlap(self, mine: frozenset[str], theirs: frozenset[str]) -> float:
        union = mine | theirs
        if not union:
            return 0.0
        seen = len(self.ids) + 1
        weight = {t: math.log(1 + seen / (1 + self._df[t])) for t in union}
        return sum(weight[t] for t in mine & theirs) / sum(weight.values())

    def _matrix_now(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.vstack(self._vectors)
        return self._matrix

    def central_of(self, stories: list[int]) -> dict[int, int]:
        """The central member of each of ``stories`` the model holds (see :meth:`central`)."""
        return {story: self.central(story) for story in stories if story in self.members}

    def central(self, story: int) -> int:
        """The member closest to the story's centroid (its title names the story)."""
        rows = self.members[story]
        vectors = self._matrix_now()[rows]
        return self.ids[rows[int(np.argmax(vectors @ self._dense_sum[story]))]]


def _extra_days(one: str, other: str) -> float:
    """Days between two ISO days beyond the grace (0 when either is undated)."""
    if not one or not other:
        return 0.0
    try:
        gap = abs((date.fromisoformat(one[:10]) - date.fromisoformat(other[:10])).days)
    except ValueError:
        return 0.0
    return max(0.0, gap - DATE_GRACE_DAYS)
