"""The contract every storage backend keeps: :class:`Library` and :class:`Store`.

Two backends implement it, each in a folder of its own, neither importing the other:
:mod:`retrieval.embedded` (SQLite with FTS5 and a FAISS index in one data directory) and
:mod:`retrieval.pg` (PostgreSQL with pgvector, shared by many processes). :mod:`retrieval.backend`
chooses one at start-up; everything else — the searcher, ingest, feeds, the bot and the command
line — is typed against these protocols, and ``tests/retrieval/contract/`` runs one suite against
both. Where a step means nothing to one backend, its method is a documented no-op there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np

from config.settings import Settings
from retrieval.encoder import Encoder
from retrieval.records import Article, ArticleCopy, Document, Filters, Gathered
from retrieval.sentence_vectors import SentenceVectors


@dataclass(slots=True)
class SyncReport:
    """What :meth:`Library.sync` found and repaired."""

    missing: int = 0
    orphans: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing needed repair."""
        return self.missing == 0 and self.orphans == 0


@dataclass(slots=True)
class DoctorReport:
    """What :meth:`Library.doctor` found, and what it repaired."""

    problems: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems


class Cursor(Protocol):
    """What a query gives back, on either driver."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """Every remaining row."""

    def __iter__(self) -> Iterator[Any]:
        """The rows one by one."""


class Reader(Protocol):
    """Reads in the portable SQL of settings, activity and feeds (``?`` placeholders)."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Cursor:
        """Run one statement."""


