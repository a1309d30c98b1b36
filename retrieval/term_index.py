"""The keyword index's postings held in memory: BM25 over the library in microseconds.

FTS5 (``passages_fts``) stays the source of truth and answers filtered searches, but ranking
through it costs 2-3 ms a question on XQuAD + BBC (8,595 passages): ``bm25()`` reads the
position lists of every matching row, and on our 2-core machines that work, beside the
question's embedding on the other core, slowed the embedding too (docs/performance.md).
Held here instead, for each term: the rows holding it and their weighted frequency (title
2.0, text 1.0, as the ``bm25()`` call weighs them), and each row's length in tokens. A
question's BM25 is then a few array operations with FTS5's own formula (k1 1.2, b 0.75, idf
floored at 1e-6) and the same scores.

Terms come from FTS5's own tokenizer, run in a private in-memory database, so words match
exactly as FTS5 matches them. The arrays follow the store by difference (keyword rows are
only ever inserted or deleted): rows gone are dropped, new rows tokenised and added. The
whole is saved to :data:`TERMS_FILE` (atomically, no pickle) tagged with the library's
generation, so a restart loads it instead of tokenising the library again. Libraries over
:data:`MEMORY_LIMIT` passages keep FTS5 alone.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

TOKENIZE = "porter unicode61 remove_diacritics 2"  # passages_fts's tokenizer
COLUMN_WEIGHTS = (2.0, 1.0)  # title, text: the weights given to bm25() (docs/quality.md)
K1, B = 1.2, 0.75  # FTS5's BM25 constants
MEMORY_LIMIT = 200_000  # passages; about 600 bytes each in memory
TERMS_FILE = "keyword-terms.npz"
SAVE_AFTER_ROWS = 1000  # rows added or dropped since the file was written before writing it again
FORMAT = 2  # 2: title weight 2.0
_WORD_CACHE = 65536
_EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.float32))


def _tokenizer_db() -> sqlite3.Connection:
    """A private in-memory FTS5 table tokenised like ``passages_fts``, and its instance view."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5 (title, text, tokenize = '{TOKENIZE}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, instance)")
    return conn


class WordTerms:
    """The FTS5 terms of single words, as a quoted word in an FTS5 query is tokenised."""

    def __init__(self) -> None:
        """Prepare (the private tokenizer database is opened at the first word)."""
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def __call__(self, word: str) -> tuple[str, ...]:
        """The terms of ``word`` (usually one; none or several for odd words)."""
        with self._lock:
            if (found := self._cache.get(word)) is not None:
                self._cache.move_to_end(word)
                return found
            self._conn = self._conn or _tokenizer_db()
            self._conn.execute("INSERT INTO t (rowid, title, text) VALUES (1, '', ?)", (word,))
            found = tuple(r[0] for r in self._conn.execute("SELECT term FROM v ORDER BY offset"))
            self._conn.execute("DELETE FROM t WHERE rowid = 1")
            self._cache[word] = found
            if len(self._cache) > _WORD_CACHE:
                self._cache.popitem(last=False)
            return found


@dataclass(frozen=True, slots=True)
class Postings:
    """One state of the library's keyword rows (never changed; a catch-up makes a new one)."""

    generation: int
    ids: np.ndarray  # int64, the passage id of each row
    guilds: np.ndarray  # int64, each row's server (0: the global library)
    lengths: np.ndarray  # float64, tokens in each row (title and text)
    terms: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (rows int32, weighted frequency float32)

    @classmethod
    def empty(cls) -> Postings:
        """No rows, generation -1 (in step with nothing)."""
        return cls(-1, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), {})

    def norms(self) -> np.ndarray:
        """``k1 * (1 - b + b * length / average length)`` of each row."""
        average = self.lengths.mean() if len(self.lengths) else 1.0
        return K1 * (1 - B + B * self.lengths / max(average, 1e-9))


