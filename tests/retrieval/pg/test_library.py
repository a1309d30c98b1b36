"""What only the PostgreSQL library does: scoped HNSW search at scale, the graph walk's width, the date index
(everything both backends do is in tests/retrieval/contract/)."""

import pytest

from config.settings import Settings
from retrieval.backend import open_library
from retrieval.pg.library import PgLibrary
from tests.helpers import HashEncoder, doc

ARTICLES = [
    doc("The river flooded the valley on Monday. Hundreds of families left their homes.\n\n"
        "Rescue boats reached the village of Upton by night.", title="Valley flood", url="u-flood",
        source="Daily", date="2024-01-02"),
    doc("The council passed the city budget after a long debate. Taxes stay flat.", title="Budget", url="u-budget"),
    doc("A new bridge over the river opens in March. Engineers tested it for weeks.", title="Bridge", url="u-bridge"),
]


@pytest.fixture
def pg_settings(pg_url, tmp_path):
    return Settings(data_dir=tmp_path / "data", database_url=pg_url)


@pytest.fixture
def pglib(pg_settings):
    library = PgLibrary.from_settings(pg_settings, HashEncoder())
    yield library
    library.close()


def test_the_backend_is_chosen_by_the_database_url(pg_settings):
    library = open_library(pg_settings, HashEncoder())
    assert isinstance(library, PgLibrary) and "PostgreSQL" in library.describe()
    library.close()


def test_a_server_with_few_articles_still_finds_its_own_in_a_large_library(pglib, monkeypatch):
    import retrieval.pg.vectors

    monkeypatch.setattr(retrieval.pg.vectors, "MAX_SCAN", 10)  # index scans that give up early, as they do at scale
    monkeypatch.setattr(retrieval.pg.vectors, "EF_SEARCH", 10)
    words = ["harbour", "ferry", "council", "budget", "river", "school", "museum", "railway", "festival", "market"]
    pglib.add_documents([doc(f"Report {n}: the {words[n % 10]} and the {words[(n * 3) % 10]} were discussed "
                             f"by the {words[(n * 7) % 10]} committee on day {n}.", url=f"g{n}") for n in range(1500)])
    pglib.add_documents([doc("Our choir sings carols at the lighthouse on Christmas Eve.", url="own-1"),
                         doc("The choir practises in the lighthouse keeper's cottage.", url="own-2")], guild_id=42)
    own = {pid for a in pglib.articles([42]) for pid, _ in pglib.store.chunks_of([a.id])[a.id]}
    query = pglib.encoder.encode(["choir carols lighthouse Christmas Eve"])[0]
    elsewhere = pglib.encoder.encode(["the harbour and the ferry were discussed by the council committee"])[0]
    for asked in (query, elsewhere):  # the second is nearest to hundreds of global passages
        assert {pid for pid, _ in pglib.vectors.search(asked, 10, [42])} == own
    with_global = pglib.vectors.search(query, 5, [None, 42])
    assert with_global[0][0] in own


def test_the_graph_walk_keeps_more_candidates_in_a_large_library(pglib, monkeypatch):
    import retrieval.pg.vectors as pgv

    pglib.add_documents(ARTICLES)
    with pglib.db.connection() as conn:
        assert pgv.PgVectors(pglib.db).ef_search(conn, 10) == pgv.EF_SEARCH
        assert pgv.PgVectors(pglib.db).ef_search(conn, 1000) == 1000  # never fewer than asked for
        assert pgv.PgVectors(pglib.db).ef_search(conn, 2000) == pgv.EF_SEARCH_MAX  # nor more than pgvector takes
        monkeypatch.setattr(pgv, "LARGE_LIBRARY", 2)
        assert pgv.PgVectors(pglib.db).ef_search(conn, 10) == pgv.EF_SEARCH_LARGE


def test_the_newest_date_comes_from_its_own_index(pglib):
    from retrieval.pg.migrations import MIGRATIONS, schema_version

    pglib.add_documents([doc("Old news about the harbour.", url="a", date="2021-01-05"),
                         doc("New news about the harbour.", url="b", date="2024-06-01"),
                         doc("Undated news about the harbour.", url="c")])
    assert pglib.store.newest_date() == "2024-06-01"
    assert schema_version(pglib.db) == MIGRATIONS[-1][0]
    with pglib.db.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute("EXPLAIN SELECT max(date) FROM articles WHERE scope = 0 AND date > ''").fetchall()
    assert "articles_scope_date" in str(plan)


def test_a_writer_takes_its_generation_only_after_the_one_before_committed(pglib):
    import threading
    import time

    from retrieval.pg.store import GENERATION_LOCK

    writer = threading.Thread(target=pglib.add_documents, args=([doc("The ferry sails at noon.", url="u1")],))
    with pglib.db.transaction() as earlier:  # another writer, between its generation and its commit
        earlier.execute("SELECT pg_advisory_xact_lock(%s)", (GENERATION_LOCK,))
        taken = earlier.execute("SELECT nextval('library_generation')").fetchone()[0]
        writer.start()
        time.sleep(0.5)
        assert writer.is_alive()  # waits: it cannot take a generation before the earlier one commits
    writer.join(10)
    assert not writer.is_alive() and pglib.store.generation() == taken + 1


def test_processes_starting_at_once_build_the_vector_index_in_turn(pg_settings):
    """Two bot processes seeding one empty database at once: ``CREATE INDEX IF NOT EXISTS`` run by
    both at the same moment failed in one (a unique violation on the catalogue)."""
    from concurrent.futures import ThreadPoolExecutor

    libraries = [PgLibrary.from_settings(pg_settings, HashEncoder()) for _ in range(6)]
    try:
        libraries[0].vectors.set_dimension(libraries[0].encoder.dim)
        for _ in range(5):
            with libraries[0].db.connection() as conn:
                conn.execute("DROP INDEX IF EXISTS passages_embedding")
            with ThreadPoolExecutor(len(libraries)) as pool:
                list(pool.map(lambda library: library.vectors.create_index(), libraries))
        assert libraries[0].db.fetchall("SELECT 1 FROM pg_indexes WHERE indexname = 'passages_embedding'")
    finally:
        for library in libraries:
            library.close()
