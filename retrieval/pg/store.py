"""The PostgreSQL store: articles, passages (with their vectors and keyword rows), sentence vectors
and the library's metadata — the same interface as :class:`retrieval.embedded.store.Store`.

Every library change runs in one transaction that also takes the next library generation and
sends it with ``NOTIFY newsbot_library``: every other process learns of the change as it
commits (their answer caches are keyed by the generation).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import psycopg

from retrieval.errors import StoreError
from retrieval.pg.db import Connection, Database, Row, first_value
from retrieval.pg.filters import filter_sql, scope_list
from retrieval.pg.keyword import PgKeywordIndex
from retrieval.records import Article, Chunk, Document, Filters
from retrieval.rows import ARTICLE_COLUMNS, counted_article
from retrieval.sentence_vectors import SentenceVectors, pack, unpack_many
from retrieval.writing import another_publication, content_hash, identity_of

logger = logging.getLogger(__name__)

CHANNEL = "newsbot_library"
MODEL_CHANNEL = "newsbot_model"  # NOTIFY payload: the model the vectors are (being) made with
GENERATION_LOCK = 0x6E67  # advisory lock: generations are taken in commit order
MODEL_KEY = "model"  # meta: the model the stored vectors were made with
GENERATION_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM library_generation"


class Result:
    """Rows already read, with the cursor methods the portable modules use."""

    def __init__(self, rows: list) -> None:
        self._rows = rows

    def fetchone(self):
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list:
        """Every row."""
        return self._rows

    def __iter__(self):
        return iter(self._rows)


class PoolConnection:
    """``store.connection`` for the portable modules: each statement on a pooled connection."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def execute(self, sql: str, params=()) -> Result:
        """Run one portable statement (``?`` placeholders) and read its rows."""
        with self.db.connection() as conn:
            cursor = Connection(conn).execute(sql, params)
            return Result(cursor.fetchall() if cursor.description else [])