class Scorer:
    """BM25 of a query's words over one :class:`Postings` (FTS5's ``bm25()`` formula)."""

    def __init__(self, postings: Postings) -> None:
        """Score over ``postings``."""
        self.postings = postings
        self._norms = postings.norms()

    def count(self, terms: list[str], every: bool, cap: int) -> int:
        """Rows holding any (``every``: all) of the terms, counted up to ``cap``."""
        rows, _ = self._matches(terms, every, with_scores=False)
        return min(len(rows), cap)

    def search(self, terms: list[str], every: bool, limit: int, scopes: list[int] | None
               ) -> list[tuple[int, float]]:
        """The best ``limit`` (passage id, score) pairs, best first (ties by id).

        Args:
            terms: one term per phrase of the query (repeats count twice, as in FTS5).
            every: all terms must match (AND) rather than any (OR).
            limit: results wanted.
            scopes: the servers whose rows may be returned (None: every row).
        """
        rows, scores = self._matches(terms, every, with_scores=True)
        if scopes is not None and len(rows):
            keep = np.isin(self.postings.guilds[rows], scopes)
            rows, scores = rows[keep], scores[keep]
        if len(rows) > limit:
            best = np.argpartition(-scores, limit - 1)[:limit]
            rows, scores = rows[best], scores[best]
        ids = self.postings.ids[rows]
        order = np.lexsort((ids, -scores))
        return list(zip(ids[order].tolist(), scores[order].tolist()))

    def _matches(self, terms: list[str], every: bool, with_scores: bool) -> tuple[np.ndarray, np.ndarray]:
        """The matching rows and, if asked, their BM25 scores."""
        found = [self.postings.terms.get(term, _EMPTY) for term in terms]
        if not found:
            return _EMPTY[0], np.zeros(0)
        rows, inverse = np.unique(np.concatenate([r for r, _ in found]), return_inverse=True)
        keep = None
        if every and len(found) > 1:
            keep = np.bincount(inverse, minlength=len(rows)) == len(found)
        scores = np.zeros(0)
        if with_scores:
            scores = np.bincount(inverse, weights=np.concatenate([self._weights(r, f) for r, f in found]),
                                 minlength=len(rows))
        if keep is None:
            return rows, scores
        return rows[keep], scores[keep] if with_scores else scores

    def _weights(self, rows: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
        """Each row's BM25 share for one phrase: idf * f * (k1 + 1) / (f + norm)."""
        count, hits = len(self.postings.ids), len(rows)
        idf = math.log((count - hits + 0.5) / (hits + 0.5)) if hits else 0.0
        idf = idf if idf > 0 else 1e-6
        f = frequencies.astype(np.float64)
        return idf * f * (K1 + 1) / (f + self._norms[rows])


def tokenise_rows(rows: list[tuple[int, int, str, str]]) -> tuple[np.ndarray, np.ndarray, dict[str, tuple]]:
    """FTS5's postings of keyword rows.

    The postings come out of SQLite one line per term (``group_concat``), not one Python
    object per posting: hundreds of thousands of small objects would set off the garbage
    collector, which holds the GIL (and the bot's event loop) for tens of milliseconds.

    Args:
        rows: (passage id, server, title, text).

    Returns:
        The passage ids (ascending), the length in tokens of each (0 for a row without
        words), and per term the (passage ids int64, weighted frequencies float32) of the
        rows holding it.
    """
    conn = _tokenizer_db()
    try:
        conn.executemany("INSERT INTO t (rowid, title, text) VALUES (?, ?, ?)",
                         [(pid, title, text) for pid, _, title, text in rows])
        counted = conn.execute("SELECT group_concat(doc, ' '), group_concat(n, ' ') FROM"
                               " (SELECT doc, count(*) AS n FROM v GROUP BY doc ORDER BY doc)").fetchone()
        worded, counts = (np.array((text or "").split(), dtype=np.int64) for text in counted)
        ids = np.unique(np.array([pid for pid, _, _, _ in rows], dtype=np.int64))
        lengths = np.zeros(len(ids))
        lengths[np.searchsorted(ids, worded)] = counts
        postings = {term: (np.array(docs.split(), dtype=np.int64), np.array(weights.split(), dtype=np.float32))
                    for term, docs, weights in conn.execute(
                        "SELECT term, group_concat(doc, ' '), group_concat(w, ' ') FROM"
                        " (SELECT term, doc, sum(CASE col WHEN 'title' THEN ? ELSE ? END) AS w"
                        "  FROM v GROUP BY term, doc) GROUP BY term", COLUMN_WEIGHTS)}
        return ids, lengths, postings
    finally:
        conn.close()


def merge(old: Postings, generation: int, gone: np.ndarray, new: list[tuple[int, int, str, str]]) -> Postings:
    """``old`` without the passages ``gone`` and with the ``new`` rows, at ``generation``."""
    keep = ~np.isin(old.ids, gone)
    remap = np.cumsum(keep) - 1
    terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for term, (rows, weights) in old.terms.items():
        if not keep.all():
            inside = keep[rows]
            rows, weights = remap[rows[inside]].astype(np.int32), weights[inside]
        if len(rows):
            terms[term] = (rows, weights)
    new_ids, lengths, fresh = tokenise_rows(new)
    guild_of = dict((pid, guild) for pid, guild, _, _ in new)
    base = int(keep.sum())
    for term, (docs, weights) in fresh.items():
        rows = (base + np.searchsorted(new_ids, docs)).astype(np.int32)
        before = terms.get(term, _EMPTY)
        terms[term] = (np.concatenate([before[0], rows]), np.concatenate([before[1], weights]))
    guilds = np.array([guild_of[int(pid)] for pid in new_ids], dtype=np.int64)
    return Postings(generation, np.concatenate([old.ids[keep], new_ids]),
                    np.concatenate([old.guilds[keep], guilds]), np.concatenate([old.lengths[keep], lengths]),
                    terms)
