"""Plain data types passed between the steps of the pipeline, and between either storage backend and its callers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrieval.dates import parse_date
from retrieval.errors import BadInputError


@dataclass(slots=True)
class Document:
    """An article as read from a file, before it is stored."""

    text: str
    title: str = ""
    source: str = ""
    author: str = ""
    date: str = ""  # ISO 8601 day (YYYY-MM-DD) or empty
    url: str = ""
    path: str = ""  # where it came from (file path, or path#Lline for JSONL)


@dataclass(slots=True)
class Chunk:
    """A passage cut from an article's cleaned text."""

    text: str
    para_start: int  # 1-based paragraph numbers, inclusive
    para_end: int
    char_start: int  # offsets into the article's cleaned text
    char_end: int


@dataclass(slots=True)
class Article:
    """An article as stored."""

    id: int
    title: str
    source: str
    author: str
    date: str
    url: str
    path: str
    guild_id: int | None = None
    passages: int = 0

    @property
    def link(self) -> str:
        """The url, or the file path when the article has no url."""
        return self.url or self.path


@dataclass(slots=True)
class Hit:
    """One ranked result: a passage, its best sentence, its score and its article."""

    passage_id: int
    text: str
    highlight: str
    score: float
    paragraph: str  # "3" or "3-4"
    article: Article
    dense: float = 0.0  # cosine similarity of passage and question
    evidence: float | None = None  # the score on the answer model's scale (keywords without the floor); None: score
    passage_score: float | None = None  # before the highlighted sentence's share (how many are shown); None: score
    also_reported_by: list[Article] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
    """The reply to one question."""

    question: str
    answered: bool
    hits: list[Hit]
    took_ms: float
    confidence: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # ms per step: embed, search, rank, highlight
    time_read: str = ""  # how the question's words about time were read ("this week": articles of …), or ""
    closest: list[Hit] = field(default_factory=list)  # not answered: the best result, shown as unsure (or none)
    article_facts: list[str] = field(default_factory=list)  # asked about the articles: their author, publisher, date
    unknown_names: list[str] = field(default_factory=list)  # names the question asks about that no article mentions
    reply: str = "passages"  # what answers it: "passages", "citations" (asked about the articles), "stories"
    read_as: str = ""  # the question as searched when slips of typing were read as the library's words, or ""


@dataclass(slots=True)
class ArticleCopy:
    """An article with everything derived from it, as one library hands it to another (no model run)."""

    id: int
    guild_id: int | None
    doc: Document
    chunks: list[Chunk]
    vectors: Any  # numpy array (passages, dim)
    sentences: list[Any]  # each passage's SentenceVectors, or None


@dataclass(frozen=True, slots=True)
class Filters:
    """Optional limits on which articles a search may return."""

    sources: tuple[str, ...] = ()  # publisher names, case-insensitive
    since: str = ""  # ISO day, inclusive
    until: str = ""  # ISO day, inclusive
    as_of: str = ""  # the asking time (ISO day): articles dated after it are not used; undated ones are
    after: str = ""  # the start of a window the question's words set (ISO day): earlier articles not used; undated are
    exclude: tuple[str, ...] = ()  # article links (url, else path) never used (evaluation: the gold left out)
    authors: tuple[str, ...] = ()  # names a byline contains (any case): an article by any of them passes

    @property
    def active(self) -> bool:
        """True when any limit is set."""
        return bool(self.sources or self.authors or self.since or self.until or self.as_of or self.after
                    or self.exclude)

    def date_limits(self) -> list[tuple[str, str, bool]]:
        """The limits on publication days: (">=" or "<=", ISO day, whether undated articles pass).

        ``since``/``until`` are the asker's explicit dates (undated articles cannot be known to
        match); the asking time and the question's window leave undated articles in."""
        limits = [(">=", self.since, False), ("<=", self.until, False), ("<=", self.as_of, True),
                  (">=", self.after, True)]
        return [limit for limit in limits if limit[1]]


def make_filters(sources: Iterable[str], since: str | None, until: str | None, as_of: str | None = None,
                 authors: Iterable[str] = ()) -> Filters:
    """Filters from what a person typed (publisher names, dates in any common format; ``as_of``: the
    asking time; ``authors``: names the byline contains).

    Raises:
        BadInputError: a date that cannot be read.
    """
    days: dict[str, str] = {}
    for name, value in (("since", since), ("until", until), ("as_of", as_of)):
        if value:
            days[name] = parse_date(value)
            if not days[name]:
                raise BadInputError(f"cannot read the date {value!r} (try 2024-09-20)")
    return Filters(sources=tuple(s.strip() for s in sources if s and s.strip()),
                   authors=tuple(a.strip() for a in authors if a and a.strip()), since=days.get("since", ""),
                   until=days.get("until", ""), as_of=days.get("as_of", ""))


@dataclass(frozen=True, slots=True)
class Gathered:
    """The stored vectors of some passages, stacked: copies, so still valid after the index changes."""

    ids: list[int]
    vectors: np.ndarray  # (len(ids), dim)

    @staticmethod
    def nothing() -> Gathered:
        """No vectors."""
        return Gathered([], np.zeros((0, 0), dtype=np.float32))

    def scores(self, query: np.ndarray) -> dict[int, float]:
        """The cosine of each gathered passage to a normalised query, by passage id."""
        return dict(zip(self.ids, (self.vectors @ query).tolist())) if self.ids else {}
