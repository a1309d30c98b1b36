"""BM25 in PostgreSQL with the embedded backend's semantics: the same terms, scores and ranking.

Passages are tokenised at ingest by FTS5's own tokenizer (``porter unicode61 remove_diacritics
2``, run in a private in-memory SQLite database, :func:`retrieval.embedded.term_index.tokenise_rows`),
so words match exactly as they match in the embedded library. The table ``terms`` holds, per
term and passage, the frequency weighted as the embedded ``bm25()`` call weighs it (headline
2.0, text 1.0); ``passages.tokens`` each passage's length; ``term_stats`` each term's
document frequency and ``library_stats`` the passage count and total length, all kept in the
same transaction as the passages. A question's words are chosen as the embedded side chooses
them (:func:`retrieval.embedded.keyword.choose_words`), and scored in SQL with FTS5's formula (k1 1.2,
b 0.75, idf floored at 1e-6).
"""

from __future__ import annotations

import numpy as np
import psycopg

from retrieval.pg.db import Database, first_value
from retrieval.pg.filters import filter_sql, scope_list
from retrieval.records import Filters
from retrieval.scoring.bm25 import K1, MATCH_BUDGET, B, KeywordQuery, choose_words, idf_of
from retrieval.scoring.fts5_terms import WordTerms, tokenise_rows
from retrieval.scoring.spelling import closest, length_range, respelled, spelled_alike
from retrieval.terms import content_words


