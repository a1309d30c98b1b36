import json
import sqlite3

from retrieval.embedded.library import EmbeddedLibrary
from retrieval.embedded.maintenance import backup, doctor
from retrieval.export import export_jsonl
from retrieval.ingest import ingest
from tests.helpers import doc

RIVER = "The river flooded the valley on Monday and hundreds of families left their homes."
BUDGET = "The council passed the city budget after a long debate about roads and schools."


def test_healthy_library(library):
    library.add_documents([doc(RIVER, url="u1")])
    report = doctor(library)
    assert report.healthy and report.repairs == []


def test_doctor_finds_and_repairs_every_kind_of_damage(tmp_path, encoder):
    lib = EmbeddedLibrary(tmp_path, encoder)
    lib.add_documents([doc(RIVER, url="u1", title="Flood"), doc(BUDGET, url="u2", title="Budget")])
    ids = lib.store.passage_ids()
    lib.vectors.remove([ids[0]])  # a passage without its vector
    lib.vectors.add([424242], encoder.encode(["orphan"]))  # a vector without its passage
    lib.vectors.save()
    conn = lib.store.connection
    conn.execute("DELETE FROM passages_fts WHERE rowid = ?", (ids[1],))  # a passage without keywords
    conn.execute("INSERT INTO passages_fts (rowid, title, text) VALUES (999999, 't', 'stale')")
    lib.close()

    damaged = EmbeddedLibrary(tmp_path, encoder, repair=False)
    report = doctor(damaged)
    assert not report.healthy
    text = " | ".join(report.problems)
    assert "1 passages had no vector" in text and "1 vectors had no passage" in text
    assert "keyword index: 1 passages missing, 1 stale entries" in text
    assert sorted(damaged.vectors.ids().tolist()) == ids
    assert [pid for pid, _ in damaged.store.keyword_search("budget", 5, [None])] == [ids[1]]
    assert doctor(damaged).healthy  # a second run finds nothing


def test_export_round_trips_through_ingest(tmp_path, library, encoder):
    library.add_documents([doc(RIVER, url="https://x/1", title="Flood", source="S", author="A", date="2024-01-01"),
                           doc(BUDGET, path="/p/b.txt", title="Budget")])
    path = tmp_path / "export.jsonl"
    assert export_jsonl(library, path) == 2
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert {r["title"] for r in records} == {"Flood", "Budget"}
    again = EmbeddedLibrary(tmp_path / "again", encoder)
    report = ingest(again, [path], max_bytes=10_000_000)
    assert report.added == 2
    assert {(a.title, a.source, a.date) for a in again.articles()} == {(a.title, a.source, a.date)
                                                                      for a in library.articles()}


def test_backup_is_a_working_library(tmp_path, library, encoder):
    library.add_documents([doc(RIVER, url="u1"), doc(BUDGET, url="u2")])
    backup(library, tmp_path / "bak")
    copy = EmbeddedLibrary(tmp_path / "bak", encoder)
    assert copy.store.count("articles") == 2 and copy.vectors.count == copy.store.count("passages")
    assert sqlite3.connect(tmp_path / "bak" / "library.sqlite3").execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_carries_the_adapted_model_in_use(tmp_path, library):
    library.add_documents([doc(RIVER, url="u1")])
    model = library.data_dir / "adapted-models" / "v002"
    model.mkdir(parents=True)
    (model / "model.safetensors").write_bytes(b"weights")
    library.store.set_meta("model.adapted", "adapted-models/v002")
    backup(library, tmp_path / "bak")
    assert (tmp_path / "bak" / "adapted-models" / "v002" / "model.safetensors").read_bytes() == b"weights"
