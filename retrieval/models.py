"""Plain data types passed between the steps of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    keyword: float = 0.0  # BM25 score (higher is better)
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


@dataclass(slots=True)
class ArticleCopy:
    """An article with everything derived from it, as one library hands it to another (no model run)."""

    id: int
    guild_id: int | None
    doc: Document
    chunks: list[Chunk]
    vectors: Any  # numpy array (passages, dim)
    sentences: list[Any]  # each passage's SentenceVectors, or None
