"""The SQLite store, source of truth: articles, passages and the FTS5 keyword index.

Articles belong to the operator's global library (``guild_id`` NULL) or to one Discord
server. Passage ids are never reused (AUTOINCREMENT), so the vector index can key on them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from retrieval.embedded.keyword import KeywordSearch, others_exist
from retrieval.embedded.term_index import TERMS_FILE
from retrieval.embedded.term_sync import TermIndex
from retrieval.errors import StoreError
from retrieval.records import Article, Chunk, Document, Filters
from retrieval.rows import ARTICLE_COLUMNS, counted_article
from retrieval.scoring.bm25 import KeywordQuery
from retrieval.scoring.fts5_terms import TOKENIZE
from retrieval.sentence_vectors import SentenceVectors, pack, unpack_many
from retrieval.writing import another_publication, content_hash, identity_of

logger = logging.getLogger(__name__)

DB_FILE = "library.sqlite3"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    identity TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    added_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_identity ON articles (ifnull(guild_id, 0), identity);
CREATE INDEX IF NOT EXISTS articles_hash ON articles (ifnull(guild_id, 0), content_hash);
CREATE INDEX IF NOT EXISTS articles_date ON articles (date);
CREATE INDEX IF NOT EXISTS articles_scope_date ON articles (ifnull(guild_id, 0), date);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    para_start INTEGER NOT NULL,
    para_end INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages (article_id);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    passage_id INTEGER PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,
    spans BLOB NOT NULL,
    vectors BLOB NOT NULL,
    scales BLOB NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5 (
    title, text, tokenize = '{TOKENIZE}'
);
"""
CACHE_KIB = 64 * 1024  # SQLite page cache per connection (grows only as pages are read)
MMAP_BYTES = 1 << 30  # the first GiB of the database is read through a memory map


def filter_sql(filters: Filters, scopes: Iterable[int | None]) -> tuple[str, list]:
    """A WHERE clause on articles ``a`` (scope and filters) and its parameters."""
    scope_list = [g or 0 for g in scopes]
    clauses = [f"ifnull(a.guild_id, 0) IN ({','.join('?' * len(scope_list))})"]
    params: list = list(scope_list)
    if filters.sources:
        clauses.append(f"lower(a.source) IN ({','.join('?' * len(filters.sources))})")
        params.extend(s.lower() for s in filters.sources)
    if filters.authors:
        clauses.append(f"({' OR '.join(['instr(lower(a.author), ?) > 0'] * len(filters.authors))})")
        params.extend(name.lower() for name in filters.authors)
    for operator, day, undated in filters.date_limits():
        clauses.append(f"(a.date = '' OR a.date {operator} ?)" if undated else f"a.date != '' AND a.date {operator} ?")
        params.append(day)
    if filters.exclude:
        marks = ",".join("?" * len(filters.exclude))
        clauses.append(f"(CASE WHEN a.url != '' THEN a.url ELSE a.path END) NOT IN ({marks})")
        params.extend(filters.exclude)
    return " AND ".join(clauses), params


