"""The doctor of a PostgreSQL library finds damaged derived data and rebuilds it."""

import pytest

from config.settings import Settings
from retrieval.errors import StoreError
from retrieval.pg.library import PgLibrary
from retrieval.pg.migrations import check_pgvector
from tests.helpers import HashEncoder, doc


@pytest.fixture
def pglib(pg_url, tmp_path):
    library = PgLibrary.from_settings(Settings(data_dir=tmp_path, database_url=pg_url), HashEncoder())
    library.add_documents([doc(f"Harbour story {n}: the ships unloaded grain and timber at dawn.", url=f"u{n}")
                           for n in range(20)])
    yield library
    library.close()


def test_lost_keyword_rows_wrong_statistics_and_missing_vectors_are_rebuilt(pglib):
    before = pglib.store.keyword_search("ships unloaded grain", 50, [None])
    with pglib.db.transaction() as conn:
        conn.execute("DELETE FROM terms WHERE passage_id IN (SELECT id FROM passages ORDER BY id LIMIT 3)")
        conn.execute("UPDATE library_stats SET passages = passages + 7")
        conn.execute("UPDATE term_stats SET df = df + 2 WHERE term = 'grain'")
        conn.execute("UPDATE passages SET embedding = NULL WHERE id IN (SELECT id FROM passages ORDER BY id LIMIT 2)")
    report = pglib.doctor()
    assert not report.healthy and len(report.repairs) == 3
    assert any("2 passages had no vector" in p for p in report.problems)
    assert pglib.doctor().healthy
    assert pglib.store.keyword_search("ships unloaded grain", 50, [None]) == before
    assert pglib.vectors.count() == 20


@pytest.mark.parametrize("version", ["0.6.2", "0.7.4", "0"])
def test_a_pgvector_without_iterative_scans_is_refused_in_one_line(version):
    with pytest.raises(StoreError, match=f"pgvector 0.8.0 or newer is needed \\(this database has {version}\\)"):
        check_pgvector(version)


def test_the_test_server_s_pgvector_is_accepted(pg_url):
    from retrieval.pg.migrations import apply_migrations

    apply_migrations(pg_url)
    check_pgvector("0.8.5")
    check_pgvector("1.0.0")
