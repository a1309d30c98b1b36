"""The article library: the SQLite store and the FAISS index kept in step.

SQLite is the source of truth. Every write commits to SQLite first and then updates the
vector index, which is saved atomically; on open, :meth:`Library.sync` re-embeds
passages that lack a vector and drops vectors whose passage is gone, so a crash between
the two never leaves the library inconsistent for long.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings
from retrieval.embed import make_encoder
from retrieval.embedded import maintenance
from retrieval.embedded.store import DB_FILE, SqliteStore, read_meta_file
from retrieval.embedded.vectors import EXACT_LIMIT, INDEX_FILE, MANIFEST_FILE, VectorIndex, read_manifest
from retrieval.encoder import Encoder
from retrieval.errors import StoreError
from retrieval.library import DoctorReport, SyncReport
from retrieval.records import Article, ArticleCopy, Document, Filters, Gathered
from retrieval.rows import COPY_COLUMNS, article_copies
from retrieval.sentence_vectors import SentenceVectors, embed_passages
from retrieval.writing import (
    EMBED_BATCH_PASSAGES,
    Prepared,
    article_in_scope,
    describe_library,
    passage_text_for_embedding,
    plan_documents,
    prepare_documents,
)

logger = logging.getLogger(__name__)

class EmbeddedLibrary:
    """The embedded library (:class:`retrieval.library.Library`): articles in one data directory.

    Two locks: ``lock`` guards the vector index and is held only briefly (questions take it
    to search); writers also take ``_writing``, one at a time, and embed new documents
    outside ``lock`` — an import of thousands of articles no longer holds questions up for
    the seconds each batch takes to embed.
    """

    def __init__(self, data_dir: Path, encoder: Encoder, *, max_passage_tokens: int = 200,
                 repair: bool = True, exact_limit: int = EXACT_LIMIT) -> None:
        """Open the library in ``data_dir`` (created if needed) and bring the index in step.

        Args:
            data_dir: where the database and the vector index live.
            encoder: the embedding model.
            max_passage_tokens: passage size for new articles.
            repair: run the cheap consistency check (:meth:`sync`) now; ``newsbot doctor``
                opens without it so that it can report what it finds.
            exact_limit: the size from which the vector index becomes approximate (IVF-SQ8).

        Raises:
            ModelMismatchError: the index was built with another model.
        """
        self.data_dir = data_dir
        self.encoder = encoder
        self.max_passage_tokens = max_passage_tokens
        self.store = SqliteStore(data_dir / DB_FILE)
        self.exact_limit = exact_limit
        self.unreadable_index = ""  # why the vector index could not be read (opened for the doctor only)
        try:
            manifest = read_manifest(data_dir)
            self.vectors = VectorIndex.open(data_dir, encoder.name, int(manifest["dim"]) if manifest else None,
                                            exact_limit)
        except StoreError as exc:
            if repair:
                raise
            self.unreadable_index = str(exc).split("; run")[0]
            self.vectors = self._set_aside_index(data_dir, encoder, exact_limit)
        self.lock = threading.RLock()
        self._writing = threading.RLock()
        if repair:
            self.sync()

    @staticmethod
    def _set_aside_index(data_dir: Path, encoder: Encoder, exact_limit: int) -> VectorIndex:
        """Move an unreadable index and its manifest aside (kept for inspection) and start an empty one;
        the doctor's thorough sync then embeds every passage again from SQLite."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for name in (INDEX_FILE, MANIFEST_FILE):
            if (data_dir / name).exists():
                os.replace(data_dir / name, data_dir / f"{name}.unreadable-{stamp}")
        return VectorIndex(data_dir, encoder.name, encoder.dim, exact_limit)

    @classmethod
    def from_settings(cls, settings: Settings, encoder: Encoder | None = None, *,
                      repair: bool = True) -> EmbeddedLibrary:
        """Open the library the settings point at, with its model (the configured one, or the
        adapted one ``newsbot reindex`` switched it to: :func:`retrieval.adapt.library_model`)."""
        if encoder is None:
            from retrieval.adapt import library_model

            chosen, location = library_model(settings, lambda key: read_meta_file(settings.data_dir, key))
            encoder = make_encoder(chosen, dim=_known_dim(settings.data_dir), location=location)
        return cls(settings.data_dir, encoder, max_passage_tokens=settings.max_passage_tokens, repair=repair,
                   exact_limit=settings.exact_search_limit)

    @staticmethod
    def prepare_reindex(settings: Settings) -> str:
        """Before ``reindex``: choose the model (:func:`retrieval.adapt.model_for_reindex`) and drop
        the old index, which may belong to another model; return the model's name."""
        from retrieval.adapt import model_for_reindex

        store = SqliteStore(settings.data_dir / DB_FILE)
        try:
            model = model_for_reindex(store, settings)
        finally:
            store.close()
        for name in (INDEX_FILE, MANIFEST_FILE):
            (settings.data_dir / name).unlink(missing_ok=True)
        return model

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # --- consistency ----------------------------------------------------------------------
    def sync(self, thorough: bool = False) -> SyncReport:
        """Embed passages that have no vector and drop vectors that have no passage.

        Args:
            thorough: compare every id even when the (count, sum, max) fingerprints agree
                (``newsbot doctor``; on open the fingerprints suffice, see :func:`_digest`).
        """
        with self._writing, self.lock:
            indexed = self.vectors.ids()
            if not thorough and self.store.passage_digest() == _digest(indexed):
                return SyncReport()  # the common case, without building sets of every id
            in_db = set(self.store.passage_ids())
            in_index = set(indexed.tolist())
            report = SyncReport(missing=len(in_db - in_index), orphans=len(in_index - in_db))
            if report.clean:
                return report
            logger.info("repairing the vector index: %d missing, %d orphaned", report.missing, report.orphans)
            self.vectors.remove(sorted(in_index - in_db))
            self._embed_existing(sorted(in_db - in_index))
            self.vectors.save()
            return report

    def version(self) -> tuple:
        """What a cached answer is valid for: the store's generation and the index loaded (after
        picking up an index another process saved)."""
        self.refresh()
        return self.store.generation(), self.vectors.loaded_mtime

    def warm_keywords(self) -> None:
        """Bring the keyword postings in memory in step (a process that will answer many questions)."""
        self.store.terms.catch_up()

    def single_question(self) -> None:
        """This process answers one question: the keyword side from FTS5, postings never loaded."""
        self.store.terms.background = False

    def doctor(self) -> DoctorReport:
        """Check the library and repair what can be rebuilt (see :func:`retrieval.embedded.maintenance.doctor`)."""
        return maintenance.doctor(self)

    def file_backup(self, directory: Path) -> Path:
        """A consistent copy in ``directory`` (see :func:`retrieval.embedded.maintenance.backup`)."""
        return maintenance.backup(self, directory)

    def refresh(self) -> None:
        """Pick up an index another process saved since we loaded ours (the lock is taken only
        then: a search asks each time, and an import in this process holds the lock at times)."""
        if not self.vectors.changed_on_disk():
            return
        with self.lock:
            if self.vectors.changed_on_disk():
                logger.info("vector index changed on disk; reloading")
                self.vectors.reload()

    def _embed_existing(self, ids: list[int]) -> None:
        """Embed stored passages (and their sentences) into the index."""
        for start in range(0, len(ids), EMBED_BATCH_PASSAGES):
            rows = self.store.passages_for_embedding(ids[start:start + EMBED_BATCH_PASSAGES])
            texts = [passage_text_for_embedding(title, text) for _, title, text in rows]
            vectors, sentences = embed_passages(self.encoder, texts, [text for _, _, text in rows])
            with self.store.transaction(library_change=False) as conn:
                self.store.put_sentence_vectors(conn, zip([pid for pid, _, _ in rows], sentences))
            self.vectors.add([pid for pid, _, _ in rows], vectors)

    def reindex(self) -> int:
        """Rebuild every vector with the configured model; return the passage count."""
        with self._writing, self.lock:
            for name in (INDEX_FILE, MANIFEST_FILE):
                (self.data_dir / name).unlink(missing_ok=True)
            self.vectors = VectorIndex(self.data_dir, self.encoder.name, self.encoder.dim, self.exact_limit)
            self._embed_existing(self.store.passage_ids())
            self.vectors.save()
            return self.vectors.count

    # --- writing --------------------------------------------------------------------------
    def add_documents(self, docs: list[Document], guild_id: int | None = None,
                      save: bool = True) -> list[str]:
        """Add a batch of documents.

        Args:
            docs: parsed documents.
            guild_id: the Discord server that owns them (None: the global library).
            save: write the vector index when done.

        Returns:
            One status per document: "added", "updated" or "unchanged".
        """
        with self._writing:
            statuses, todo = plan_documents(self.store, docs, guild_id)
            if not todo:
                return statuses
            prepared = prepare_documents(self.encoder, todo, self.max_passage_tokens)  # slow, questions go on
            with self.lock:
                self._write(prepared, guild_id)
                if save:
                    self.vectors.save()
            return statuses

    def _write(self, prepared: list[Prepared], guild_id: int | None) -> None:
        """Store prepared documents and their vectors (under the library lock)."""
        new_ids: list[int] = []
        old_ids: list[int] = []
        with self.store.transaction() as conn:
            for item in prepared:
                if item.old is not None:
                    old_ids.extend(self.store.delete_article(conn, item.old))
                # an updated article keeps its id (links to it, and `remove ID`, stay valid)
                new_ids.extend(self.store.insert_article(conn, item.doc, item.chunks, guild_id, item.sentences,
                                                         article_id=item.old)[1])
        self.vectors.remove(old_ids)
        if prepared:
            self.vectors.add(new_ids, np.concatenate([item.vectors for item in prepared]))

    def remove(self, article_id: int, guild_id: int | None = None) -> Article:
        """Remove one article of the given scope.

        Raises:
            ArticleNotFoundError: no such article in that scope.
        """
        with self._writing, self.lock:
            article = article_in_scope(self.store, article_id, guild_id)
            with self.store.transaction() as conn:
                ids = self.store.delete_article(conn, article_id)
            self.vectors.remove(ids)
            self.vectors.save()
            return article

    def save(self) -> None:
        """Write the vector index to disk, and bring the keyword postings in step (saved when
        much has changed), so the next process to open the library reads them from a file."""
        with self.lock:
            self.vectors.save()
        self.store.terms.catch_up()

    def add_copies(self, copies: list[ArticleCopy], *, index: bool = True) -> None:
        """Store articles copied from another library as they are (ids, passages, vectors kept);
        the FAISS index is always kept up to date (``index`` is for the PostgreSQL backend)."""
        with self._writing, self.lock:
            new_ids, vectors = [], []
            with self.store.transaction() as conn:
                for copy in copies:
                    _, ids = self.store.insert_article(conn, copy.doc, copy.chunks, copy.guild_id, article_id=copy.id)
                    self.store.put_sentence_vectors(conn, [(pid, s) for pid, s in zip(ids, copy.sentences) if s])
                    kept = [(pid, v) for pid, v in zip(ids, copy.vectors) if v is not None]
                    new_ids += [pid for pid, _ in kept]
                    vectors += [v for _, v in kept]
            if new_ids:
                self.vectors.add(new_ids, np.stack(vectors).astype(np.float32))
            self.vectors.save()

    def build_index(self) -> None:
        """Nothing to build after a bulk copy: the FAISS index was kept up to date."""

    def copies(self, batch: int = 100) -> Iterator[list[ArticleCopy]]:
        """Every article of every scope with its passages, vectors and sentence vectors, by id."""
        last = 0
        while rows := self.store.connection.execute(
                f"SELECT {COPY_COLUMNS} FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall():
            chunks = self.store.chunks_of([r[0] for r in rows])
            pids = [pid for items in chunks.values() for pid, _ in items]
            with self.lock:
                vectors = self.vectors.vectors_for(pids)
            sentences = self.store.sentence_vectors(pids)
            yield article_copies(rows, chunks, vectors, sentences)
            last = rows[-1][0]

    # --- reading --------------------------------------------------------------------------
    def articles(self, guild_ids: Iterable[int | None] = (None,), **kwargs: Any) -> list[Article]:
        """Articles in the given scopes (see :meth:`SqliteStore.list_articles`)."""
        return self.store.list_articles(guild_ids, **kwargs)

    def describe(self) -> str:
        """One line: articles, passages and the vector index in use."""
        plan = self.vectors.plan
        kind = "exact search" if plan.kind == "flat" else f"approximate, {plan.describe()}"
        return describe_library(self.store, f"{self.vectors.index_kind} ({kind})")

    def is_empty(self) -> bool:
        """True when the library holds no article at all."""
        return self.store.count("articles") == 0

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passages (those the index holds)."""
        with self.lock:
            return self.vectors.vectors_for(ids)

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages (libraries made before they were
        stored lack them until ``newsbot reindex``)."""
        return self.store.sentence_vectors(ids)

    def gather(self, ids: list[int], wait: bool = True) -> Gathered | None:
        """The stored vectors of the given passages that the index holds (copies, stacked).

        ``wait=False``: None at once if the index is busy (an import is writing it).
        """
        if not self.lock.acquire(blocking=wait):
            return None
        try:
            return self.vectors.gather(ids)
        finally:
            self.lock.release()

    def dense_search(self, query: np.ndarray, k: int, also: Gathered | list[int],
                     scopes: Iterable[int | None] | None = None, filters: Filters | None = None
                     ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``k`` passages nearest to the query, and the cosine of each passage of ``also``:
        vectors gathered beforehand (e.g. the keyword side's candidates, read while the
        question was embedded), or ids whose vectors are gathered now.

        ``scopes`` and ``filters`` are not applied here: the FAISS index holds every scope, and
        the rows read afterwards keep those in scope (a filtered search asks for more)."""
        with self.lock:
            hits = self.vectors.search(query, k)
            if not isinstance(also, Gathered):
                also = self.vectors.gather(also)
        return hits, also.scores(query)


def _digest(ids: np.ndarray) -> tuple[int, int, int]:
    """(count, sum, max) of ids, as :meth:`SqliteStore.passage_digest` computes them.

    Passage ids only grow (AUTOINCREMENT) and the index can only lag the store, so equal
    digests mean equal sets: a passage the index lacks is newer than any it holds.
    """
    if len(ids) == 0:
        return 0, 0, 0
    return int(len(ids)), int(ids.sum()), int(ids.max())


def _known_dim(data_dir: Path) -> int | None:
    try:
        manifest = read_manifest(data_dir)
    except StoreError:  # unreadable: the doctor sets it aside
        return None
    return int(manifest["dim"]) if manifest else None