class PgKeywordIndex:
    """The keyword side of a PostgreSQL library."""

    def __init__(self, db: Database, budget: int = MATCH_BUDGET) -> None:
        self.db = db
        self.budget = budget
        self._word_terms = WordTerms()

    # --- writing --------------------------------------------------------------------------
    @staticmethod
    def tokenise(title: str, texts: list[str]) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """Each passage's length in tokens, and per term (passage positions, weighted frequencies)."""
        rows = [(position, 0, title, text) for position, text in enumerate(texts)]
        ids, lengths, postings = tokenise_rows(rows)
        full = np.zeros(len(texts))
        full[ids] = lengths
        return full, postings

    @staticmethod
    def add(conn: psycopg.Connection, ids: list[int], lengths: np.ndarray,
            postings: dict[str, tuple[np.ndarray, np.ndarray]], scope: int) -> None:
        """Store the keyword rows of new passages and update the statistics (inside a transaction).

        Each row carries its passage's length and scope, so a question is scored from the
        primary key's index alone. Document frequencies are updated in term order, so
        concurrent writers never deadlock.
        """
        write_rows(conn, ((term, ids[position], weight, int(lengths[position]), scope)
                          for term, (positions, weights) in postings.items()
                          for position, weight in zip(positions.tolist(), weights.tolist())))
        frequencies = sorted((term, len(positions)) for term, (positions, _) in postings.items())
        if frequencies:
            conn.execute("INSERT INTO term_stats (term, df) SELECT * FROM unnest(%s::text[], %s::bigint[])"
                         " ORDER BY 1 ON CONFLICT (term) DO UPDATE SET df = term_stats.df + excluded.df",
                         ([t for t, _ in frequencies], [n for _, n in frequencies]))
        conn.execute("UPDATE library_stats SET passages = passages + %s, tokens = tokens + %s WHERE id = 1",
                     (len(ids), int(lengths.sum())))

    @staticmethod
    def remove(conn: psycopg.Connection, ids: list[int]) -> None:
        """Take passages out of the statistics (their rows go with the passages, inside a transaction)."""
        if not ids:
            return
        counts = conn.execute("SELECT term, count(*) FROM terms WHERE passage_id = ANY(%s) GROUP BY term ORDER BY term",
                              (ids,)).fetchall()
        if counts:
            conn.execute("UPDATE term_stats s SET df = s.df - c.n FROM unnest(%s::text[], %s::bigint[]) AS c(term, n)"
                         " WHERE s.term = c.term", ([t for t, _ in counts], [n for _, n in counts]))
        conn.execute("UPDATE library_stats SET passages = passages - %s, tokens = tokens"
                     " - (SELECT coalesce(sum(tokens), 0) FROM passages WHERE id = ANY(%s)) WHERE id = 1",
                     (len(ids), ids))
        conn.execute("DELETE FROM terms WHERE passage_id = ANY(%s)", (ids,))

    # --- searching ------------------------------------------------------------------------
    def search(self, question: str, limit: int, guild_ids: list[int | None], filters: Filters = Filters()
               ) -> list[tuple[int, float]]:
        """The best ``limit`` (passage id, BM25 score) pairs, best first, in scope and filters."""
        with self.db.connection() as conn:
            frequencies = self._frequencies(conn, question)
            query = choose_words(question, lambda q: self._matches(conn, q, frequencies), self.budget)
            terms = [self._term(word) for word in query.words]
            terms = [t for t in terms if t]
            if not terms:
                return []
            stats = conn.execute("SELECT passages, tokens FROM library_stats WHERE id = 1").fetchone()
            passages, tokens = stats if stats is not None else (0, 0)
            average = tokens / passages if passages else 1.0
            idf = [idf_of(passages, frequencies.get(term, 0)) for term in terms]
            return self._score(conn, terms, idf, average, query.every, limit, guild_ids, filters)

    def absent(self, words: list[str]) -> list[str]:
        """Those of ``words`` whose term no passage holds (a document frequency of 0), nor a term
        spelled like it (:mod:`retrieval.scoring.spelling`)."""
        if not words:
            return []
        with self.db.connection() as conn:
            frequencies = self._frequencies(conn, " ".join(words))
            return [w for w in words if not frequencies.get(self._term(w), 0) and not self._spelled_alike(conn, w)]

    def respelled(self, words: list[str]) -> dict[str, str]:
        """Each of ``words`` whose term no passage holds, written as the term spelled like it that
        the most passages hold (:func:`retrieval.scoring.spelling.closest`; words with none left out)."""
        if not words:
            return {}
        out = {}
        with self.db.connection() as conn:
            frequencies = self._frequencies(conn, " ".join(words))
            for word in words:
                terms = self._word_terms(word)
                if len(terms) != 1 or frequencies.get(terms[0], 0):
                    continue
                rows = conn.execute("SELECT term, df FROM term_stats WHERE term >= %s AND term < %s AND df > 0"
                                    " AND length(term) = %s",
                                    (terms[0][0], chr(ord(terms[0][0]) + 1), len(terms[0]))).fetchall()
                term = closest(terms[0], ((r[0], int(r[1])) for r in rows))
                if term and (fixed := respelled(word, terms[0], term)):
                    out[word] = fixed
        return out

    def _spelled_alike(self, conn: psycopg.Connection, word: str) -> bool:
        term = self._term(word)
        if not term:
            return False
        shortest, longest = length_range(term)
        rows = conn.execute("SELECT term FROM term_stats WHERE term >= %s AND term < %s AND df > 0"
                            " AND length(term) BETWEEN %s AND %s",
                            (term[0], chr(ord(term[0]) + 1), shortest, longest)).fetchall()
        return spelled_alike(term, (r[0] for r in rows))

    def _score(self, conn: psycopg.Connection, terms: list[str], idf: list[float], average: float, every: bool,
               limit: int, guild_ids: list[int | None], filters: Filters) -> list[tuple[int, float]]:
        if filters.active:
            where, params = filter_sql(filters, guild_ids)
            joined = " JOIN passages p ON p.id = t.passage_id JOIN articles a ON a.id = p.article_id"
        else:
            where, params, joined = "t.scope = ANY(%s)", [scope_list(guild_ids)], ""
        bm25 = "{alias}.tf * %s / ({alias}.tf + %s * (1 - %s + %s * t.tokens / %s))"
        if every and len(terms) > 1:  # each passage having every word, walked from the first word's rows
            others = _joined_terms(len(terms))
            score = " + ".join(f"%s * {bm25.format(alias=a)}" for a in ("t", *(f"t{i}" for i in range(1, len(terms)))))
            rows = conn.execute(
                f"SELECT t.passage_id, {score} AS score FROM terms t{others}{joined} WHERE t.term = %s AND {where}"
                " ORDER BY score DESC, t.passage_id LIMIT %s",
                (*[v for i in idf for v in (i, K1 + 1, K1, B, B, average)], *terms[1:], terms[0], *params,
                 limit)).fetchall()
        else:
            rows = conn.execute(
                f"SELECT t.passage_id, sum(q.idf * {bm25.format(alias='t')}) AS score"
                " FROM unnest(%s::text[], %s::float8[]) AS q(term, idf) JOIN terms t ON t.term = q.term"
                f"{joined} WHERE {where} GROUP BY t.passage_id ORDER BY score DESC, t.passage_id LIMIT %s",
                (K1 + 1, K1, B, B, average, terms, idf, *params, limit)).fetchall()
        return [(int(pid), float(score)) for pid, score in rows]

    def _term(self, word: str) -> str:
        """The FTS5 term of a word (the first, for the rare word FTS5 cuts in several)."""
        found = self._word_terms(word)
        return found[0] if found else ""

    def _frequencies(self, conn: psycopg.Connection, question: str) -> dict[str, int]:
        """Document frequency of each term of the question's words."""
        terms = [t for t in (self._term(w) for w in dict.fromkeys(content_words(question))) if t]
        rows = conn.execute("SELECT term, df FROM term_stats WHERE term = ANY(%s)", (terms,)).fetchall()
        return {term: int(df) for term, df in rows}

    def _matches(self, conn: psycopg.Connection, query: KeywordQuery, frequencies: dict[str, int]) -> int:
        """Passages a query matches, counted up to just over the budget as the embedded side counts them
        (so common words sort alike): a word's document frequency, or an AND query's matches."""
        terms = [t for t in (self._term(w) for w in query.words) if t]
        if not query.every or len(terms) < 2:
            return min(frequencies.get(terms[0], 0), self.budget + 1) if terms else 0
        return int(first_value(conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM terms t{_joined_terms(len(terms))} WHERE t.term = %s LIMIT %s) AS m",
            (*terms[1:], terms[0], self.budget + 1))))


def _joined_terms(count: int) -> str:
    """Joins of ``terms`` rows t1, t2, … of the same passage as ``t``, one per further word: a
    passage having every word is found from the first word's rows by index lookups (and a count
    stops at its limit), not by grouping every row of every word."""
    return "".join(f" JOIN terms t{i} ON t{i}.term = %s AND t{i}.passage_id = t.passage_id" for i in range(1, count))


def write_rows(conn: psycopg.Connection, rows) -> None:
    """COPY keyword rows (term, passage id, weighted frequency, passage length, scope) into ``terms``."""
    with conn.cursor() as cursor, cursor.copy("COPY terms (term, passage_id, tf, tokens, scope) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
