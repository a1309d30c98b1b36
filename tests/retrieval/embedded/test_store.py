import sqlite3

import pytest

from retrieval.embedded.store import SqliteStore
from retrieval.errors import StoreError
from retrieval.records import Chunk
from retrieval.rows import sentence_vectors_of
from tests.helpers import doc


def add(store: SqliteStore, document, guild_id=None):
    chunk = Chunk(text=document.text, para_start=1, para_end=1, char_start=0, char_end=len(document.text))
    with store.transaction() as conn:
        return store.insert_article(conn, document, [chunk], guild_id)


def test_round_trip_keeps_metadata_and_passages(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    d = doc("Body of the article about rivers.", title="Rivers", source="S", author="A", date="2020-01-01",
            url="https://x/r", path="/p")
    article_id, ids = add(store, d)
    store.close()
    store = SqliteStore(tmp_path / "db.sqlite3")
    a = store.get_article(article_id)
    assert (a.title, a.source, a.author, a.date, a.url, a.path, a.passages) == (
        "Rivers", "S", "A", "2020-01-01", "https://x/r", "/p", 1)
    assert store.passage_ids() == ids
    assert store.article_body(article_id) == d.text


def test_wal_mode(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_delete_removes_passages_and_keyword_entries(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    article_id, _ = add(store, doc("The river flooded the valley.", url="u1"))
    with store.transaction() as conn:
        store.delete_article(conn, article_id)
    assert store.count("passages") == 0
    assert store.keyword_search("river", 5, [None]) == []


def test_failed_transaction_leaves_nothing(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            store.insert_article(conn, doc("Half written.", url="u"), [], None)
            raise RuntimeError("crash")
    assert store.count("articles") == 0


def test_writer_that_cannot_get_the_lock_fails_clearly(tmp_path):
    path = tmp_path / "db.sqlite3"
    SqliteStore(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store = SqliteStore(path, timeout=0.2)
    with pytest.raises(StoreError, match="busy"):
        with store.transaction():
            pass
    other.execute("ROLLBACK")


def test_sentence_vectors_are_stored_with_the_passage_and_go_with_it(tmp_path):
    import numpy as np

    from retrieval.sentence_vectors import SentenceVectors

    store = SqliteStore(tmp_path / "db.sqlite3")
    d = doc("One sentence. Two sentences.", url="u")
    chunk = Chunk(text=d.text, para_start=1, para_end=1, char_start=0, char_end=len(d.text))
    vectors = np.eye(2, 8, dtype=np.float32)
    with store.transaction() as conn:
        article_id, ids = store.insert_article(conn, d, [chunk], None, [SentenceVectors([(0, 13), (14, 28)], vectors)])
    stored = store.sentence_vectors(ids)[ids[0]]
    assert stored.sentences(d.text) == ["One sentence.", "Two sentences."]
    assert np.allclose(stored.vectors, vectors, atol=0.01)
    with store.transaction() as conn:
        store.delete_article(conn, article_id)
    assert store.count_sentence_vectors() == 0


def test_passage_rows_can_carry_their_sentence_vectors(tmp_path):
    import numpy as np

    from retrieval.sentence_vectors import SentenceVectors

    store = SqliteStore(tmp_path / "db.sqlite3")
    with_vectors, without = doc("One sentence. Two sentences.", url="u1"), doc("Bare text.", url="u2")
    vectors = np.eye(2, 8, dtype=np.float32)
    with store.transaction() as conn:
        _, first = store.insert_article(conn, with_vectors, [Chunk(with_vectors.text, 1, 1, 0, 28)], None,
                                        [SentenceVectors([(0, 13), (14, 28)], vectors)])
        _, second = store.insert_article(conn, without, [Chunk(without.text, 1, 1, 0, 10)], None)
    rows = store.passages([*first, *second], [None], sentences=True)
    assert rows[first[0]]["text"] == "One sentence. Two sentences." and rows[second[0]]["spans"] is None
    carried = sentence_vectors_of(rows.values())
    assert list(carried) == first  # the passage without sentence vectors is left out
    assert carried[first[0]].spans == store.sentence_vectors(first)[first[0]].spans
    assert np.allclose(carried[first[0]].vectors, vectors, atol=0.01)


def test_the_newest_date_is_read_from_an_index_not_a_scan(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    plan = store._conn.execute("EXPLAIN QUERY PLAN SELECT max(date) FROM articles"
                               " WHERE ifnull(guild_id, 0) = ? AND date > ''", (0,)).fetchall()
    assert "articles_scope_date (<expr>=? AND date>?)" in " ".join(str(row[3]) for row in plan)
