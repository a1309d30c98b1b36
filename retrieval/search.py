"""Answering a question: embed it, gather dense and keyword candidates, rank, highlight, group.

The flow is question -> embed -> search (this module) -> rank (:mod:`retrieval.rank`) ->
highlight (:mod:`retrieval.highlight`) -> group (:mod:`retrieval.group`) -> :class:`Answer`,
which :mod:`retrieval.format` renders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from config.settings import Settings
from retrieval.age_prior import AgePrior, day_of
from retrieval.answer_type import expected_kind, holds_answer_kind
from retrieval.answerability import AnswerModel, signals
from retrieval.article_question import (
    ArticleQuestion,
    about_article,
    about_writer,
    article_fact,
    mentions_writing,
    named_authors,
    named_sources,
    without_names,
)
from retrieval.bylines import Bylines
from retrieval.definition_question import NAMED_SUBJECT_CONFIDENCE, defined_name, names_it, naming_first
from retrieval.errors import BadInputError
from retrieval.group import group_same_story
from retrieval.headlines import asks_for_headlines, opening_hit, story_hit
from retrieval.highlight import highlights, sentence_overlaps
from retrieval.library import Library
from retrieval.place_names import PlaceNames
from retrieval.question_names import question_names, spelled_out
from retrieval.question_spelling import respelled_question
from retrieval.question_time import Window, describe_lean, describe_window, time_lean, time_window, without_lean_words
from retrieval.rank import cap_per_group, convex, is_answered, relative_cut
from retrieval.records import Answer, Filters, Gathered, Hit
from retrieval.rows import article_from_row, sentence_vectors_of
from retrieval.stories import Story, StoryIndex, digest
from retrieval.terms import content_terms, terms_of
from retrieval.terms import words as terms_words

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "keyword"]
CANDIDATES = 50
FILTERED_CANDIDATES = 2000  # filters drop candidates after the vector search: look further
GROUPING_SPARE = 3  # extra results highlighted so grouping still leaves k
FIRST_ROWS = 16  # candidates whose rows are read at first (more only when too few are kept)
EARLY_ROWS = 16  # best keyword candidates read beside the question's embedding
SENTENCE_CACHE = 4096  # sentences embedded alone for grouping, remembered
MAX_ALSO = 3  # other publishers' articles of a result's story listed under it
HEADLINE_DAYS = 7  # "What's the latest news?" without a period: the week up to the asking day
MAX_FACTS = 3  # articles whose author / publisher / date a question about the articles is told
ARTICLE_TERMS_CACHE = 2048  # articles whose words are remembered for the confidence


@dataclass(slots=True)
class _Early:
    """Rows read while the question is embedded: those of the best keyword candidates (most end
    among the results), with their sentence vectors."""

    checked: set[int] = field(default_factory=set)  # ids whose rows were asked for
    rows: dict = field(default_factory=dict)  # those in scope
    sentences: dict = field(default_factory=dict)
    overlaps: dict = field(default_factory=dict)  # the question's terms in each of their sentences


@dataclass(slots=True)
class SearchOptions:
    """How to search."""

    k: int = 5
    max_per_article: int = 2
    min_score: float = 0.49
    hint_score: float = 0.10  # not answered, but this sure: the closest passage is shown, marked unsure
    mode: Mode = "hybrid"
    dense_weight: float = 0.6
    recency_weight: float = 0.2
    recency_days: float = 14.0
    cutoff: float = 0.70  # show only results scoring at least this share of the best (0: all k)
    keyword_floor: float = 8.0  # BM25 over max(best, this): a weak best keyword match counts as weak (rank.convex)
    answer_type_weight: float = 0.0  # bonus for passages holding the kind of answer asked for (answer_type.py)
    sentence_weight: float = 0.25  # share of the dense side read from the highlighted sentence (docs/quality.md)
    read_time: bool = True  # words about time in the question set a window (retrieval/question_time.py)
    lean: str = ""  # "recent" / "early": asks for the newest / first reporting (read from its words; "none": never)
    highlight: bool = True
    group: bool = True
    filters: Filters = field(default_factory=Filters)

    @classmethod
    def from_settings(cls, settings: Settings, **changes: Any) -> SearchOptions:
        """The operator's defaults (results, caps, threshold, recency, cut-off), with ``changes``."""
        base = {"k": settings.results, "max_per_article": settings.max_per_article,
                "min_score": settings.min_score, "hint_score": settings.hint_score,
                "recency_weight": settings.recency_weight,
                "recency_days": settings.recency_days, "cutoff": settings.relative_cutoff,
                "answer_type_weight": settings.answer_type_weight, "keyword_floor": settings.keyword_floor,
                "sentence_weight": settings.sentence_weight}
        return cls(**{**base, **changes})

    def key(self) -> tuple:
        """The options as a hashable tuple (for the answer cache; a tenth of ``astuple``'s cost)."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))


def _sentences_wanted(options: SearchOptions) -> bool:
    """Whether the highlighter will use stored sentence vectors (it needs the question's vector)."""
    return options.highlight and options.mode != "keyword"


def clean_question(question: str, max_chars: int = 1000) -> str:
    """Fold white space and control characters out of a question.

    Raises:
        BadInputError: the question is empty or longer than ``max_chars``.
    """
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise BadInputError("the question is empty")
    if len(text) > max_chars:
        raise BadInputError(f"the question is too long ({len(text):,} characters; the limit is {max_chars:,})")
    return text


def _articles_of(hits: list[Hit]) -> list:
    """The distinct articles of ``hits``, in their order."""
    return list({hit.article.id: hit.article for hit in hits}.values())


def _agreement(detail: str, articles: list) -> float:
    """The share of ``articles`` giving the most common value of ``detail`` (author, source or
    date): how sure the first article's answer is when the question did not say which article."""
    if not articles:
        return 0.0
    values = Counter(getattr(article, detail) for article in articles)
    return values.most_common(1)[0][1] / len(articles)


class _Clock:
    """Milliseconds spent in each step of a search."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = (now - self.last) * 1000
        self.last = now

    def total(self) -> float:
        return (time.perf_counter() - self.started) * 1000


def _done(value: object) -> Future:
    """A future that already holds ``value``."""
    done: Future = Future()
    done.set_result(value)
    return done


class AnswerCache:
    """The latest answers, reused while the library is unchanged (repeated questions are common)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple, tuple[tuple, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: tuple) -> bool:
        """Whether an answer is held for ``key``, whatever the version it was computed on."""
        return key in self._items

    def get(self, key: tuple, version: tuple) -> Answer | None:
        """A copy of the cached answer, if it was computed on this version of the library."""
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] != version:
                return None
            self._items.move_to_end(key)
            return dataclasses.replace(found[1], hits=list(found[1].hits), timings={})

    def put(self, key: tuple, version: tuple, answer: Answer) -> None:
        """Remember an answer; the least recently used goes when full."""
        with self._lock:
            self._items[key] = (version, dataclasses.replace(answer, hits=list(answer.hits)))
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Searcher:
    """Runs questions against a library."""

    def __init__(self, library: Library, cache_size: int = 256, answer_model: AnswerModel | None = None) -> None:
        """Search ``library``, keeping the latest ``cache_size`` answers; ``answer_model`` decides
        answer or no answer (default: the one shipped, retrieval/answer_model.json)."""
        self.library = library
        self.stories = StoryIndex(library)  # "also reported by": the other articles of a result's story
        self.answer_model = answer_model or AnswerModel.load()
        self.cache = AnswerCache(cache_size)
        self._side = ThreadPoolExecutor(2, thread_name_prefix="newsbot-keyword")
        self._alone: OrderedDict[str, np.ndarray] = OrderedDict()
        self._alone_lock = threading.Lock()
        self._terms: OrderedDict[int, frozenset[str]] = OrderedDict()
        self._terms_lock = threading.Lock()
        self.places = PlaceNames()  # countries' other names, for the names check
        self.bylines = Bylines(lambda scopes, limit: library.store.authors(scopes, limit=limit),
                               self._version)  # the writers a question may name
        self.age = AgePrior(library.store)  # older reporting loses a little (retrieval/age_prior.py)

    def warm(self, keyword_postings: bool = True) -> None:
        """Load the embedding model now rather than on the first question.

        Args:
            keyword_postings: also bring the keyword postings in step (for a process that will
                answer many questions; for one, FTS5 answers and they are never loaded).
        """
        self.library.encoder.encode(["warm up"])
        if keyword_postings:
            self.library.warm_keywords()

    def ask(self, question: str, options: SearchOptions | None = None,
            guild_ids: Iterable[int | None] = (None,)) -> Answer:
        """Answer one question.

        Args:
            question: the question (already cleaned by :func:`clean_question`).
            options: how to search.
            guild_ids: the scopes to search (None is the global library).

        Returns:
            The answer, with ``answered`` False when the evidence is weak. A question about the
            articles themselves ("Who wrote the BBC article?") is answered from their citations
            (``Answer.article_facts``).
        """
        options = options or SearchOptions()
        searched = respelled_question(question, self.library.store.respelled)
        answer = self._answer(searched, options, list(guild_ids))
        if searched != question:  # slips of typing read as the library's words
            answer = dataclasses.replace(answer, question=question, read_as=searched)
        return answer

    def _answer(self, question: str, options: SearchOptions, scopes: list[int | None]) -> Answer:
        """The reply to a question as searched (see :meth:`ask`)."""
        if (about := about_article(question)) is not None:
            return self._about_articles(question, about, options, scopes)
        if self._asks_about_writer(question, options, scopes):
            return self._about_articles(question, about_writer(question), options, scopes)
        if asks_for_headlines(question):
            return self._headlines(question, options, scopes)
        return self._ask_news(question, options, scopes)

    def _headlines(self, question: str, options: SearchOptions, scopes: list[int | None]) -> Answer:
        """"What's the latest news?": the stories of the window the question's words set (else the
        week up to the asking day), most covered first, as a digest ranks them; when the window
        holds none, those of the week up to the newest article before its end. Each is shown by
        its central article's opening."""
        started = time.perf_counter()
        filters = options.filters
        asked = day_of(filters.as_of) if filters.as_of else dt.date.today()
        window = time_window(question, asked) if options.read_time else None
        until = filters.until or (window.until if window else asked).isoformat()
        since = filters.since or (window.since if window else asked - dt.timedelta(days=HEADLINE_DAYS)).isoformat()
        said = f'"{window.phrase}"' if window else "the past week"
        read = f"{said}: stories of {since} to {until}"
        self.stories.catch_up()
        stories = self._top_stories(scopes, since, until, filters.sources, options.k)
        if not stories and (newest := self.library.store.newest_date(scopes, until=until)):
            since = (day_of(newest) - dt.timedelta(days=HEADLINE_DAYS)).isoformat()
            stories = self._top_stories(scopes, since, newest, filters.sources, options.k)
            read += f" held none; the latest, of {since} to {newest}"
        hits = [self._story_hit(story) for story in stories]
        return Answer(question=question, answered=bool(hits), hits=hits, confidence=1.0 if hits else 0.0,
                      took_ms=(time.perf_counter() - started) * 1000, time_read=read, reply="stories")

    def _top_stories(self, scopes: list[int | None], since: str, until: str, sources: tuple[str, ...],
                     k: int) -> list[Story]:
        """The period's ``k`` most covered stories (:func:`retrieval.stories.digest`), those with
        an article from ``sources`` when given."""
        wanted = {source.lower() for source in sources}
        stories = digest(self.stories, scopes, since, until, limit=1_000_000 if wanted else k)
        return [s for s in stories if not wanted or any(a.source.lower() in wanted for a in s.articles)][:k]

    def _story_hit(self, story: Story) -> Hit:
        """A story as a result: its headline article's opening (retrieval/headlines.py)."""
        central = next((a for a in story.articles if a.title == story.title), story.articles[-1])
        return story_hit(story, self.library.store.article_body(central.id), central, MAX_ALSO)

    def _about_articles(self, question: str, about: ArticleQuestion, options: SearchOptions,
                        scopes: list[int | None]) -> Answer:
        """Who wrote, published or dated the articles the question points to: those its topic
        finds among the publishers and writers it names, each with the detail asked for. Without a
        topic, the named publisher's or writer's articles that best match the question; the
        confidence is the share of them that agree on the detail."""
        started = time.perf_counter()
        known = () if options.filters.sources else self.library.store.sources(scopes, limit=1000)
        named = named_sources(question, known)
        writers = self._writers_named(question, options, scopes)
        if named or writers:
            options = dataclasses.replace(options, filters=dataclasses.replace(
                options.filters, sources=named or options.filters.sources, authors=writers or options.filters.authors))
        topic = without_names(about.topic, [*named, *writers])
        bylines = {word for name in [*named, *writers] for word in terms_words(name)}
        if unknown := [n for n in self.unknown_names(question, scopes) if n.lower() not in bylines]:
            return Answer(question=question, answered=False, hits=[], unknown_names=unknown, reply="citations",
                          took_ms=(time.perf_counter() - started) * 1000)
        if content_terms(topic):
            found = self._ask_news(topic, options, scopes)
        elif named or writers:  # no topic: their articles that best match, each shown by its opening
            found = self._ask_news(question, dataclasses.replace(options, min_score=0.0, hint_score=1.0), scopes)
            found.confidence = (1.0 if writers and about.detail == "author"  # "What did X write?": all are theirs
                                else _agreement(about.detail, _articles_of(found.hits)))
            bodies = self.library.store.article_bodies(list({h.article.id for h in found.hits}))
            found.hits = [opening_hit(a, bodies.get(a.id, "")) for a in _articles_of(found.hits)[:MAX_FACTS]]
        else:
            return Answer(question=question, answered=False, hits=[], took_ms=(time.perf_counter() - started) * 1000)
        articles = _articles_of(found.hits)[:MAX_FACTS]
        facts = [article_fact(about.detail, article) for article in articles]
        return dataclasses.replace(found, question=question, article_facts=facts, reply="citations",
                                   took_ms=(time.perf_counter() - started) * 1000)

    def _ask_news(self, question: str, options: SearchOptions, scopes: list[int | None]) -> Answer:
        """Answer a question about the news from the passages (see :meth:`ask`)."""
        clock = _Clock()
        if options.read_time and not options.lean and (lean := time_lean(question)):
            options = dataclasses.replace(options, lean=lean)
        windowed, window = self._in_window(question, options)
        if window is not None:
            inside = self._ask_news(question, windowed, scopes)
            if inside.answered:
                return dataclasses.replace(inside, time_read=describe_window(window, inside.time_read, held=True))
            every = self._ask_news(question, dataclasses.replace(options, read_time=False), scopes)  # nothing in it
            return dataclasses.replace(every, time_read=describe_window(window, every.time_read, held=False))
        options = self._as_asked(options, scopes)
        key = (question, options.key(), tuple(scopes))
        if key in self.cache and (cached := self.cache.get(key, self._version())) is not None:
            cached.took_ms = clock.total()
            cached.timings = {"cache": cached.took_ms}
            return cached
        side = self._side_soon(question, options, scopes)
        query = None if options.mode == "keyword" else self.library.encoder.encode([question])[0]
        clock.lap("embed")
        version, found, gathered, early = side.result()
        dense, scores = self._dense(query, gathered, options, scopes)
        clock.lap("search")
        ranked, leaned = self.age.apply(self._fuse(dense, scores, found, options), weight=options.recency_weight,
                                        days=options.recency_days, lean=options.lean, as_of=options.filters.as_of,
                                        version=version, scopes=scopes)
        clock.lap("fuse")
        early = early.result()
        kept, rows = self._keep(ranked, scopes, options, early)
        kept = self._by_answer_kind(question, kept, rows, options.answer_type_weight)
        clock.lap("rank")
        hits, sentences = self._hits(question, query, kept, rows, scores, options, early)
        self._weigh_evidence(hits, found, leaned, options)  # before grouping: a group shows its best's
        hits, sentences, kept = self._by_sentence(query, hits, sentences, kept, options)
        hits = self._grouped(question, hits, sentences, kept, options, gathered)[:options.k]
        if (subject := defined_name(question)) and (first := naming_first(subject, [h.text for h in hits])):
            hits.insert(0, hits.pop(first))  # "who is john kirby": the passage introducing him
        unknown = [n for n in self.unknown_names(question, scopes) if not any(spelled_out(n, h.text) for h in hits)]
        sure = self._certainty(question, hits, unknown)
        answered = bool(hits) and (query is None or is_answered(sure, options.min_score))
        hint = not answered and not unknown and sure >= options.hint_score
        hits = hits[:self._shown(hits, options.cutoff)]
        if answered and options.group:
            self._add_story_mates(hits, scopes, options.filters.as_of)
        clock.lap("highlight")
        answer = Answer(question=question, answered=answered, hits=hits if answered else [],
                        took_ms=clock.total(), confidence=sure, timings=clock.laps,
                        time_read=describe_lean(question) if options.lean in ("recent", "early") else "",
                        unknown_names=unknown if not answered else [],
                        closest=hits[:1] if hint else [])
        self.cache.put(key, version, answer)
        return answer

    def _add_story_mates(self, hits: list[Hit], scopes: list[int | None], as_of: str) -> None:
        """"Also reported by": other publishers' articles of each result's story (retrieval/stories.py),
        after the copies grouping found, three at most per result, none already shown."""
        mates = self.stories.story_mates([h.article.id for h in hits], scopes, as_of)
        if not mates:
            return
        shown = {h.article.id for h in hits} | {a.id for h in hits for a in h.also_reported_by}
        for hit in hits:
            publishers = {hit.article.source} | {a.source for a in hit.also_reported_by}
            for article in mates.get(hit.article.id, []):
                if len(hit.also_reported_by) >= MAX_ALSO or article.id in shown or article.source in publishers:
                    continue
                hit.also_reported_by.append(article)
                shown.add(article.id)
                publishers.add(article.source)

    @staticmethod
    def _shown(hits: list[Hit], cutoff: float) -> int:
        """How many results to show: as many as score at least ``cutoff`` of the best by their
        passages' own scores (the cut-off's scale), whatever order the sentences put them in."""
        return relative_cut(sorted((h.score if h.passage_score is None else h.passage_score for h in hits),
                                   reverse=True), cutoff)

    @staticmethod
    def _by_sentence(query: np.ndarray | None, hits: list[Hit], sentences: list[np.ndarray | None],
                     kept: list[tuple[int, float]], options: SearchOptions
                     ) -> tuple[list[Hit], list[np.ndarray | None], list[tuple[int, float]]]:
        """The hits ranked again with ``sentence_weight`` of their dense side read from their
        highlighted sentence (a long passage's vector averages its paragraphs; the sentence that
        answers may be much closer), best first; the answer model and the cut-off still read the
        passage's own scores (``Hit.evidence``, ``Hit.passage_score``)."""
        weight = options.sentence_weight * options.dense_weight
        if weight <= 0 or query is None or options.mode == "keyword":
            return hits, sentences, kept
        for hit, vector in zip(hits, sentences):
            if hit.evidence is None:
                hit.evidence = hit.score
            if vector is not None:
                hit.passage_score = hit.score
                hit.score = round(hit.score + weight * (float(vector @ query) - hit.dense), 4)
        order = sorted(range(len(hits)), key=lambda i: -hits[i].score)
        return [hits[i] for i in order], [sentences[i] for i in order], [kept[i] for i in order]

    @staticmethod
    def _weigh_evidence(hits: list[Hit], keyword: list[tuple[int, float]], leaned: dict[int, float],
                        options: SearchOptions) -> None:
        """Give each hit its score on the answer model's scale (``Hit.evidence``): keyword scores over
        the best one without the floor, and the usual age prior without the question's lean. The
        floor ranks a library whose best keyword match is weak (a few articles), the lean ranks the
        newest or first reports; the confidence stays as calibrated."""
        top = max((score for _, score in keyword), default=0.0)
        floored = options.mode == "hybrid" and 0 < top < options.keyword_floor
        if not floored and not leaned:
            return
        found = dict(keyword)
        extra = (1 - options.dense_weight) * (1 / top - 1 / options.keyword_floor) if floored else 0.0
        for hit in hits:
            hit.evidence = hit.score + extra * found.get(hit.passage_id, 0.0) + leaned.get(hit.passage_id, 0.0)

    def certainty(self, question: str, hits: list[Hit]) -> float:
        """The probability that the answer is among ``hits`` (ranked, before the cut-off), from the
        calibrated answer model (:mod:`retrieval.answerability`); 0 when the question asks about a
        name that no article mentions (:meth:`unknown_names`)."""
        return self._certainty(question, hits, self.unknown_names(question))

    def _certainty(self, question: str, hits: list[Hit], unknown: list[str]) -> float:
        if unknown:
            return 0.0
        sure = self.answer_model.probability(signals(hits, self.coverage(question, hits)))
        if hits and (subject := defined_name(question)) and names_it(subject, hits[0].text):
            return max(sure, NAMED_SUBJECT_CONFIDENCE)  # "Who is John Kirby?": the passage naming him
        return sure

    def unknown_names(self, question: str, scopes: Iterable[int | None] = (None,)) -> list[str]:
        """The names the question asks about (:mod:`retrieval.question_names`) that no passage of
        the library holds, in any scope, nor a byline of ``scopes``: "What did Japan say about the
        deal?" cannot be answered by a library that never mentions Japan, however close its
        passages come to the rest."""
        scopes = list(scopes)
        names = question_names(question)
        if not names:
            return []
        absent = set(self.library.store.absent_words([name.lower() for name in names]))
        if absent:
            absent -= self._said_otherwise(absent)
        if absent:
            absent -= self._in_bylines(absent, scopes)
        return [name for name in names if name.lower() in absent]

    def _asks_about_writer(self, question: str, options: SearchOptions, scopes: list[int | None]) -> bool:
        """Whether the question asks about a writer of the library's bylines: it names one and speaks
        of writing ("What did Matt Murphy write about?"), or asks who one is when no passage names
        them ("Who is Matt Murphy?")."""
        if mentions_writing(question):
            return bool(self._writers_named(question, options, scopes))
        subject = defined_name(question)
        return bool(subject and self._writers_named(question, options, scopes)
                    and self.library.store.absent_words(terms_words(subject)))

    def _writers_named(self, question: str, options: SearchOptions, scopes: list[int | None]) -> tuple[str, ...]:
        """The writers of the scopes' bylines whose full name the question holds (none when the
        asker already chose writers)."""
        if options.filters.authors:
            return ()
        return named_authors(question, self.bylines.writers(scopes))

    def _in_bylines(self, names: set[str], scopes: list[int | None]) -> set[str]:
        """Those of ``names`` that are a word of an author's or a publisher's name in the scopes
        ("Which outlet ran Matt Murphy's article?": the byline, not the text, names him)."""
        store = self.library.store
        return {name for name in names
                if any(name in terms_words(found) for found in [*store.authors(scopes, like=name, limit=5),
                                                                *store.sources(scopes, like=name, limit=5)])}

    def _said_otherwise(self, names: set[str]) -> set[str]:
        """Those of the absent ``names`` whose country the library names in other words ("american"
        when it says "United States"; :mod:`retrieval.place_names`)."""
        others = {name: found for name in names if (found := self.places.others(name))}
        if not others:
            return set()
        absent = set(self.library.store.absent_words(sorted({w for found in others.values() for ws in found
                                                              for w in ws})))
        return {name for name, found in others.items() if any(not absent.intersection(ws) for ws in found)}

    def coverage(self, question: str, hits: list[Hit]) -> list[float]:
        """For each hit, the share of the question's content words found in its article (headline
        and text): a question about a story is answered from one article, its words spread over
        several passages (a paraphrase shares few words with any single one)."""
        terms = content_terms(question)
        found = self._article_terms([h.article for h in hits])
        return [len(terms & found[h.article.id]) / len(terms) if terms else 0.0 for h in hits]

    def _article_terms(self, articles: list) -> dict[int, frozenset[str]]:
        """The content terms of each article's headline and text (the latest few thousand kept;
        article ids are never reused, a changed article gets a new one)."""
        with self._terms_lock:
            known = {a.id: self._terms[a.id] for a in articles if a.id in self._terms}
        missing = {a.id: a.title for a in articles if a.id not in known}
        if missing:
            bodies = self.library.store.article_bodies(list(missing))
            fresh = {aid: terms_of(f"{title}\n{bodies.get(aid, '')}") for aid, title in missing.items()}
            known.update(fresh)
            with self._terms_lock:
                self._terms.update(fresh)
                while len(self._terms) > ARTICLE_TERMS_CACHE:
                    self._terms.popitem(last=False)
        return known

    @staticmethod
    def _in_window(question: str, options: SearchOptions) -> tuple[SearchOptions, Window | None]:
        """The options with the window the question's words about time set, and the window (none
        when explicit dates are given, or already applied)."""
        filters = options.filters
        if not options.read_time or filters.since or filters.until:
            return options, None
        asked = day_of(filters.as_of) if filters.as_of else dt.date.today()
        window = time_window(question, asked)
        if window is None:
            return options, None
        narrowed = dataclasses.replace(filters, after=window.since.isoformat(), as_of=window.until.isoformat())
        return dataclasses.replace(options, filters=narrowed, read_time=False), window

    def _as_asked(self, options: SearchOptions, scopes: list[int | None]) -> SearchOptions:
        """The options for a question asked at ``options.filters.as_of``: the asking-time filter is
        dropped when no article of the scopes is dated after it (the unfiltered, faster path answers
        the same)."""
        as_of = options.filters.as_of
        if not as_of:
            return options
        newest = self.age.newest_day(self._version(), scopes, "")
        if newest is not None and newest.isoformat() > as_of:
            return options
        return dataclasses.replace(options, filters=dataclasses.replace(options.filters, as_of=""))

    def _keep(self, ranked: list[tuple[int, float]], scopes: list[int | None], options: SearchOptions,
              early: _Early) -> tuple[list[tuple[int, float]], dict]:
        """The best candidates in scope, capped per article, and their rows.

        Rows are read best first in growing chunks until enough are kept: usually one query for
        the first :data:`FIRST_ROWS` candidates (filters and per-article caps may ask for more),
        less the rows read early.
        """
        spare = GROUPING_SPARE if options.group and options.highlight else 0
        wanted = options.k + spare
        rows: dict = dict(early.rows)
        start, size, kept = 0, max(FIRST_ROWS, 2 * wanted), []
        while start < len(ranked):
            part = [pid for pid, _ in ranked[start:start + size] if pid not in early.checked]
            rows.update(self.library.store.passages(part, scopes, options.filters, _sentences_wanted(options)))
            start += size
            kept = cap_per_group(ranked[:start], lambda pid: rows[pid]["id"] if pid in rows else None,
                                 options.max_per_article, wanted, fill=start >= len(ranked))
            if len(kept) >= wanted:
                break
            size *= 4
        return kept, rows

    @staticmethod
    def _by_answer_kind(question: str, kept: list[tuple[int, float]], rows: dict,
                        weight: float) -> list[tuple[int, float]]:
        """The kept candidates with ``weight`` added to those holding the kind of answer the question
        expects (a number for "how many", a place for "where", …), best first again."""
        if weight <= 0 or expected_kind(question) is None:
            return kept
        rescored = [(pid, score + weight * holds_answer_kind(question, rows[pid]["text"])) for pid, score in kept]
        return sorted(rescored, key=lambda item: -item[1])

    def _version(self) -> tuple:
        """The library's version, for the answer cache."""
        return self.library.version()

    def _side_soon(self, question: str, options: SearchOptions, scopes: list[int | None]) -> Future:
        """Start the side of a search beside the embedding (both release the GIL: two cores, one wait).

        The future gives what :meth:`_side_work` returns. In dense mode there is no keyword
        side: the version is taken here and the rest is empty.
        """
        if options.mode == "dense":
            return _done((self._version(), [], Gathered.nothing(), _done(_Early())))
        return self._side.submit(self._side_work, question, options, scopes)

    def _side_work(self, question: str, options: SearchOptions, scopes: list[int | None]
                   ) -> tuple[tuple, list[tuple[int, float]], Gathered | list[int], Future]:
        """The library's version (taken first: the answer is cached under it), the keyword
        candidates, their stored vectors (for their cosines once the question's vector is known;
        just their ids while an import holds the index: the vector search gathers them then, in
        the one wait for the lock) and the future of :meth:`_read_early`."""
        version = self._version()
        words = without_lean_words(question) if options.lean in ("recent", "early") else question
        found = self.library.store.keyword_search(words, self._pool_size(options), scopes, options.filters)
        early = self._side.submit(self._read_early, question, found[:EARLY_ROWS], options, scopes)
        ids = [pid for pid, _ in found]
        gathered = (self.library.gather(ids, wait=False) or ids) if options.mode != "keyword" else Gathered.nothing()
        return version, found, gathered, early

    def _read_early(self, question: str, best: list[tuple[int, float]], options: SearchOptions,
                    scopes: list[int | None]) -> _Early:
        """The rows and sentence vectors of the best keyword candidates, read while the other
        core embeds the question; meanwhile the question's terms are counted in each of their
        sentences (the highlighter's lexical part)."""
        early = _Early(checked={pid for pid, _ in best})
        wanted = _sentences_wanted(options)
        early.rows = self.library.store.passages([pid for pid, _ in best], scopes, options.filters, wanted)
        if wanted:
            early.sentences = sentence_vectors_of(early.rows.values())
            early.overlaps = {pid: sentence_overlaps(question, early.rows[pid]["text"], item)
                              for pid, item in early.sentences.items()}
        return early

    @staticmethod
    def _pool_size(options: SearchOptions) -> int:
        pool = CANDIDATES + options.k * 10
        return max(pool, FILTERED_CANDIDATES) if options.filters.active else pool

    def _dense(self, query: np.ndarray | None, keyword: Gathered | list[int], options: SearchOptions,
               scopes: list[int | None]) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The nearest passages, and the dense score of every candidate (keyword ones included)."""
        if query is None:
            return [], {}
        dense, scores = self.library.dense_search(query, self._pool_size(options), keyword, scopes, options.filters)
        scores.update(dense)
        return dense, scores

    @staticmethod
    def _fuse(dense: list[tuple[int, float]], scores: dict[int, float], keyword: list[tuple[int, float]],
              options: SearchOptions) -> list[tuple[int, float]]:
        """(passage id, score) candidates, best first, as the mode combines the two sides."""
        if options.mode == "dense":
            return dense
        if options.mode == "keyword":
            top = keyword[0][1] if keyword else 1.0
            return [(pid, score / top) for pid, score in keyword]
        return convex(scores, keyword, options.dense_weight, options.keyword_floor)

    def _embed_alone(self, texts: list[str]) -> np.ndarray:
        """Sentences embedded on their own (for grouping), the latest few thousand remembered."""
        with self._alone_lock:
            known = {t: self._alone[t] for t in texts if t in self._alone}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.library.encoder.encode(missing)))
            known.update(fresh)
            with self._alone_lock:
                self._alone.update(fresh)
                while len(self._alone) > SENTENCE_CACHE:
                    self._alone.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def _hits(self, question: str, query: np.ndarray | None, kept: list[tuple[int, float]], rows: dict,
              dense: dict[int, float], options: SearchOptions, early: _Early
              ) -> tuple[list[Hit], list[np.ndarray | None]]:
        """The kept passages as hits, each with its highlighted sentence, and that sentence's vector."""
        texts = [rows[pid]["text"] for pid, _ in kept]
        if options.highlight:
            ready = early.sentences  # the others' came with their rows (see _keep)
            fresh = [rows[pid] for pid, _ in kept if pid not in ready] if _sentences_wanted(options) else []
            stored = {**ready, **sentence_vectors_of(fresh)}
            best = highlights(question, query, texts, self.library.encoder,
                              [stored.get(pid) for pid, _ in kept], [early.overlaps.get(pid) for pid, _ in kept])
        else:
            best = [("", None)] * len(texts)
        hits = []
        for (pid, score), text, (sentence, _) in zip(kept, texts, best):
            row = rows[pid]
            start, end = row["para_start"], row["para_end"]
            hits.append(Hit(passage_id=pid, text=text, highlight=sentence, score=round(score, 4),
                            paragraph=str(start) if start == end else f"{start}-{end}",
                            article=article_from_row(row), dense=dense.get(pid, 0.0)))
        return hits, [vector for _, vector in best]

    def _grouped(self, question: str, hits: list[Hit], sentences: list[np.ndarray | None],
                 kept: list[tuple[int, float]], options: SearchOptions, gathered: Gathered | list[int]) -> list[Hit]:
        """The hits with results saying the same thing merged (see :mod:`retrieval.group`)."""
        if not options.group:
            return hits
        passage_vectors = (dict(zip(gathered.ids, gathered.vectors)) if isinstance(gathered, Gathered)
                           else {})  # most results are keyword candidates
        missing = [pid for pid, _ in kept if pid not in passage_vectors]
        if missing:
            passage_vectors.update(self.library.vectors_for(missing))
        return group_same_story(hits, sentences, [passage_vectors.get(pid) for pid, _ in kept], self._embed_alone,
                                shown=options.k, question=question)
