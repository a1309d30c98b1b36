from retrieval.embedded.keyword import KeywordSearch, others_exist
from retrieval.embedded.store import SqliteStore
from retrieval.records import Chunk
from retrieval.scoring.bm25 import KeywordQuery
from tests.helpers import doc


def fill(store: SqliteStore, texts: list[str], guild_id=None) -> list[int]:
    ids = []
    with store.transaction() as conn:
        for n, text in enumerate(texts):
            chunk = Chunk(text=text, para_start=1, para_end=1, char_start=0, char_end=len(text))
            ids += store.insert_article(conn, doc(text, url=f"u{guild_id}-{n}"), [chunk], guild_id)[1]
    return ids


def test_common_words_are_dropped_rarest_first_within_the_budget(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, [f"the government said on day {n}" for n in range(30)] + ["the zebra escaped"])
    search = KeywordSearch(store.connection, budget=10)
    assert search.query("What did the government do with the zebra?", 0).fts() == '"zebra"'
    assert search.matches(KeywordQuery(("government",)), 0) == 11  # counted up to the budget, then stops
    roomy = KeywordSearch(store.connection, budget=100)
    assert roomy.query("government zebra", 0).fts() == '"zebra" OR "government"'


def test_a_single_common_word_is_kept_even_over_budget(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, [f"government report {n}" for n in range(20)])
    assert KeywordSearch(store.connection, budget=5).query("What about the government?", 0).fts() == '"government"'


def test_word_counts_are_recounted_after_the_library_changes(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, ["river"])
    search = KeywordSearch(store.connection)
    river = KeywordQuery(("river",))
    assert search.matches(river, generation=1) == 1
    fill(store, ["river again"], guild_id=5)
    assert search.matches(river, generation=1) == 1  # cached within a generation
    assert search.matches(river, generation=2) == 2


def test_others_exist_sees_articles_outside_the_scopes(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, ["global"])
    assert not others_exist(store.connection, [None])
    fill(store, ["server seven"], guild_id=7)
    assert others_exist(store.connection, [None]) and others_exist(store.connection, [None, 3])
    assert not others_exist(store.connection, [None, 7]) and others_exist(store.connection, [7])


def test_scoped_search_skips_other_servers_articles(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    mine = fill(store, ["harbour strike ends"])
    fill(store, ["harbour strike begins"], guild_id=9)
    assert [pid for pid, _ in store.keyword_search("harbour strike", 10, [None])] == mine
    assert len(store.keyword_search("harbour strike", 10, [None, 9])) == 2


def test_when_every_word_is_common_the_rarest_are_and_ed(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, [f"government report {n}" for n in range(20)] + [f"government budget {n}" for n in range(30)])
    query = KeywordSearch(store.connection, budget=10).query("government report", 0)
    assert query.every and sorted(query.words) == ["government", "report"]  # both over the cap: a tie
    assert len(store.connection.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?",
                                         (query.fts(),)).fetchall()) == 20