class PgStore:
    """Access to one library in PostgreSQL."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` (migrated)."""
        self.db = db
        self.keywords = PgKeywordIndex(db)
        self.connection = PoolConnection(db)
        self.on_change: Callable[[int], None] | None = None  # told each generation this process commits

    def close(self) -> None:
        """Nothing to close here: the library closes the pool."""

    def ensure_schema(self, schema: str) -> None:
        """Nothing to do: the migrations own the schema (:mod:`retrieval.pg.migrations`)."""

    @contextmanager
    def transaction(self, *, library_change: bool = True) -> Iterator[Connection]:
        """A write transaction; a library change also takes a new generation and announces it.

        Raises:
            StoreError: the database refused the transaction.
        """
        generation = None
        try:
            with self.db.transaction() as conn:
                yield Connection(conn)
                if library_change:
                    # held until commit: a writer takes the next generation only once the one before
                    # it committed, so generations heard always follow commit order
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (GENERATION_LOCK,))
                    generation = first_value(conn.execute("SELECT nextval('library_generation')"))
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(generation)))
        except psycopg.OperationalError as exc:
            raise StoreError(f"the library database failed: {exc}") from None
        if generation is not None and self.on_change is not None:
            self.on_change(int(generation))

    def reset_sequences(self) -> None:
        """After rows were copied with their ids: the next ids follow them."""
        with self.db.transaction() as conn:
            for table in ("articles", "passages", "questions", "feeds"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                             f" greatest((SELECT max(id) FROM {table}), 1))")

    # --- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        """Read a value from the meta table."""
        row = self.db.fetchone("SELECT value FROM meta WHERE key = %s", (key,))
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Write a value to the meta table (a change of the model is announced to every process)."""
        with self.transaction(library_change=False) as conn:
            conn.raw.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (key, value))
            if key == MODEL_KEY:
                conn.raw.execute("SELECT pg_notify(%s, %s)", (MODEL_CHANNEL, value))

    @staticmethod
    def claim_model(conn: Connection, model: str) -> str:
        """Inside a write transaction: the library's model, set to ``model`` if unset (announced), and
        locked against a change until the transaction ends."""
        value = first_value(conn.raw.execute(
            "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value ="
            " CASE WHEN meta.value = '' THEN excluded.value ELSE meta.value END RETURNING value", (MODEL_KEY, model)))
        if value == model:
            conn.raw.execute("SELECT pg_notify(%s, %s)", (MODEL_CHANNEL, value))
        return str(value)

    def generation(self) -> int:
        """A counter every committed library change increases (seen by every process)."""
        return int(self.db.value(GENERATION_SQL))

    # --- articles -------------------------------------------------------------------------
    def find_existing(self, doc: Document, guild_id: int | None) -> tuple[int, str] | None:
        """The (id, content hash) of a stored version of ``doc``: by identity, else the same text (not
        another publication's: :func:`retrieval.writing.another_publication`)."""
        scope = guild_id or 0
        row = self.db.fetchone("SELECT id, content_hash FROM articles WHERE scope = %s AND identity = %s",
                               (scope, identity_of(doc)))
        if row is None:  # the same text under another identity, unless another publication's
            row = next((r for r in self.db.fetchall(
                "SELECT id, content_hash, url, source FROM articles WHERE scope = %s AND content_hash = %s",
                (scope, content_hash(doc))) if not another_publication(doc, r[2], r[3])), None)
        return (row[0], row[1]) if row else None

    def insert_article(self, conn: Connection, doc: Document, chunks: list[Chunk], guild_id: int | None,
                       sentences: list[SentenceVectors] | None = None, vectors: np.ndarray | None = None,
                       article_id: int | None = None) -> tuple[int, list[int]]:
        """Insert an article, its passages (with their vectors) and keyword rows (in a transaction).

        ``article_id``: keep this id (a migration copies ids as they were).

        Returns:
            The article id and the new passage ids, in order.
        """
        raw = conn.raw
        article_id = first_value(raw.execute(
            "INSERT INTO articles (id, guild_id, identity, content_hash, title, source, author, date, url, path,"
            " body, added_at) VALUES (coalesce(%s, nextval(pg_get_serial_sequence('articles', 'id'))),"
            " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (article_id, guild_id, identity_of(doc), content_hash(doc), doc.title, doc.source, doc.author,
             doc.date, doc.url, doc.path, doc.text, time.time())))
        lengths, postings = self.keywords.tokenise(doc.title, [c.text for c in chunks])
        ids = [first_value(raw.execute(
            "INSERT INTO passages (article_id, scope, ord, para_start, para_end, char_start, char_end, text, tokens,"
            " embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (article_id, guild_id or 0, order, c.para_start, c.para_end, c.char_start, c.char_end, c.text,
             int(lengths[order]), None if vectors is None else vectors[order])))
               for order, c in enumerate(chunks)]
        self.keywords.add(raw, ids, lengths, postings, guild_id or 0)
        if sentences is not None:
            self.put_sentence_vectors(conn, zip(ids, sentences))
        return int(article_id), [int(i) for i in ids]

    @staticmethod
    def put_sentence_vectors(conn: Connection, items: Iterable[tuple[int, SentenceVectors]]) -> None:
        """Store (or replace) passages' sentence vectors (inside a transaction)."""
        with conn.raw.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sentence_vectors VALUES (%s, %s, %s, %s) ON CONFLICT (passage_id) DO UPDATE SET"
                " spans = excluded.spans, vectors = excluded.vectors, scales = excluded.scales",
                [(pid, *pack(item)) for pid, item in items])

    def delete_article(self, conn: Connection, article_id: int) -> list[int]:
        """Delete an article, its passages and keyword rows (in a transaction); return the passage ids."""
        ids = [r[0] for r in conn.raw.execute("SELECT id FROM passages WHERE article_id = %s", (article_id,))]
        self.keywords.remove(conn.raw, ids)
        conn.raw.execute("DELETE FROM articles WHERE id = %s", (article_id,))
        return ids

    def get_article(self, article_id: int) -> Article | None:
        """One article by id, with its passage count."""
        row = self.db.fetchone(
            f"SELECT {ARTICLE_COLUMNS}, (SELECT count(*) FROM passages p WHERE p.article_id = a.id)"
            " FROM articles a WHERE a.id = %s", (article_id,))
        return counted_article(row) if row else None

    def article_body(self, article_id: int) -> str:
        """The cleaned text of an article."""
        row = self.db.fetchone("SELECT body FROM articles WHERE id = %s", (article_id,))
        return row[0] if row else ""

    def article_bodies(self, ids: list[int]) -> dict[int, str]:
        """The cleaned text of each of the given articles (those that exist), by id."""
        return dict(self.db.fetchall("SELECT id, body FROM articles WHERE id = ANY(%s)", (list(ids),)))

    def global_passages(self) -> Iterator[tuple[int, str, str]]:
        """(article id, headline, passage text) of every passage of the global library, in order."""
        with self.db.connection() as conn, conn.transaction(), conn.cursor(name="global_passages") as cursor:
            cursor.execute("SELECT a.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
                           " WHERE a.scope = 0 ORDER BY a.id, p.ord")
            yield from cursor

    def list_articles(self, guild_ids: Iterable[int | None] = (None,), *, offset: int = 0,
                      limit: int = 1_000_000, title_like: str = "") -> list[Article]:
        """Articles in the given scopes, newest first."""
        rows = self.db.fetchall(
            f"SELECT {ARTICLE_COLUMNS}, (SELECT count(*) FROM passages p WHERE p.article_id = a.id)"
            " FROM articles a WHERE a.scope = ANY(%s) AND a.title ILIKE %s"
            " ORDER BY a.date DESC, a.id DESC LIMIT %s OFFSET %s",
            (scope_list(guild_ids), f"%{_like_escape(title_like)}%", limit, offset))
        return [counted_article(r) for r in rows]

    def count(self, table: str) -> int:
        """Rows in ``articles`` or ``passages`` (passages from the keyword statistics, exact)."""
        if table == "passages":
            return int(self.db.value("SELECT passages FROM library_stats WHERE id = 1"))
        if table != "articles":
            raise ValueError(table)
        return int(self.db.value("SELECT count(*) FROM articles"))

    def newest_date(self, guild_ids: Iterable[int | None] = (None,), until: str = "") -> str:
        """The publication date of the newest dated article of the given scopes (ISO day), at most
        ``until`` when given, or "".

        One index seek per scope (``articles_scope_date``), whatever the library's size."""
        return self.db.value("SELECT max(newest) FROM unnest(%s::bigint[]) AS s(scope), LATERAL"
                             " (SELECT max(date) AS newest FROM articles WHERE scope = s.scope AND date > ''"
                             " AND date <= %s) AS n", (scope_list(guild_ids), until or "9999-12-31")) or ""

    def sources(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Publishers of the given scopes' articles containing ``like`` (any case), most articles first."""
        return self._named("source", guild_ids, like, limit)

    def authors(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Authors of the given scopes' articles containing ``like`` (any case), most articles first."""
        return self._named("author", guild_ids, like, limit)

    def _named(self, column: Literal["source", "author"], guild_ids: Iterable[int | None], like: str,
               limit: int) -> list[str]:
        rows = self.db.fetchall(
            f"SELECT {column} FROM articles WHERE scope = ANY(%s) AND {column} <> '' AND {column} ILIKE %s"
            f" GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT %s",
            (scope_list(guild_ids), f"%{_like_escape(like)}%", limit))
        return [r[0] for r in rows]

    def passage_dates(self, ids: list[int]) -> dict[int, str]:
        """The publication date of each passage's article, for the passages whose article has one."""
        return dict(self.db.fetchall(
            "SELECT p.id, a.date FROM passages p JOIN articles a ON a.id = p.article_id"
            " WHERE p.id = ANY(%s) AND a.date <> ''", (list(ids),)))

    # --- passages -------------------------------------------------------------------------
    def any_article(self, guild_ids: Iterable[int | None], filters: Filters) -> bool:
        """True when some article of the scopes passes the filters."""
        where, params = filter_sql(filters, guild_ids)
        return self.db.fetchone(f"SELECT 1 FROM articles a WHERE {where} LIMIT 1", params) is not None

    def passage_ids(self) -> list[int]:
        """Every passage id in the store."""
        return [r[0] for r in self.db.fetchall("SELECT id FROM passages ORDER BY id")]

    def chunks_of(self, article_ids: list[int], conn=None) -> dict[int, list[tuple[int, Chunk]]]:
        """Each article's (passage id, chunk), in order (on ``conn`` when given: a snapshot)."""
        sql = ("SELECT article_id, id, text, para_start, para_end, char_start, char_end FROM passages"
               " WHERE article_id = ANY(%s) ORDER BY article_id, ord")
        params = (list(article_ids),)
        rows = conn.execute(sql, params).fetchall() if conn else self.db.fetchall(sql, params)
        out: dict[int, list[tuple[int, Chunk]]] = {}
        for row in rows:
            out.setdefault(row[0], []).append((row[1], Chunk(row[2], row[3], row[4], row[5], row[6])))
        return out

    def unembedded(self, limit: int) -> list[int]:
        """Passages without a vector (a model change, or an interrupted reindex), at most ``limit``."""
        return [r[0] for r in self.db.fetchall(
            "SELECT id FROM passages WHERE embedding IS NULL ORDER BY id LIMIT %s", (limit,))]

    def passages_for_embedding(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, article title, passage text) for the given passage ids."""
        return [(r[0], r[1], r[2]) for r in self.db.fetchall(
            "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
            " WHERE p.id = ANY(%s) ORDER BY p.id", (list(ids),))]

    def passages(self, ids: list[int], guild_ids: Iterable[int | None],
                 filters: Filters = Filters(), sentences: bool = False) -> dict[int, Row]:
        """Rows of the passages among ``ids`` whose articles pass the scope and filters, by id
        (as :meth:`retrieval.embedded.store.Store.passages`)."""
        where, params = filter_sql(filters, guild_ids)
        packed = ", s.spans, s.vectors, s.scales" if sentences else ""
        joined = " LEFT JOIN sentence_vectors s ON s.passage_id = p.id" if sentences else ""
        rows = self.db.fetchall(
            f"SELECT p.id AS pid, p.text AS text, p.para_start, p.para_end, {ARTICLE_COLUMNS}{packed}"
            f" FROM passages p JOIN articles a ON a.id = p.article_id{joined}"
            f" WHERE p.id = ANY(%s) AND {where}", (list(ids), *params))
        return {r["pid"]: r for r in rows}

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages (those that have them)."""
        return unpack_many(self.db.fetchall(
            "SELECT passage_id, spans, vectors, scales FROM sentence_vectors WHERE passage_id = ANY(%s)",
            (list(ids),)))

    def count_sentence_vectors(self) -> int:
        """Passages that have sentence vectors."""
        return int(self.db.value("SELECT count(*) FROM sentence_vectors"))

    def absent_words(self, words: list[str]) -> list[str]:
        """Those of ``words`` that no passage holds, in any scope (their document frequencies)."""
        return self.keywords.absent(words)

    def respelled(self, words: list[str]) -> dict[str, str]:
        """Each of ``words`` that no passage holds, written as the library's word spelled like it
        that the most passages hold (words with none left out)."""
        return self.keywords.respelled(words)

    def keyword_search(self, question: str, limit: int, guild_ids: Iterable[int | None],
                       filters: Filters = Filters()) -> list[tuple[int, float]]:
        """BM25 over passages, as the embedded store scores it (see :mod:`retrieval.pg.keyword`)."""
        return self.keywords.search(question, limit, list(guild_ids), filters)



def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
