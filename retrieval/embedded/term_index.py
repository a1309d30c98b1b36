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

from dataclasses import dataclass

import numpy as np

from retrieval.scoring.bm25 import K1, B, idf_of
from retrieval.scoring.fts5_terms import tokenise_rows

MEMORY_LIMIT = 200_000  # passages; about 600 bytes each in memory
TERMS_FILE = "keyword-terms.npz"
SAVE_AFTER_ROWS = 1000  # rows added or dropped since the file was written before writing it again
FORMAT = 2  # 2: title weight 2.0
_EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.float32))


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
        scores: np.ndarray = np.zeros(0)
        if with_scores:
            scores = np.bincount(inverse, weights=np.concatenate([self._weights(r, f) for r, f in found]),
                                 minlength=len(rows))
        if keep is None:
            return rows, scores
        return rows[keep], scores[keep] if with_scores else scores

    def _weights(self, rows: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
        """Each row's BM25 share for one phrase: idf * f * (k1 + 1) / (f + norm)."""
        idf = idf_of(len(self.postings.ids), len(rows)) if len(rows) else 0.0
        f = frequencies.astype(np.float64)
        return idf * f * (K1 + 1) / (f + self._norms[rows])


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
