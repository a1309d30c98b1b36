"""Moving a library between backends without re-embedding: embedded → PostgreSQL → embedded."""

import numpy as np
import pytest

from bot.cli import main
from config.settings import Settings
from retrieval.activity import Activity
from retrieval.backend import backup
from retrieval.copying import copy_library
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.errors import NewsbotError
from retrieval.export import export_jsonl
from retrieval.feed_store import FeedStore
from retrieval.pg.library import PgLibrary
from retrieval.search import Searcher, SearchOptions
from tests.helpers import HashEncoder, doc

ARTICLES = [
    doc("The river flooded the valley on Monday.\n\nRescue boats reached the village of Upton by night.",
        title="Valley flood", url="u-flood", source="Daily", date="2024-01-02"),
    doc("The council passed the city budget after a long debate. Taxes stay flat.", title="Budget", url="u-budget"),
]


def fill(library) -> None:
    library.add_documents(ARTICLES)
    library.add_documents([doc("The harbour parade was private to this server.", url="u-private")], guild_id=42)
    activity = Activity(library.store)
    activity.update(42, results=3, min_score=0.3)
    activity.set_channel(42, 7, True)
    question = activity.record_question(42, "Where did the boats go?", True, 0.8, 2)
    activity.record_feedback(question, 99, True)
    FeedStore(library.store).add("https://news.example/feed.xml", 42, "Example", channel_id=7)


def snapshot(library) -> dict:
    activity = Activity(library.store)
    articles = sorted((a.id, a.guild_id, a.url, a.title, a.passages) for a in library.articles([None, 42]))
    vectors = {}
    for batch in library.copies():
        for copy in batch:
            vectors[copy.id] = np.stack(copy.vectors)
    return {"articles": articles, "vectors": vectors, "settings": activity.settings(42),
            "stats": activity.stats(42), "feeds": [(f.id, f.url, f.channel_id) for f in FeedStore(library.store).list(42)],
            "seeded": library.store.get_meta("seeded")}


def test_round_trip_keeps_articles_vectors_settings_questions_feedback_and_feeds(tmp_path, pg_url):
    encoder = HashEncoder()
    source = EmbeddedLibrary(tmp_path / "embedded", encoder)
    fill(source)
    source.store.set_meta("seeded", "1")
    pg = PgLibrary.from_settings(Settings(data_dir=tmp_path / "x", database_url=pg_url), encoder)
    report = copy_library(source, pg, bulk=True)
    assert (report.articles, report.passages) == (3, source.store.count("passages"))
    assert report.rows["questions"] == 1 and report.rows["feeds"] == 1
    assert encoder.calls == 2  # the two batches of the fill; the copy ran no model
    back = tmp_path / "back"
    backup(pg, back)
    restored = EmbeddedLibrary(back, encoder)
    before, middle, after = snapshot(source), snapshot(pg), snapshot(restored)
    for state in (middle, after):
        assert state["articles"] == before["articles"] and state["settings"] == before["settings"]
        assert state["stats"] == before["stats"] and state["feeds"] == before["feeds"] and state["seeded"] == "1"
        for article_id, vectors in before["vectors"].items():
            assert np.allclose(state["vectors"][article_id], vectors, atol=1e-6)
    options = SearchOptions(min_score=0.0, cutoff=0.0)
    for library in (pg, restored):
        answer = Searcher(library).ask("Which village did rescue boats reach?", options, [None, 42])
        assert answer.hits[0].article.url == "u-flood"
    assert pg.add_documents([doc("A new ferry opens in June.", url="u-ferry")]) == ["added"]  # ids continue
    assert max(a.id for a in pg.articles([None])) == 4
    with pytest.raises(NewsbotError, match="already holds articles"):
        copy_library(source, pg)
    export = tmp_path / "export.jsonl"
    assert export_jsonl(pg, export) == 3 and "u-ferry" in export.read_text()
    for library in (source, pg, restored):
        library.close()


def test_the_migrate_command_copies_the_data_dir(tmp_path, pg_url, capsys, monkeypatch):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "list"]) == 0  # seeds the library (real model)
    capsys.readouterr()
    monkeypatch.setenv("TARGET_DB", pg_url)  # the URL stays out of the command line (ps, shell history)
    assert main(["--data-dir", str(data), "migrate", "--to-env", "TARGET_DB", "--no-progress"]) == 0
    assert "copied 2 articles" in capsys.readouterr().out
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", pg_url)
    assert main(["--data-dir", str(tmp_path / "elsewhere"), "ask", "Where did the North Korean containers go?",
                 "--json"]) == 0
    assert "Tikhoretsk" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path / "elsewhere"), "doctor"]) == 0
    assert "healthy" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["--to", "--to-env", "--to-file"])
def test_a_migrate_target_that_fails_names_no_password(tmp_path, capsys, monkeypatch, how):
    url = "postgresql://newsbot:s3cr%zzet-pw@127.0.0.1:1/db"  # badly encoded: libpq repeats it back
    (tmp_path / "target").write_text(url + "\n")
    monkeypatch.setenv("TARGET_DB", url)
    value = {"--to": url, "--to-env": "TARGET_DB", "--to-file": str(tmp_path / "target")}[how]
    assert main(["--data-dir", str(tmp_path / "data"), "migrate", how, value, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: cannot connect to the database") and "s3cr" not in err


def test_a_migrate_target_from_a_missing_variable_or_an_empty_file_is_said(tmp_path, capsys):
    (tmp_path / "empty").write_text("")
    assert main(["--data-dir", str(tmp_path / "data"), "migrate", "--to-env", "NO_SUCH_VARIABLE_X"]) == 2
    assert "NO_SUCH_VARIABLE_X is not set" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "data"), "migrate", "--to-file", str(tmp_path / "empty")]) == 2
    assert "is empty" in capsys.readouterr().err
