"""Timelines: the key days of a story or a question, each with the sentences saying what happened.

1. **Articles.** For a question, the passages the keyword and dense sides find within the window
   (``since``/``until``), each article weighted by its best passage's fused score relative to the
   best article's (those under :data:`MIN_RELEVANCE` dropped); for a story, its articles, all
   weighted 1.
2. **Days.** A day scores its articles' weights for every article published on it and for every
   sentence that names it ("on Tuesday", "20 April": :mod:`retrieval.sentence_dates`); the best
   ``dates`` days of the window are kept.
3. **Sentences.** A day's candidates are the sentences naming it and the opening sentences of its
   articles that name no other day; each scores its article's weight times (the share of the
   question's words it holds + its TF-IDF cosine to the day's candidates as a whole), less for
   sentences longer than :data:`LONG_WORDS` words; the best ``sentences`` are kept, leaving out
   near copies of those already chosen.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from retrieval.library import Library
from retrieval.rank import convex
from retrieval.records import Article, Filters
from retrieval.sentence_dates import sentence_days
from retrieval.sentences import sentences
from retrieval.stories import StoryIndex
from retrieval.terms import content_terms, terms_of

SEARCH_DEPTH = 1500  # passages each side returns for a question
MIN_RELEVANCE = 0.7  # an article's share of the best article's score to take part
PUBLISHED_WEIGHT = 1.0  # a day's score per article published on it (times the article's weight)
NAMED_WEIGHT = 1.0  # per sentence naming it
SENTENCES_READ = 40  # sentences of an article read for day references
LEAD_SENTENCES = 2  # opening sentences that speak for the publication day
NEAR_COPY = 0.5  # word overlap (Jaccard) above which a sentence repeats one already chosen
LONG_WORDS = 35  # a sentence's score is divided by 1 + its words beyond this / this (entries are one line)


@dataclass(slots=True)
class TimelineEntry:
    """One key day: what happened, and where it was said."""

    date: str
    sentences: list[str] = field(default_factory=list)
    citations: list[Article] = field(default_factory=list)


@dataclass(slots=True)
class _Said:
    text: str
    article: Article
    weight: float
    named: bool  # the sentence names the day (not only published on it)


def timeline_for_question(library: Library, question: str, *, dates: int = 10, sentences_per_date: int = 2,
                          since: str = "", until: str = "", scopes: list[int | None] | None = None
                          ) -> list[TimelineEntry]:
    """The timeline of what ``question`` is about (see the module's steps)."""
    weighted = relevant_articles(library, question, since, until, scopes or [None])
    return build_timeline(library, weighted, question, dates, sentences_per_date, since, until)


def timeline_for_story(library: Library, stories: StoryIndex, story_id: int, *, dates: int = 10,
                       sentences_per_date: int = 2, since: str = "", until: str = "",
                       scopes: list[int | None] | None = None) -> list[TimelineEntry]:
    """The timeline of one story: its articles, each weighted 1, its title as the question."""
    found = stories.stories(scopes or [None], since=since, until=until, story_ids=[story_id])
    if not found:
        return []
    weighted = {article.id: (article, 1.0) for article in found[0].articles}
    return build_timeline(library, weighted, found[0].title, dates, sentences_per_date, since, until)


def relevant_articles(library: Library, question: str, since: str, until: str,
                      scopes: list[int | None]) -> dict[int, tuple[Article, float]]:
    """Articles about ``question`` in the window, each with its weight (1 for the best)."""
    filters = Filters(since=since, until=until)
    keyword = library.store.keyword_search(question, SEARCH_DEPTH, scopes, filters)
    query = library.encoder.encode([question])[0]
    dense, scores = library.dense_search(query, SEARCH_DEPTH, [pid for pid, _ in keyword], scopes, filters)
    scores.update(dense)
    fused = convex(scores, keyword, 0.6)
    rows = library.store.passages([pid for pid, _ in fused], scopes, filters)
    best: dict[int, tuple[Article, float]] = {}
    for pid, score in fused:
        row = rows.get(pid)
        if row is None or not row["date"]:
            continue
        aid = row["id"]
        if aid not in best:
            best[aid] = (Article(id=aid, title=row["title"], source=row["source"], author=row["author"],
                                 date=row["date"], url=row["url"], path=row["path"], guild_id=row["guild_id"]), score)
    top = max((score for _, score in best.values()), default=0.0)
    return {aid: (article, score / top) for aid, (article, score) in best.items()
            if top > 0 and score / top >= MIN_RELEVANCE}


def build_timeline(library: Library, weighted: dict[int, tuple[Article, float]], question: str, dates: int,
                   sentences_per_date: int, since: str, until: str) -> list[TimelineEntry]:
    """Key days and their sentences from weighted articles (steps 2 and 3 of the module)."""
    bodies = library.store.article_bodies(list(weighted))
    day_score: dict[str, float] = defaultdict(float)
    said: dict[str, list[_Said]] = defaultdict(list)
    for aid, (article, weight) in weighted.items():
        published = _parse_day(article.date)
        if published is None:
            continue
        day_score[published.isoformat()] += PUBLISHED_WEIGHT * weight
        for number, sentence in enumerate(sentences(bodies.get(aid, ""))[:SENTENCES_READ]):
            named = [d.isoformat() for d in sentence_days(sentence, published)]
            for day in named:
                day_score[day] += NAMED_WEIGHT * weight
                said[day].append(_Said(sentence, article, weight, True))
            if not named and number < LEAD_SENTENCES:
                said[published.isoformat()].append(_Said(sentence, article, weight, False))
    days = [d for d, _ in sorted(day_score.items(), key=lambda item: (-item[1], item[0]))
            if (not since or d >= since) and (not until or d <= until)][:dates]
    terms = content_terms(question)
    return [_entry(day, said[day], terms, sentences_per_date) for day in sorted(days)]


def _entry(day: str, candidates: list[_Said], terms: frozenset[str], wanted: int) -> TimelineEntry:
    """A day's entry: its best sentences (see the module's step 3) and their articles."""
    bags = [Counter(terms_of(c.text)) for c in candidates]
    document_frequency: Counter = Counter(t for bag in bags for t in bag)
    centroid: Counter = Counter()
    vectors = []
    for bag in bags:
        vector = {t: math.log(1 + len(bags) / document_frequency[t]) for t in bag}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vector = {t: v / norm for t, v in vector.items()}
        vectors.append(vector)
        centroid.update(vector)
    scored = []
    for candidate, vector in zip(candidates, vectors):
        central = sum(v * centroid[t] for t, v in vector.items()) / max(len(candidates), 1)
        asked = len(terms & set(vector)) / len(terms) if terms else 0.0
        length = max(0, len(candidate.text.split()) - LONG_WORDS) / LONG_WORDS
        value = candidate.weight * (asked + central) / (1 + length)
        scored.append((value, candidate))
    entry = TimelineEntry(day)
    chosen: list[frozenset[str]] = []
    for _, candidate in sorted(scored, key=lambda item: -item[0]):
        words = terms_of(candidate.text)
        if any(len(words & other) / max(len(words | other), 1) > NEAR_COPY for other in chosen):
            continue
        chosen.append(words)
        entry.sentences.append(candidate.text)
        if candidate.article not in entry.citations:
            entry.citations.append(candidate.article)
        if len(entry.sentences) >= wanted:
            break
    return entry


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