class SqliteStore:
    """The embedded library's SQLite database (:class:`retrieval.library.Store`)."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        """Open (creating if needed) the database at ``path``.

        Args:
            path: the database file.
            timeout: seconds a writer waits for another process's lock before failing.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._write_lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        # reads as memory access, not a system call per page: on XQuAD + BBC this took a third
        # off reading a question's candidates (the default cache is 2 MB)
        self._conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._conn.executescript(SCHEMA)
        self.terms = TermIndex(path, path.parent / TERMS_FILE)
        self._keyword = KeywordSearch(self._conn, terms=self.terms)

    def ensure_schema(self, schema: str) -> None:
        """Create the tables another module keeps in this database (``CREATE ... IF NOT EXISTS``)."""
        self._conn.executescript(schema)

    def reset_sequences(self) -> None:
        """Nothing to do after rows were copied with their ids (AUTOINCREMENT follows them)."""

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for modules that keep their own tables in this database."""
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self, *, library_change: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success and rolled back on error.

        Args:
            library_change: the write changes articles or passages, so it bumps the library's
                generation (cached answers become stale); activity logging does not.

        Raises:
            StoreError: another process held the write lock for longer than the timeout.
        """
        with self._write_lock:  # one connection serves several threads: one transaction at a time
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"the library is busy (another newsbot is writing): {exc}") from None
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            if library_change:
                self._conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '1')")
            self._conn.execute("COMMIT")

    # --- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        """Read a value from the meta table."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Write a value to the meta table."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A counter that every committed write increases (seen by other processes too)."""
        return int(self.get_meta("generation", "0"))

    # --- articles -------------------------------------------------------------------------
    def find_existing(self, doc: Document, guild_id: int | None) -> tuple[int, str] | None:
        """The (id, content hash) of a stored version of ``doc``: by identity, else the same text (not
        another publication's: :func:`retrieval.writing.another_publication`)."""
        scope = guild_id or 0
        row = self._conn.execute(
            "SELECT id, content_hash FROM articles WHERE ifnull(guild_id, 0) = ? AND identity = ?",
            (scope, identity_of(doc)),
        ).fetchone()
        if row is None:  # the same text under another identity, unless another publication's
            row = next((r for r in self._conn.execute(
                "SELECT id, content_hash, url, source FROM articles WHERE ifnull(guild_id, 0) = ? AND content_hash = ?",
                (scope, content_hash(doc))).fetchall() if not another_publication(doc, r[2], r[3])), None)
        return (row[0], row[1]) if row else None

    def insert_article(self, conn: sqlite3.Connection, doc: Document, chunks: list[Chunk],
                       guild_id: int | None, sentences: list[SentenceVectors] | None = None,
                       article_id: int | None = None) -> tuple[int, list[int]]:
        """Insert an article with its passages and keyword entries (inside a transaction).

        ``sentences`` holds each chunk's sentence vectors, stored with it when given;
        ``article_id`` keeps an id (a copy of another library keeps its ids).

        Returns:
            The article id and the new passage ids, in order.
        """
        cur = conn.execute(
            "INSERT INTO articles (id, guild_id, identity, content_hash, title, source, author, date, url,"
            " path, body, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, guild_id, identity_of(doc), content_hash(doc), doc.title, doc.source, doc.author,
             doc.date, doc.url, doc.path, doc.text, time.time()),
        )
        article_id = int(cur.lastrowid or 0)
        ids = []
        for order, chunk in enumerate(chunks):
            cur = conn.execute(
                "INSERT INTO passages (article_id, ord, para_start, para_end, char_start, char_end, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (article_id, order, chunk.para_start, chunk.para_end, chunk.char_start,
                 chunk.char_end, chunk.text),
            )
            ids.append(int(cur.lastrowid or 0))
            conn.execute("INSERT INTO passages_fts (rowid, title, text) VALUES (?, ?, ?)",
                         (ids[-1], doc.title, chunk.text))
        if sentences is not None:
            self.put_sentence_vectors(conn, zip(ids, sentences))
        return article_id, ids

    @staticmethod
    def put_sentence_vectors(conn: sqlite3.Connection, items: Iterable[tuple[int, SentenceVectors]]) -> None:
        """Store (or replace) passages' sentence vectors (inside a transaction)."""
        conn.executemany("INSERT OR REPLACE INTO sentence_vectors VALUES (?, ?, ?, ?)",
                         [(pid, *pack(item)) for pid, item in items])

    def sentence_vectors(self, ids: list[int]) -> dict[int, SentenceVectors]:
        """The stored sentence vectors of the given passages (those that have them)."""
        rows = self._conn.execute(
            f"SELECT passage_id, spans, vectors, scales FROM sentence_vectors"
            f" WHERE passage_id IN ({','.join('?' * len(ids))})", ids,
        ).fetchall() if ids else []
        return unpack_many(rows)

    def count_sentence_vectors(self) -> int:
        """Passages that have sentence vectors."""
        return int(self._conn.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0])

    def delete_article(self, conn: sqlite3.Connection, article_id: int) -> list[int]:
        """Delete an article and its passages (inside a transaction); return the passage ids."""
        ids = [r[0] for r in conn.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
        conn.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return ids

    def get_article(self, article_id: int) -> Article | None:
        """One article by id, with its passage count."""
        row = self._conn.execute(
            f"SELECT {ARTICLE_COLUMNS}, (SELECT count(*) FROM passages p WHERE p.article_id = a.id)"
            " FROM articles a WHERE a.id = ?", (article_id,),
        ).fetchone()
        return counted_article(row) if row else None

    def article_body(self, article_id: int) -> str:
        """The cleaned text of an article."""
        row = self._conn.execute("SELECT body FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else ""

    def global_passages(self) -> Iterator[tuple[int, str, str]]:
        """(article id, headline, passage text) of every passage of the global library, in order."""
        yield from self._conn.execute(
            "SELECT a.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
            " WHERE a.guild_id IS NULL ORDER BY a.id, p.ord")

    def article_bodies(self, ids: list[int]) -> dict[int, str]:
        """The cleaned text of each of the given articles (those that exist), by id."""
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            out.update(self._conn.execute(
                f"SELECT id, body FROM articles WHERE id IN ({','.join('?' * len(part))})", part).fetchall())
        return out

    def list_articles(self, guild_ids: Iterable[int | None] = (None,), *, offset: int = 0,
                      limit: int = 1_000_000, title_like: str = "") -> list[Article]:
        """Articles in the given scopes, newest first."""
        scopes = [g or 0 for g in guild_ids]
        marks = ",".join("?" * len(scopes))
        rows = self._conn.execute(
            f"SELECT {ARTICLE_COLUMNS}, (SELECT count(*) FROM passages p WHERE p.article_id = a.id)"
            f" FROM articles a WHERE ifnull(a.guild_id, 0) IN ({marks}) AND a.title LIKE ?"
            " ORDER BY a.date DESC, a.id DESC LIMIT ? OFFSET ?",
            (*scopes, f"%{title_like}%", limit, offset),
        ).fetchall()
        return [counted_article(r) for r in rows]

    def count(self, table: str) -> int:
        """Rows in ``articles`` or ``passages``."""
        if table not in {"articles", "passages"}:
            raise ValueError(table)
        return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def newest_date(self, guild_ids: Iterable[int | None] = (None,), until: str = "") -> str:
        """The publication date of the newest dated article of the given scopes (ISO day), at most
        ``until`` when given, or "".

        One index seek per scope (``articles_scope_date``), whatever the library's size."""
        last = until or "9999-12-31"
        days = [self._conn.execute("SELECT max(date) FROM articles WHERE ifnull(guild_id, 0) = ? AND date > ''"
                                   " AND date <= ?", (scope, last)).fetchone()[0]
                for scope in sorted({g or 0 for g in guild_ids})]
        return max((d for d in days if d), default="")

    def sources(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Publishers of the given scopes' articles containing ``like`` (any case), most articles first."""
        return self._named("source", guild_ids, like, limit)

    def authors(self, guild_ids: Iterable[int | None], like: str = "", limit: int = 25) -> list[str]:
        """Authors of the given scopes' articles containing ``like`` (any case), most articles first."""
        return self._named("author", guild_ids, like, limit)

    def _named(self, column: Literal["source", "author"], guild_ids: Iterable[int | None], like: str,
               limit: int) -> list[str]:
        scopes = [g or 0 for g in guild_ids]
        pattern = "%" + like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._conn.execute(
            f"SELECT {column} FROM articles WHERE ifnull(guild_id, 0) IN ({','.join('?' * len(scopes))})"
            f" AND {column} != '' AND {column} LIKE ? ESCAPE '\\' GROUP BY {column}"
            f" ORDER BY count(*) DESC, {column} LIMIT ?", (*scopes, pattern, limit)).fetchall()
        return [r[0] for r in rows]

    def passage_dates(self, ids: list[int]) -> dict[int, str]:
        """The publication date of each passage's article, for the passages whose article has one."""
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            out.update(self._conn.execute(
                "SELECT p.id, a.date FROM passages p CROSS JOIN articles a ON a.id = p.article_id"
                f" WHERE p.id IN ({','.join('?' * len(part))}) AND a.date != ''", part).fetchall())
        return out

    # --- passages -------------------------------------------------------------------------
    def passage_digest(self) -> tuple[int, int, int]:
        """(count, sum, max) of the passage ids: a cheap fingerprint of the set."""
        count, total, top = self._conn.execute("SELECT count(*), sum(id), max(id) FROM passages").fetchone()
        return int(count), int(total or 0), int(top or 0)

    def any_article(self, guild_ids: Iterable[int | None], filters: Filters) -> bool:
        """True when some article of the scopes passes the filters."""
        where, params = filter_sql(filters, guild_ids)
        return self._conn.execute(f"SELECT 1 FROM articles a WHERE {where} LIMIT 1", params).fetchone() is not None

    def passage_ids(self) -> list[int]:
        """Every passage id in the store."""
        return [r[0] for r in self._conn.execute("SELECT id FROM passages ORDER BY id")]

    def chunks_of(self, article_ids: list[int]) -> dict[int, list[tuple[int, Chunk]]]:
        """Each article's (passage id, chunk), in order."""
        out: dict[int, list[tuple[int, Chunk]]] = {}
        for start in range(0, len(article_ids), 500):
            part = article_ids[start:start + 500]
            for row in self._conn.execute(
                    "SELECT article_id, id, text, para_start, para_end, char_start, char_end FROM passages"
                    f" WHERE article_id IN ({','.join('?' * len(part))}) ORDER BY article_id, ord", part):
                out.setdefault(row[0], []).append((row[1], Chunk(row[2], row[3], row[4], row[5], row[6])))
        return out

    def passages_for_embedding(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, article title, passage text) for the given passage ids."""
        out: list[tuple[int, str, str]] = []
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self._conn.execute(
                "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
                f" WHERE p.id IN ({','.join('?' * len(part))})", part,
            ).fetchall()
            out.extend((r[0], r[1], r[2]) for r in rows)
        return out

    def passages(self, ids: list[int], guild_ids: Iterable[int | None],
                 filters: Filters = Filters(), sentences: bool = False) -> dict[int, sqlite3.Row]:
        """Rows of the passages among ``ids`` whose articles pass the scope and filters, by id.

        ``sentences``: the rows also carry the passage's packed sentence vectors (columns
        ``spans``, ``vectors``, ``scales``; None without them; see :func:`retrieval.rows.sentence_vectors_of`),
        in the same query.
        """
        out: dict[int, sqlite3.Row] = {}
        where, params = filter_sql(filters, guild_ids)
        packed = (", s.spans, s.vectors, s.scales" if sentences else "")
        joined = (" LEFT JOIN sentence_vectors s ON s.passage_id = p.id" if sentences else "")
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self._conn.execute(
                # CROSS JOIN keeps the passages as the outer loop: otherwise SQLite may walk every
                # article of the scope through the expression index (a hundred times slower)
                f"SELECT p.id AS pid, p.text AS text, p.para_start, p.para_end, {ARTICLE_COLUMNS}{packed}"
                f" FROM passages p CROSS JOIN articles a ON a.id = p.article_id{joined}"
                f" WHERE p.id IN ({','.join('?' * len(part))}) AND {where}",
                (*part, *params),
            ).fetchall()
            out.update((r["pid"], r) for r in rows)
        return out

    def absent_words(self, words: list[str]) -> list[str]:
        """Those of ``words`` that no passage holds, in any scope, nor a word spelled like them
        (the keyword side's counts; the vocabulary only for a word they lack)."""
        generation = self.generation()
        return [w for w in words if not self._keyword.matches(KeywordQuery((w,)), generation)
                and not self._keyword.spelled_alike(w)]

    def respelled(self, words: list[str]) -> dict[str, str]:
        """Each of ``words`` that no passage holds, written as the library's word spelled like it
        that the most passages hold (words with none left out)."""
        generation = self.generation()
        out = {}
        for word in words:
            if self._keyword.held(word, generation):
                continue
            if fixed := self._keyword.respelled(word, generation):
                out[word] = fixed
        return out

    def keyword_search(self, question: str, limit: int, guild_ids: Iterable[int | None],
                       filters: Filters = Filters()) -> list[tuple[int, float]]:
        """BM25 search over passages (title weighted 2.0, text 1.0; see :mod:`retrieval.embedded.keyword`).

        Returns:
            (passage id, score) pairs, best first; scores are positive, higher is better.
        """
        scopes = list(guild_ids)
        generation = self.generation()
        query = self._keyword.query(question, generation)
        where, params = filter_sql(filters, scopes)
        whole = not filters.active and not others_exist(self._conn, scopes)
        return self._keyword.search(query, limit, scopes, where, params, generation,
                                    filtered=filters.active, whole_library=whole)


def read_meta_file(data_dir: Path, key: str) -> str:
    """A value of the meta table of the library in ``data_dir``, read without opening the store
    ("" when absent)."""
    path = data_dir / DB_FILE
    if not path.exists():
        return ""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    return row[0] if row else ""
