"""Words as FTS5 tokenises them, for both storage backends.

SQLite's FTS5 tokenizer (porter stemming, unicode61, diacritics removed) is used as a library:
run in a private in-memory database, it gives the embedded store's keyword index and the
PostgreSQL keyword rows the very same terms, so BM25 scores agree to 1e-9 between backends.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict

import numpy as np

from retrieval.scoring.bm25 import COLUMN_WEIGHTS

TOKENIZE = "porter unicode61 remove_diacritics 2"  # passages_fts's tokenizer
_WORD_CACHE = 65536


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