class Connection(Reader, Protocol):
    """A connection inside a write transaction (portable SQL)."""

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement for each row."""


class Store(Protocol):
    """A library's database: articles, passages, keyword search and the tables of the other modules."""

    @property
    def connection(self) -> Reader:
        """Reads outside a transaction (portable SQL)."""

    def transaction(self, *, library_change: bool = True) -> AbstractContextManager[Any]:
        """A write transaction, committed on leaving; ``library_change``: the articles change (the
        library's generation moves and cached answers are dropped)."""

    def ensure_schema(self, schema: str) -> None:
        """Create another module's tables if missing (portable DDL)."""

    def reset_sequences(self) -> None:
        """After rows were copied in with their ids: move id sequences past them (a no-op where ids
        come from the rows themselves, as in SQLite)."""

    def close(self) -> None:
        """Close the database."""

    def get_meta(self, key: str, default: str = "") -> str:
        """A value of the library's own metadata."""

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the library's own metadata."""

    def generation(self) -> int:
        """A number that moves at every change of the articles."""

    def find_existing(self, doc: Document, guild_id: int | None) -> tuple[int, str] | None:
        """The (article id, content hash) of the stored version of ``doc`` in that scope, if any."""

    def count(self, table: str) -> int:
        """Rows of ``articles`` or ``passages``."""

    def get_article(self, article_id: int) -> Article | None:
        """One article by id, with its passage count."""

    def article_body(self, article_id: int) -> str:
        """An article's cleaned text."""

    def article_bodies(self, ids: list[int]) -> dict[int, str]:
        """The cleaned text of several articles, by id."""

    def global_passages(self) -> Iterator[tuple[int, str, str]]:
        """(article id, title, passage text) of every passage of the global library."""

    def list_articles(self, guild_ids: Iterable[int | None] = (None,), *, offset: int = 0,
                      limit: int = 1_000_000, title_like: str = "") -> list[Article]:
        """Articles of the given scopes (None: the global library), newest id first."""

    def newest_date(self, guild_ids: Iterable[int | None] = (None,), until: str = "") -> str:
        """The newest publication date in the given scopes, at most ``until`` when given ("" when none
        is dated), from an index."""

    def passage_ids(self) -> list[int]:
        """Every passage id of every scope."""

    def sources(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Publishers of the given scopes' articles containing ``like`` (any case), most articles first."""

    def authors(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Authors of the given scopes' articles containing ``like`` (any case), most articles first."""

    def any_article(self, guild_ids: Iterable[int | None], filters: Filters) -> bool:
        """True when some article of the scopes passes the filters."""

    def passage_dates(self, ids: list[int]) -> dict[int, str]:
        """The publication date of each passage's article."""

    def passages(self, ids: list[int], guild_ids: Iterable[int | None], filters: Filters = Filters(),
                 sentences: bool = False) -> dict[int, Any]:
        """Rows of the passages among ``ids`` in scope and filters, by id (see :mod:`retrieval.rows`)."""

    def passages_for_embedding(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(passage id, article title, passage text) of the given passages."""

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages (those that have them)."""

    def keyword_search(self, question: str, limit: int, guild_ids: Iterable[int | None],
                       filters: Filters = Filters()) -> list[tuple[int, float]]:
        """BM25 (FTS5's formula and tokens on both backends): (passage id, score), best first."""

    def absent_words(self, words: list[str]) -> list[str]:
        """Those of ``words`` that no passage of the library holds, in any scope (as the keyword
        side counts them: cached, or one lookup of their document frequencies)."""

    def respelled(self, words: list[str]) -> dict[str, str]:
        """Each of ``words`` (lower case) that no passage holds, written as the library's word
        spelled like it (:mod:`retrieval.scoring.spelling`) that the most passages hold: "cotnainers"
        → "containers". Words with no such word are left out."""


class Library(Protocol):
    """A library of articles: the store, the vectors kept in step with it, and the model that made them."""

    @property
    def encoder(self) -> Encoder:
        """The model that made the library's vectors and embeds its questions."""

    @property
    def data_dir(self) -> Path | None:
        """The data directory (the database and the index for the embedded library; adapted models)."""

    @property
    def store(self) -> Store:
        """The library's database."""

    @classmethod
    def from_settings(cls, settings: Settings, encoder: Encoder | None = None, *,
                      repair: bool = True) -> Self:
        """Open the library the settings point at, with its model (the configured or adapted one)."""

    @staticmethod
    def prepare_reindex(settings: Settings) -> str:
        """Before ``reindex``: choose the model and let the library open with it; return its name."""

    def close(self) -> None:
        """Release the database and anything held open."""

    # --- versions and consistency ---------------------------------------------------------
    def version(self) -> tuple[Any, ...]:
        """What a cached answer is valid for: equal versions, equal answers."""

    def refresh(self) -> None:
        """Pick up what another process saved (a no-op where every question reads the database)."""

    def warm_keywords(self) -> None:
        """Bring in-memory keyword postings in step (a no-op where the keyword side is in the database)."""

    def single_question(self) -> None:
        """This process answers one question: skip warm-ups meant for long runs (may be a no-op)."""

    def save(self) -> None:
        """Write in-memory indexes to disk (a no-op where every change is committed as it is made)."""

    def sync(self, thorough: bool = False) -> SyncReport:
        """Embed passages that have no vector and drop vectors that have no passage."""

    def reindex(self) -> int:
        """Rebuild every vector with this library's model; return the passage count."""

    def doctor(self) -> DoctorReport:
        """Check the library and repair what can be rebuilt from the articles."""

    def file_backup(self, directory: Path) -> Path | None:
        """Copy the library's own files consistently into ``directory`` (safe while in use), or None
        when it has no files of its own: :func:`retrieval.backend.backup` then copies it article by
        article into a new embedded library."""

    # --- writing --------------------------------------------------------------------------
    def add_documents(self, docs: list[Document], guild_id: int | None = None, save: bool = True) -> list[str]:
        """Add a batch; one status per document: "added", "updated" or "unchanged"."""

    def remove(self, article_id: int, guild_id: int | None = None) -> Article:
        """Remove one article of the given scope (``ArticleNotFoundError`` when not there)."""

    def add_copies(self, copies: list[ArticleCopy], *, index: bool = True) -> None:
        """Store articles copied from another library as they are (ids, passages, vectors kept);
        ``index=False``: the vector index may be built once afterwards (:meth:`build_index`)."""

    def build_index(self) -> None:
        """Build the vector index after a bulk copy (a no-op where it is always kept up to date)."""

    def copies(self, batch: int = 100) -> Iterator[list[ArticleCopy]]:
        """Every article of every scope with its passages, vectors and sentence vectors, by id."""

    # --- reading --------------------------------------------------------------------------
    def articles(self, guild_ids: Iterable[int | None] = (None,), **kwargs: Any) -> list[Article]:
        """Articles in the given scopes (see :meth:`Store.list_articles`)."""

    def describe(self) -> str:
        """One line: articles, passages and the vector index in use."""

    def is_empty(self) -> bool:
        """True when the library holds no article at all."""

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passages."""

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages."""

    def gather(self, ids: list[int], wait: bool = True) -> Gathered | None:
        """The stored vectors of the given passages, stacked; ``wait=False``: None at once if the
        index is busy (never busy where nothing is locked)."""

    def dense_search(self, query: np.ndarray, k: int, also: Gathered | list[int],
                     scopes: Iterable[int | None] | None = None, filters: Filters | None = None
                     ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``k`` passages nearest to the query, and the cosine of each passage of ``also``.
        A backend may apply ``scopes`` and ``filters`` in the search itself or leave them to the rows
        read afterwards (the searcher keeps only the rows in scope, and asks for more when filtered)."""
