"""Passage vectors in pgvector: an HNSW index (cosine) searched in the database, scoped there.

A question searches the global library plus its server's articles. The scope is a condition of
the index scan itself (pgvector's iterative scans go on until enough passages in scope are
found), and a server's own passages are also searched exactly when they are few, so a server
with a handful of articles in a large library still finds its own (an approximate scan could
stop before reaching them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from retrieval.pg.db import Database, first_value
from retrieval.pg.filters import filter_sql, scope_list
from retrieval.records import Filters, Gathered

logger = logging.getLogger(__name__)

EF_SEARCH = 200  # candidates kept while walking the graph (recall@10 0.997 at 100,000 passages)
EF_SEARCH_LARGE = 400  # from LARGE_LIBRARY passages on (at 1M: recall@10 0.95, against 0.87 with 200)
EF_SEARCH_MAX = 1000  # the most pgvector accepts
LARGE_LIBRARY = 200_000
SIZE_CHECK_SECONDS = 60.0  # how long the library's passage count is trusted for that choice
EXACT_SCOPE = 50_000  # a server with at most this many passages is also searched exactly
MAX_SCAN = 50_000  # tuples an iterative scan may visit looking for passages in scope
INDEX_LOCK = 0x6E76  # advisory lock: one process at a time types the vector column and builds its index
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 128  # ef_construction 64 (the default): recall@10 0.96-0.995 by build


class PgVectors:
    """Search and read passage vectors stored in ``passages.embedding``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._size: tuple[float, int] | None = None  # (when read, passages)

    def ensure_index(self, dim: int) -> None:
        """Give the vector column its dimension and the HNSW index (once per model). Processes
        starting at once take turns (an advisory lock): ``CREATE INDEX IF NOT EXISTS`` run by two
        at the same moment fails in one of them."""
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INDEX_LOCK,))
            if self._set_dimension(conn, dim):
                self._create_index(conn)

    def set_dimension(self, dim: int) -> bool:
        """Type the vector column for ``dim`` dimensions (dropping vectors of another size and
        their index); False when it already was."""
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INDEX_LOCK,))
            return self._set_dimension(conn, dim)

    @staticmethod
    def _set_dimension(conn, dim: int) -> bool:
        current = first_value(conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'passages'::regclass AND attname = 'embedding'"))
        if current == f"vector({dim})":
            return False
        conn.execute("DROP INDEX IF EXISTS passages_embedding")
        conn.execute("UPDATE passages SET embedding = NULL WHERE embedding IS NOT NULL")
        conn.execute(f"ALTER TABLE passages ALTER COLUMN embedding TYPE vector({int(dim)})")
        logger.info("vector column set to %d dimensions", dim)
        return True

    def create_index(self, memory: str = "512MB") -> None:
        """Build the HNSW index (cosine) if it is missing: after a bulk copy, faster than row by row."""
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INDEX_LOCK,))
            self._create_index(conn, memory)

    @staticmethod
    def _create_index(conn, memory: str = "512MB") -> None:
        conn.execute(f"SET LOCAL maintenance_work_mem = '{memory}'")
        conn.execute(f"CREATE INDEX IF NOT EXISTS passages_embedding ON passages USING hnsw (embedding"
                     f" vector_cosine_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")

    def search(self, query: np.ndarray, k: int, guild_ids: list[int | None] | None = None,
               filters: Filters = Filters(), model: Callable[[str], None] | None = None) -> list[tuple[int, float]]:
        """The ``k`` passages in scope nearest to the query: (passage id, cosine), best first.

        ``model`` is shown the library's model as read after the search: a reindex claims the model
        before it writes any vector, so a search that saw a vector of another model always shows it.
        """
        scopes = scope_list(guild_ids if guild_ids is not None else [None])
        if filters.active:
            where, params = filter_sql(filters, guild_ids or [None])
            joined = " JOIN articles a ON a.id = p.article_id"
        else:
            where, params, joined = "p.scope = ANY(%s)", [scopes], ""
        with self.db.connection() as conn, conn.transaction():
            # the planner prices a scan of a small table below the index, but a sequential scan
            # computes every distance (30 ms at 8,595 passages against 1-3 ms through the index)
            conn.execute("SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan',"
                         " 'relaxed_order', true), set_config('hnsw.max_scan_tuples', %s, true),"
                         " set_config('enable_seqscan', 'off', true)", (str(self.ef_search(conn, k)), str(MAX_SCAN)))
            found = dict(conn.execute(
                f"SELECT p.id, 1 - (p.embedding <=> %s) FROM passages p{joined} WHERE {where}"
                " ORDER BY p.embedding <=> %s LIMIT %s", (query, *params, query, k)).fetchall())
            for scope in (s for s in scopes if s):
                found.update(self._exact_in_scope(conn, query, k, scope, joined, where, params))
            if model is not None:
                row = conn.execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
                model(row[0] if row else "")
        best = sorted(found.items(), key=lambda item: -item[1])[:k]
        return [(int(pid), float(score)) for pid, score in best]

    def ef_search(self, conn, k: int) -> int:
        """Candidates to keep while walking the graph: more in a large library (see docs/performance.md)."""
        now = time.monotonic()
        if self._size is None or now - self._size[0] > SIZE_CHECK_SECONDS:
            row = conn.execute("SELECT passages FROM library_stats WHERE id = 1").fetchone()
            self._size = (now, int(row[0]) if row else 0)
        wanted = max(EF_SEARCH_LARGE if self._size[1] >= LARGE_LIBRARY else EF_SEARCH, k)
        return min(wanted, EF_SEARCH_MAX)  # pgvector allows 1,000; iterative scans go on past it

    @staticmethod
    def _exact_in_scope(conn, query: np.ndarray, k: int, scope: int, joined: str, where: str,
                        params: list) -> list[tuple[int, float]]:
        """A small server's passages, all compared (none when the server has many)."""
        size = first_value(conn.execute("SELECT count(*) FROM (SELECT 1 FROM passages WHERE scope = %s LIMIT %s) AS s",
                            (scope, EXACT_SCOPE + 1)))
        if size == 0 or size > EXACT_SCOPE:
            return []
        return conn.execute(
            f"SELECT p.id, 1 - (p.embedding <=> %s) AS cosine FROM passages p{joined}"
            f" WHERE p.scope = %s AND p.embedding IS NOT NULL AND {where} ORDER BY cosine DESC LIMIT %s",
            (query, scope, *params, k)).fetchall()

    def gather(self, ids: list[int]) -> Gathered:
        """The stored vectors of the given passages (those that have one), stacked."""
        if not ids:
            return Gathered.nothing()
        rows = self.db.fetchall("SELECT id, embedding FROM passages WHERE id = ANY(%s) AND embedding IS NOT NULL",
                                (list(ids),), binary=True)
        if not rows:
            return Gathered.nothing()
        return Gathered([int(r[0]) for r in rows], np.stack([r[1] for r in rows]))

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passages, by id."""
        gathered = self.gather(ids)
        return dict(zip(gathered.ids, gathered.vectors))

    def count(self) -> int:
        """Passages that have a vector."""
        return int(self.db.value("SELECT count(*) FROM passages WHERE embedding IS NOT NULL"))
