"""A library in PostgreSQL with pgvector, shared by any number of processes on any number of machines.

Articles, passages, their vectors (an HNSW index), keyword rows, sentence vectors, per-server
settings, questions, feedback and feeds all live in the database; a process holds none of the
library in memory, so every question reads what is committed now. One transaction writes an
article with everything derived from it, so an ingest killed at any moment leaves either the
whole article or nothing. The only state a process keeps is its answer cache, keyed by the
library generation that :class:`~retrieval.pg.listener.GenerationListener` hears from every
other process's commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings
from retrieval.embed import make_encoder
from retrieval.encoder import Encoder
from retrieval.errors import ModelMismatchError, StoreError
from retrieval.library import DoctorReport, SyncReport
from retrieval.pg import maintenance
from retrieval.pg.db import Database
from retrieval.pg.listener import GenerationListener
from retrieval.pg.migrations import apply_migrations
from retrieval.pg.store import MODEL_KEY, PgStore
from retrieval.pg.vectors import PgVectors
from retrieval.records import Article, ArticleCopy, Document, Filters, Gathered
from retrieval.rows import COPY_COLUMNS, article_copies
from retrieval.sentence_vectors import SentenceVectors, embed_passages, unpack_many
from retrieval.writing import (
    EMBED_BATCH_PASSAGES,
    article_in_scope,
    content_hash,
    describe_library,
    identity_of,
    passage_text_for_embedding,
    plan_documents,
    prepare_documents,
)

logger = logging.getLogger(__name__)

ADD_LOCK = 0x6E62  # advisory lock class of the writers of one scope


def connect(settings: Settings) -> Database:
    """The database of ``NEWSBOT_DATABASE_URL``, migrated to the newest schema."""
    if settings.database_url is None:
        raise StoreError("NEWSBOT_DATABASE_URL is not set")
    url = settings.database_url.get_secret_value()
    apply_migrations(url)
    return Database(url)


class PgLibrary:
    """The library (:class:`retrieval.library.Library`) in PostgreSQL."""

    def __init__(self, db: Database, encoder: Encoder, *, data_dir: Path | None = None,
                 max_passage_tokens: int = 200, repair: bool = True) -> None:
        """Serve the library in ``db`` (migrated) with ``encoder``.

        Raises:
            ModelMismatchError: the stored vectors were made with another model.
        """
        self.db = db
        self.encoder = encoder
        self.data_dir = data_dir
        self.max_passage_tokens = max_passage_tokens
        self.store = PgStore(db)
        self.vectors = PgVectors(db)
        built_with = self.store.get_meta(MODEL_KEY)
        if built_with and built_with != encoder.name:
            raise ModelMismatchError(f"the library's vectors were made with {built_with!r}, not {encoder.name!r};"
                                     " run `newsbot reindex` to rebuild them")
        self._listener = GenerationListener(db.url, self.store.generation(), built_with)
        self._stale_reported = False
        self.store.on_change = self._listener.heard
        if repair:
            self.sync()

    @classmethod
    def from_settings(cls, settings: Settings, encoder: Encoder | None = None, *, repair: bool = True) -> PgLibrary:
        """Open the library in ``NEWSBOT_DATABASE_URL`` with its model (the configured one, or the
        adapted one ``newsbot reindex`` switched it to)."""
        db = connect(settings)
        if encoder is None:
            from retrieval.adapt import library_model

            chosen, location = library_model(settings, PgStore(db).get_meta)
            encoder = make_encoder(chosen, location=location)
        return cls(db, encoder, data_dir=settings.data_dir, max_passage_tokens=settings.max_passage_tokens,
                   repair=repair)

    @staticmethod
    def prepare_reindex(settings: Settings) -> str:
        """Before ``reindex``: choose the model and let the library open with it; return its name."""
        from retrieval.adapt import model_for_reindex

        db = connect(settings)
        try:
            store = PgStore(db)
            model = model_for_reindex(store, settings)
            store.set_meta(MODEL_KEY, "")  # the vectors are rebuilt: any model may open the library now
            return model
        finally:
            db.close()

    def close(self) -> None:
        """Stop listening and close the connections."""
        self._listener.close()
        self.db.close()

    # --- versions and consistency ---------------------------------------------------------
    def version(self) -> tuple:
        """The library generation heard (read from the database while the listener reconnects).

        Raises:
            ModelMismatchError: the library's vectors are now (being) made with another model: this
                process would compare its questions with vectors of another model, so it answers none.
        """
        if self._listener.listening:
            generation, model = self._listener.generation, self._listener.model
        else:
            generation, model = self.store.generation(), self.store.get_meta(MODEL_KEY)
        self._check_model(model)
        return (generation,)

    def _check_model(self, model: str) -> None:
        if not model or model == self.encoder.name:
            return
        message = (f"the library was reindexed with {model!r} while this process runs {self.encoder.name!r};"
                   " restart newsbot with the library's model")
        if not self._stale_reported:
            logger.error("%s (no question is answered until then)", message)
            self._stale_reported = True
        raise ModelMismatchError(message)

    def refresh(self) -> None:
        """Nothing to pick up: every question reads the database."""

    def warm_keywords(self) -> None:
        """Nothing to load: the keyword side is in the database."""

    def single_question(self) -> None:
        """Nothing to change for a one-question process."""

    def save(self) -> None:
        """Nothing to save: every change is committed as it is made."""

    def sync(self, thorough: bool = False) -> SyncReport:
        """Embed passages that have no vector (a model change, or a reindex cut short)."""
        report = SyncReport()
        while ids := self.store.unembedded(EMBED_BATCH_PASSAGES):
            report.missing += len(ids)
            self._embed_existing(ids)
        return report

    def reindex(self) -> int:
        """Rebuild every vector with this library's model; return the passage count.

        The model is claimed first (every other process hears it and stops answering, and none
        may write vectors of its own model any more), then every vector is dropped and made again.
        """
        self.store.set_meta(MODEL_KEY, self.encoder.name)
        self.vectors.ensure_index(self.encoder.dim)
        with self.store.transaction() as conn:
            conn.raw.execute("UPDATE passages SET embedding = NULL")
        self.sync()
        return self.vectors.count()

    def _embed_existing(self, ids: list[int]) -> None:
        """Embed stored passages (and their sentences) into their rows."""
        if not self.store.get_meta(MODEL_KEY):
            self.vectors.ensure_index(self.encoder.dim)
        rows = self.store.passages_for_embedding(ids)
        vectors, sentences = embed_passages(self.encoder, [passage_text_for_embedding(t, x) for _, t, x in rows],
                                            [x for _, _, x in rows])
        with self.store.transaction() as conn:
            self._claim_model(conn)
            with conn.raw.cursor() as cursor:
                cursor.executemany("UPDATE passages SET embedding = %s WHERE id = %s",
                                   [(vector, pid) for (pid, _, _), vector in zip(rows, vectors)])
            self.store.put_sentence_vectors(conn, zip([pid for pid, _, _ in rows], sentences))

    def _claim_model(self, conn) -> None:
        """Inside a write: the library's model is this process's (claimed if unset, and locked until the
        write commits), so no process ever writes vectors of another model.

        Raises:
            ModelMismatchError: the library is now another model's (a reindex claimed it).
        """
        model = self.store.claim_model(conn, self.encoder.name)
        if model != self.encoder.name:
            raise ModelMismatchError(f"the library's vectors are now made with {model!r}, not {self.encoder.name!r};"
                                     " nothing was written (restart newsbot with the library's model)")

    # --- writing --------------------------------------------------------------------------
    def add_documents(self, docs: list[Document], guild_id: int | None = None, save: bool = True) -> list[str]:
        """Add a batch of documents (embedded first, then written in one transaction).

        Returns:
            One status per document: "added", "updated" or "unchanged".
        """
        statuses, todo = plan_documents(self.store, docs, guild_id)
        if not todo:
            return statuses
        prepared = prepare_documents(self.encoder, todo, self.max_passage_tokens)
        if not self.store.get_meta(MODEL_KEY):
            self.vectors.ensure_index(self.encoder.dim)
        with self.store.transaction() as conn:
            # writers of one scope take turns (the embedding above ran in parallel): each then sees
            # what the others committed, and two processes adding the same article store it once
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ADD_LOCK, (guild_id or 0) % 2**31))
            self._claim_model(conn)
            for item in prepared:
                current = conn.raw.execute("SELECT id, content_hash FROM articles WHERE scope = %s AND identity = %s",
                                           (guild_id or 0, identity_of(item.doc))).fetchone()
                if current is not None and current[1] == content_hash(item.doc):
                    continue  # another process stored this very version meanwhile
                replaced = sorted({i for i in (item.old, current[0] if current else None) if i is not None})
                for old in replaced:
                    self.store.delete_article(conn, old)
                # an updated article keeps its id (links to it, and `remove ID`, stay valid)
                self.store.insert_article(conn, item.doc, item.chunks, guild_id, item.sentences, item.vectors,
                                          article_id=replaced[0] if replaced else None)
        return statuses

    def remove(self, article_id: int, guild_id: int | None = None) -> Article:
        """Remove one article of the given scope.

        Raises:
            ArticleNotFoundError: no such article in that scope.
        """
        article = article_in_scope(self.store, article_id, guild_id)
        with self.store.transaction() as conn:
            self.store.delete_article(conn, article_id)
        return article

    def add_copies(self, copies: list[ArticleCopy], *, index: bool = True) -> None:
        """Store articles copied from another library as they are (ids, passages, vectors kept).

        ``index``: keep the HNSW index while inserting (a bulk copy builds it afterwards instead).
        """
        dims = next((len(v) for c in copies for v in c.vectors if v is not None), None)
        if dims is not None:
            self.vectors.set_dimension(dims)
            if index:
                self.vectors.create_index()
        with self.store.transaction() as conn:
            self._claim_model(conn)
            for copy in copies:
                _, ids = self.store.insert_article(conn, copy.doc, copy.chunks, copy.guild_id, None, copy.vectors,
                                                   article_id=copy.id)
                self.store.put_sentence_vectors(conn, [(pid, s) for pid, s in zip(ids, copy.sentences) if s])
        self.store.reset_sequences()

    def copies(self, batch: int = 100) -> Iterator[list[ArticleCopy]]:
        """Every article of every scope with its passages, vectors and sentence vectors, by id, all
        read in one snapshot (REPEATABLE READ): a copy taken while other processes write."""
        with self.db.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            last = 0
            sql = f"SELECT {COPY_COLUMNS} FROM articles WHERE id > %s ORDER BY id LIMIT %s"
            while rows := conn.execute(sql, (last, batch)).fetchall():
                chunks = self.store.chunks_of([r[0] for r in rows], conn)
                pids = [pid for items in chunks.values() for pid, _ in items]
                vectors = dict(conn.execute("SELECT id, embedding FROM passages WHERE id = ANY(%s)", (pids,),
                                            binary=True).fetchall())
                sentences = unpack_many(conn.execute("SELECT passage_id, spans, vectors, scales FROM sentence_vectors"
                                                     " WHERE passage_id = ANY(%s)", (pids,)).fetchall())
                yield article_copies(rows, chunks, vectors, sentences)
                last = rows[-1][0]

    # --- reading --------------------------------------------------------------------------
    def articles(self, guild_ids: Iterable[int | None] = (None,), **kwargs: Any) -> list[Article]:
        """Articles in the given scopes (see :meth:`PgStore.list_articles`)."""
        return self.store.list_articles(guild_ids, **kwargs)

    def describe(self) -> str:
        """One line: articles, passages and the vector index in use."""
        return describe_library(self.store, "HNSW (pgvector, cosine) in PostgreSQL")

    def is_empty(self) -> bool:
        """True when the library holds no article at all."""
        return self.store.count("articles") == 0

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passages."""
        return self.vectors.vectors_for(ids)

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages."""
        return self.store.sentence_vectors(ids)

    def gather(self, ids: list[int], wait: bool = True) -> Gathered:
        """The stored vectors of the given passages, stacked (never busy: nothing is locked)."""
        return self.vectors.gather(ids)

    def dense_search(self, query: np.ndarray, k: int, also: Gathered | list[int],
                     scopes: Iterable[int | None] | None = None, filters: Filters | None = None
                     ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``k`` passages in scope nearest to the query (searched in the database), and the
        cosine of each passage of ``also`` (gathered first: the model read after the search covers
        every vector read for this question).

        Raises:
            ModelMismatchError: a reindex to another model began (see :meth:`version`).
        """
        if not isinstance(also, Gathered):
            also = self.vectors.gather(also)
        hits = self.vectors.search(query, k, None if scopes is None else list(scopes), filters or Filters(),
                                   model=self._check_model)
        return hits, also.scores(query)

    # --- maintenance ----------------------------------------------------------------------
    def doctor(self) -> DoctorReport:
        """Check the database's derived data and repair it (see :mod:`retrieval.pg.maintenance`)."""
        return maintenance.doctor(self)

    def file_backup(self, directory: Path) -> None:
        """None: the library has no files of its own (:func:`retrieval.backend.backup` copies it
        article by article, from one snapshot, into an embedded library)."""
        return None

    def build_index(self) -> None:
        """Build the HNSW index after a bulk copy."""
        self.vectors.create_index()

