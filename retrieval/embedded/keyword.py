"""Keyword (BM25) search over the passages' FTS5 index, at a bounded cost.

FTS5 computes BM25 for every passage that matches any word of the question, so common words
("year", "new", "said") make a question's cost grow with the library. Words are therefore
taken rarest first while the passages they match stay within :data:`MATCH_BUDGET`; the
commonest words, which weigh least in BM25, are left to the dense side. When even the
rarest word is that common (a large library), the rarest words are AND-ed instead. On XQuAD + BBC
(8,595 passages) this keeps 99% of the top-10 and more than halves the time.

The query is then answered from the postings held in memory (:mod:`retrieval.embedded.term_index`)
when they are in step with the library and no filter is set, else by FTS5 itself; both give
the same passages with the same scores.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable

from retrieval.embedded.term_sync import TermIndex
from retrieval.scoring.bm25 import COLUMN_WEIGHTS, MATCH_BUDGET, KeywordQuery, choose_words
from retrieval.scoring.fts5_terms import WordTerms
from retrieval.scoring.spelling import closest, length_range, respelled, spelled_alike

_CACHE_WORDS = 4096
_BM25 = f"bm25(passages_fts, {COLUMN_WEIGHTS[0]}, {COLUMN_WEIGHTS[1]})"


_VOCABULARY_LETTERS = 8  # first letters whose vocabulary stays read (for respelling slips)


class KeywordSearch:
    """BM25 over ``passages_fts`` (title weighted 2.0, text 1.0) with word pruning."""

    def __init__(self, conn: sqlite3.Connection, budget: int = MATCH_BUDGET,
                 terms: TermIndex | None = None) -> None:
        """Search through ``conn`` (shared with the store), scoring about ``budget`` passages.

        ``terms``: the postings in memory, used when in step (None: FTS5 alone).
        """
        self.conn = conn
        self.budget = budget
        self.terms = terms
        self._word_terms = WordTerms()
        self._counts: OrderedDict[KeywordQuery, int] = OrderedDict()
        self._counts_generation = -1
        self._lock = threading.Lock()
        self._vocabulary: OrderedDict[str, list[tuple[str, int]]] = OrderedDict()  # first letter -> (term, passages)
        self._vocabulary_generation = -1

    def query(self, question: str, generation: int) -> KeywordQuery:
        """The question's words, rarest first within the budget (OR-ed); see :func:`choose_words`.

        Args:
            question: the question.
            generation: the library's generation (word counts are cached within one).
        """
        return choose_words(question, lambda query: self.matches(query, generation), self.budget)

    def matches(self, query: KeywordQuery, generation: int) -> int:
        """Passages matching ``query``, counted up to just over the budget (cached per generation)."""
        with self._lock:
            if generation != self._counts_generation:
                self._counts.clear()
                self._counts_generation = generation
            if query in self._counts:
                self._counts.move_to_end(query)
                return self._counts[query]
        count = self._count(query, generation)
        with self._lock:
            self._counts[query] = count
            while len(self._counts) > _CACHE_WORDS:
                self._counts.popitem(last=False)
        return count

    def _count(self, query: KeywordQuery, generation: int) -> int:
        cap = self.budget + 1
        scorer = self.terms.scorer(generation) if self.terms is not None else None
        if scorer is not None and (terms := self._single_terms(query)) is not None:
            return scorer.count(terms, query.every, cap)
        return int(self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?)",
            (query.fts(), cap)).fetchone()[0])

    def spelled_alike(self, word: str) -> bool:
        """Whether some passage holds a term spelled like ``word``'s (see
        :mod:`retrieval.scoring.spelling`): read from FTS5's vocabulary, the terms sharing its
        first letter and of a close length."""
        terms = self._word_terms(word)
        if not terms:
            return False
        term = terms[0]
        shortest, longest = length_range(term)
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab"
                          " USING fts5vocab(main, passages_fts, row)")
        rows = self.conn.execute(
            "SELECT term FROM temp.passages_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
            (term[0], chr(ord(term[0]) + 1), shortest, longest)).fetchall()
        return spelled_alike(term, (r[0] for r in rows))

    def held(self, word: str, generation: int) -> bool:
        """Whether some passage holds ``word``: a lookup in the postings when in memory, else a
        count (cached per generation)."""
        scorer = self.terms.scorer(generation) if self.terms is not None else None
        terms = self._word_terms(word)
        if scorer is not None and terms:
            return all(term in scorer.postings.terms for term in terms)
        return bool(self.matches(KeywordQuery((word,)), generation))

    def respelled(self, word: str, generation: int) -> str | None:
        """``word`` written as the term of FTS5's vocabulary spelled like it that the most passages
        hold (:func:`retrieval.scoring.spelling.closest`), or None."""
        terms = self._word_terms(word)
        if len(terms) != 1:
            return None
        candidates = ((t, n) for t, n in self._terms_from(terms[0][0], generation) if len(t) == len(terms[0]))
        term = closest(terms[0], candidates)
        return respelled(word, terms[0], term) if term else None

    def _terms_from(self, letter: str, generation: int) -> list[tuple[str, int]]:
        """The vocabulary's terms starting with ``letter`` and the passages holding each, read once
        per generation (a scan of FTS5's vocabulary: milliseconds), the latest few letters kept."""
        with self._lock:
            if generation != self._vocabulary_generation:
                self._vocabulary.clear()
                self._vocabulary_generation = generation
            found = self._vocabulary.get(letter)
        if found is None:
            self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab"
                              " USING fts5vocab(main, passages_fts, row)")
            found = [(str(t), int(n)) for t, n in self.conn.execute(
                "SELECT term, doc FROM temp.passages_vocab WHERE term >= ? AND term < ?",
                (letter, chr(ord(letter) + 1))).fetchall()]
            with self._lock:
                self._vocabulary[letter] = found
                while len(self._vocabulary) > _VOCABULARY_LETTERS:
                    self._vocabulary.popitem(last=False)
        return found

    def _single_terms(self, query: KeywordQuery) -> list[str] | None:
        """The FTS5 term of each word, or None when a word is not exactly one term (FTS5 decides)."""
        terms = [self._word_terms(word) for word in query.words]
        return [t[0] for t in terms] if all(len(t) == 1 for t in terms) else None

    def search(self, query: KeywordQuery, limit: int, scopes: list[int | None], where: str, params: list,
               generation: int, *, filtered: bool, whole_library: bool) -> list[tuple[int, float]]:
        """Run a query, from memory when the postings are in step and no filter is set.

        Args:
            query: from :meth:`query`.
            limit: results wanted.
            scopes: the servers searched (None: the global library).
            where: a condition on articles ``a`` (scope and filters), for FTS5.
            params: its parameters.
            generation: the library's generation now.
            filtered: filters beyond the scopes are set (FTS5 answers).
            whole_library: the condition keeps every article, so FTS5 skips the join.

        Returns:
            (passage id, score) pairs, best first; scores are positive, higher is better.
        """
        if not query.words:
            return []
        scorer = self.terms.scorer(generation) if self.terms is not None and not filtered else None
        if scorer is not None and (terms := self._single_terms(query)) is not None:
            return scorer.search(terms, query.every, limit,
                                 None if whole_library else [g or 0 for g in scopes])
        return self._fts_search(query.fts(), limit, where, params, whole_library)

    def _fts_search(self, query: str, limit: int, where: str, params: list, whole_library: bool
                    ) -> list[tuple[int, float]]:
        if whole_library:
            rows = self.conn.execute(
                f"SELECT rowid, -{_BM25} FROM passages_fts WHERE passages_fts MATCH ?"
                f" ORDER BY {_BM25} LIMIT ?", (query, limit)).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT f.rowid, -{_BM25} AS score FROM passages_fts f"
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
