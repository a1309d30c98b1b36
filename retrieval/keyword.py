"""Keyword (BM25) search over the passages' FTS5 index, at a bounded cost.

FTS5 computes BM25 for every passage that matches any word of the question, so common words
("year", "new", "said") make a question's cost grow with the library. Words are therefore
taken rarest first while the passages they match stay within :data:`MATCH_BUDGET`; the
commonest words, which weigh least in BM25, are left to the dense side. When even the
rarest word is that common (a large library), the rarest words are AND-ed instead. On XQuAD + BBC
(8,595 passages) this keeps 99% of the top-10 and more than halves the time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable

from retrieval.terms import content_words

MATCH_BUDGET = 4000  # passages scored per question, at most (about; the rarest word always goes in)
MAX_WORDS = 32
MAX_AND_WORDS = 3  # when every word is common, at most this many rarest words are AND-ed
_CACHE_WORDS = 4096


class KeywordSearch:
    """BM25 over ``passages_fts`` (title weighted 0.5, text 1.0) with word pruning."""

    def __init__(self, conn: sqlite3.Connection, budget: int = MATCH_BUDGET) -> None:
        """Search through ``conn`` (shared with the store), scoring about ``budget`` passages."""
        self.conn = conn
        self.budget = budget
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._counts_generation = -1
        self._lock = threading.Lock()

    def query(self, question: str, generation: int) -> str:
        """A safe FTS5 query: the question's words, rarest first within the budget, quoted, OR-ed.

        Args:
            question: the question.
            generation: the library's generation (word counts are cached within one).
        """
        unique = list(dict.fromkeys(content_words(question)))[:MAX_WORDS]
        counted = sorted(unique, key=lambda w: self.matches(w, generation))
        kept, total = [], 0
        for word in counted:
            count = self.matches(word, generation)
            if kept and total + count > self.budget:
                break
            kept.append(word)
            total += count
        if total > self.budget and len(counted) > 1:  # even the rarest word is common: ask for more
            return self._narrowed(counted[:MAX_AND_WORDS], generation)
        return " OR ".join(f'"{w}"' for w in kept)

    def _narrowed(self, words: list[str], generation: int) -> str:
        """The rarest words AND-ed, adding words until the matches fit the budget."""
        query = f'"{words[0]}"'
        for word in words[1:]:
            query = f'{query} AND "{word}"'
            if self.matches(query, generation, quoted=True) <= self.budget:
                break
        return query

    def matches(self, word: str, generation: int, quoted: bool = False) -> int:
        """Passages holding ``word`` (counted up to the budget; cached per generation).

        ``quoted``: ``word`` is already an FTS5 query (e.g. words AND-ed).
        """
        with self._lock:
            if generation != self._counts_generation:
                self._counts.clear()
                self._counts_generation = generation
            if word in self._counts:
                self._counts.move_to_end(word)
                return self._counts[word]
        count = self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?)",
            (word if quoted else f'"{word}"', self.budget + 1),
        ).fetchone()[0]
        with self._lock:
            self._counts[word] = int(count)
            while len(self._counts) > _CACHE_WORDS:
                self._counts.popitem(last=False)
        return int(count)

    def search(self, query: str, limit: int, where: str, params: list, whole_library: bool
               ) -> list[tuple[int, float]]:
        """Run an FTS5 query.

        Args:
            query: from :meth:`query`.
            limit: results wanted.
            where: a condition on articles ``a`` (scope and filters).
            params: its parameters.
            whole_library: the condition keeps every article, so the join is skipped
                (half the time).

        Returns:
            (passage id, score) pairs, best first; scores are positive, higher is better.
        """
        if not query:
            return []
        if whole_library:
            rows = self.conn.execute(
                "SELECT rowid, -bm25(passages_fts, 0.5, 1.0) FROM passages_fts WHERE passages_fts MATCH ?"
                " ORDER BY bm25(passages_fts, 0.5, 1.0) LIMIT ?", (query, limit)).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT f.rowid, -bm25(passages_fts, 0.5, 1.0) AS score FROM passages_fts f"
                " JOIN passages p ON p.id = f.rowid JOIN articles a ON a.id = p.article_id"
                f" WHERE passages_fts MATCH ? AND {where} ORDER BY score DESC LIMIT ?",
                (query, *params, limit)).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]


def others_exist(conn: sqlite3.Connection, scopes: Iterable[int | None]) -> bool:
    """True when some article lies outside the given scopes (None is the global library).

    One index seek per gap between the scopes (the ``articles_identity`` expression index),
    so the cost does not grow with the library.
    """
    bounds = [None, *sorted({g or 0 for g in scopes}), None]
    for low, high in zip(bounds, bounds[1:]):
        clauses = [c for c, v in (("ifnull(guild_id, 0) > ?", low), ("ifnull(guild_id, 0) < ?", high))
                   if v is not None]
        values = [v for v in (low, high) if v is not None]
        if conn.execute(f"SELECT 1 FROM articles WHERE {' AND '.join(clauses)} LIMIT 1", values).fetchone():
            return True
    return False
