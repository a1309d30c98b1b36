import pytest

from retrieval.embedded.keyword import KeywordSearch
from retrieval.embedded.store import SqliteStore, filter_sql
from retrieval.records import Chunk, Filters
from retrieval.scoring.bm25 import KeywordQuery
from retrieval.scoring.fts5_terms import WordTerms
from tests.helpers import doc

TEXTS = [
    ("Port strike", "Dock workers went on strike at the port on Monday, halting deliveries."),
    ("Strike ends", "The strike ended after the union accepted a delivery bonus."),
    ("Budget", "The council delivered its budget; taxes stay flat for the third year."),
    ("Weather", "Storms delayed deliveries across the region for a week."),
    ("Port news", "The port authority said the port would reopen, the port being vital."),
    ("Zebra", "A zebra escaped from the zoo and wandered into the port."),
]


def fill(store: SqliteStore, texts, guild_id=None, tag="") -> list[int]:
    ids = []
    with store.transaction() as conn:
        for n, (title, text) in enumerate(texts):
            chunk = Chunk(text=text, para_start=1, para_end=1, char_start=0, char_end=len(text))
            ids += store.insert_article(conn, doc(text, title=title, url=f"u{guild_id}-{tag}{n}"),
                                        [chunk], guild_id)[1]
    return ids


def both(store: SqliteStore, query: KeywordQuery, scopes=(None,)):
    """The same query answered by FTS5 and from memory."""
    search = KeywordSearch(store.connection, terms=store.terms)
    generation = store.generation()
    where, params = filter_sql(Filters(), list(scopes))
    whole = list(scopes) == [None] and not store.connection.execute(
        "SELECT 1 FROM articles WHERE guild_id IS NOT NULL").fetchone()
    fts = search._fts_search(query.fts(), 50, where, params, whole)
    assert store.terms.catch_up()
    memory = search.search(query, 50, list(scopes), where, params, generation, filtered=False,
                           whole_library=whole)
    return fts, memory


def same(fts, memory):
    assert [pid for pid, _ in fts] == [pid for pid, _ in memory]
    assert [s for _, s in fts] == pytest.approx([s for _, s in memory], rel=1e-9)


@pytest.mark.parametrize("query", [
    KeywordQuery(("port",)),
    KeywordQuery(("strike", "deliveries")),
    KeywordQuery(("deliver", "delivered")),  # two phrases of one term count twice, as in FTS5
    KeywordQuery(("port", "zebra"), every=True),
    KeywordQuery(("nothing", "zebra")),
])
def test_memory_search_gives_fts5s_passages_and_scores(tmp_path, query):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    fts, memory = both(store, query)
    assert fts
    same(fts, memory)


def test_memory_search_keeps_to_the_scopes(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    theirs = fill(store, TEXTS[:2], guild_id=9)
    fts, memory = both(store, KeywordQuery(("strike",)), scopes=[None])
    same(fts, memory)
    assert not set(theirs) & {pid for pid, _ in memory}
    same(*both(store, KeywordQuery(("strike",)), scopes=[None, 9]))


def test_counts_match_fts5_up_to_the_cap(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    assert store.terms.catch_up()
    scorer = store.terms.scorer(store.generation())
    assert scorer.count(["port"], False, cap=100) == 3
    assert scorer.count(["port"], False, cap=2) == 2
    assert scorer.count(["port", "zebra"], True, cap=100) == 1


def test_postings_follow_deletes_and_inserts(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    assert store.terms.catch_up()
    with store.transaction() as conn:
        article = conn.execute("SELECT id FROM articles WHERE title = 'Port strike'").fetchone()[0]
        store.delete_article(conn, article)
    fill(store, [("Port again", "The port strike resumed at dawn.")], tag="new")
    fts, memory = both(store, KeywordQuery(("port", "strike")))
    same(fts, memory)
    assert len(store.terms.scorer(store.generation()).postings.ids) == len(TEXTS)


def test_a_restart_reads_the_saved_postings(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    assert store.terms.catch_up() and store.terms.file.exists()
    store.close()
    reopened = SqliteStore(tmp_path / "db.sqlite3")
    loaded = reopened.terms._load()
    assert loaded.generation == reopened.generation()
    assert sorted(loaded.ids.tolist()) == sorted(r[0] for r in reopened.connection.execute("SELECT id FROM passages"))


def test_a_damaged_file_is_rebuilt(tmp_path, caplog):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    store.terms.file.write_bytes(b"not numpy")
    assert store.terms.catch_up()
    assert "cannot read" in caplog.text
    same(*both(store, KeywordQuery(("port",))))


def test_postings_from_a_later_database_are_not_trusted(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    fill(store, [("Extra", "An extra port story.")], tag="x")
    assert store.terms.catch_up()
    saved = store.terms.file.read_bytes()
    store.close()
    (tmp_path / "db.sqlite3").unlink()
    for extra in tmp_path.glob("db.sqlite3-*"):
        extra.unlink()
    restored = SqliteStore(tmp_path / "db.sqlite3")  # an older copy: one write, a lower generation
    fill(restored, TEXTS[:1])
    restored.terms.file.write_bytes(saved)
    assert restored.terms.catch_up()
    assert len(restored.terms.scorer(restored.generation()).postings.ids) == 1


def test_a_library_over_the_limit_keeps_fts5_alone(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    store.terms.limit = 3
    assert not store.terms.catch_up()
    assert store.terms.scorer(store.generation()) is None
    assert store.terms._thread is None  # not tried again for every question
    assert [pid for pid, _ in store.keyword_search("zebra", 5, [None])]  # FTS5 answers


def test_a_stale_index_answers_from_fts5_and_catches_up_behind(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    assert store.terms.scorer(store.generation()) is None  # not built: a catch-up starts
    assert store.keyword_search("zebra", 5, [None])
    store.terms._thread.join(10)
    assert store.terms.scorer(store.generation()) is not None


def test_words_are_cut_into_fts5_terms():
    terms = WordTerms()
    assert terms("deliver") == terms("delivered") == ("deliv",)
    assert terms("Café") == terms("cafe")
    assert len(terms("dock_workers")) == 2  # FTS5 splits it: such a query goes to FTS5


def test_a_row_without_words_is_held_and_not_read_again(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS[:2] + [("", "...")])
    assert store.terms.catch_up()
    postings = store.terms.scorer(store.generation()).postings
    assert len(postings.ids) == 3 and sorted(postings.lengths.tolist())[0] == 0.0
    same(*both(store, KeywordQuery(("strike",))))


def test_a_one_question_process_leaves_the_postings_unloaded(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    fill(store, TEXTS)
    store.terms.background = False
    assert store.keyword_search("zebra", 5, [None])  # FTS5 answers
    assert store.terms._thread is None and store.terms.scorer(store.generation()) is None


def test_a_data_directory_with_odd_characters_is_read(tmp_path):
    store = SqliteStore(tmp_path / "news #1 ? 50%" / "db.sqlite3")
    fill(store, TEXTS)
    same(*both(store, KeywordQuery(("port",))))
