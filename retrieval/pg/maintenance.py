"""The doctor for a PostgreSQL library: what the database derives from the articles is checked
against them and rebuilt where it differs (vectors, keyword rows, keyword statistics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.library import DoctorReport
from retrieval.pg.keyword import write_rows
from retrieval.scoring.fts5_terms import tokenise_rows

if TYPE_CHECKING:
    from retrieval.pg.library import PgLibrary


def doctor(library: PgLibrary) -> DoctorReport:
    """Check the vectors, the keyword rows and the statistics of a :class:`PgLibrary`; repair them.

    Returns:
        The problems found and the repairs made.
    """
    report = DoctorReport()
    built_with = library.store.get_meta("model")
    if built_with and built_with != library.encoder.name:
        report.problems.append(f"the vectors were made with {built_with!r}; run `newsbot reindex`")
        return report
    missing = library.db.value("SELECT count(*) FROM passages WHERE embedding IS NULL")
    if missing:
        report.problems.append(f"{missing} passages had no vector")
        library.sync()
        report.repairs.append(f"embedded {missing} passages")
    _check_keyword_rows(library, report)
    _check_statistics(library, report)
    return report


def _check_keyword_rows(library, report: DoctorReport) -> None:
    """Every passage with words has its keyword rows."""
    lacking = [r[0] for r in library.db.fetchall(
        "SELECT p.id FROM passages p WHERE p.tokens > 0"
        " AND NOT EXISTS (SELECT 1 FROM terms t WHERE t.passage_id = p.id)")]
    if not lacking:
        return
    report.problems.append(f"keyword index: {len(lacking)} passages without their keyword rows")
    rows = [(pid, 0, title, text) for pid, title, text in library.store.passages_for_embedding(lacking)]
    _, _, postings = tokenise_rows(rows)
    facts = dict((r[0], (r[1], r[2])) for r in library.db.fetchall(
        "SELECT id, tokens, scope FROM passages WHERE id = ANY(%s)", (lacking,)))
    with library.db.transaction() as conn:
        write_rows(conn, ((term, pid, weight, *facts[pid]) for term, (ids, weights) in postings.items()
                          for pid, weight in zip(ids.tolist(), weights.tolist())))
    report.repairs.append(f"rebuilt the keyword rows of {len(lacking)} passages")


def _check_statistics(library, report: DoctorReport) -> None:
    """The passage count, total length and document frequencies agree with the rows."""
    db = library.db
    stored = db.fetchone("SELECT passages, tokens FROM library_stats WHERE id = 1")
    actual = db.fetchone("SELECT count(*), coalesce(sum(tokens), 0) FROM passages")
    wrong = db.value(
        "SELECT count(*) FROM (SELECT term, count(*) AS n FROM terms GROUP BY term) AS a"
        " FULL JOIN (SELECT term, df FROM term_stats WHERE df <> 0) AS s USING (term)"
        " WHERE coalesce(a.n, 0) <> coalesce(s.df, 0)")
    if tuple(stored) == tuple(actual) and not wrong:
        return
    report.problems.append(f"keyword statistics: {stored[0]} passages and {stored[1]} words recorded against"
                           f" {actual[0]} and {actual[1]}; {wrong} document frequencies wrong")
    with db.transaction() as conn:
        conn.execute("UPDATE library_stats SET passages = %s, tokens = %s WHERE id = 1", (actual[0], actual[1]))
        conn.execute("DELETE FROM term_stats")
        conn.execute("INSERT INTO term_stats (term, df) SELECT term, count(*) FROM terms GROUP BY term")
    report.repairs.append("recounted the keyword statistics")
