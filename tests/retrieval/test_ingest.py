import json

from retrieval.ingest import ensure_seeded, expand_paths, ingest
from tests.conftest import SEEDS_DIR

BODY = "The river flooded the town on Monday, forcing hundreds of families from their homes."


def test_folder_with_good_and_bad_files(tmp_path, library):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(f"Flood in town\n\n{BODY}\n")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "feed.jsonl").write_text(json.dumps({"title": "T", "text": BODY + " More.", "url": "u"}) + "\n{bad\n")
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    report = ingest(library, [folder, tmp_path / "missing.txt"], max_bytes=10_000)
    assert (report.added, report.updated, report.unchanged, report.failed) == (2, 0, 0, 4)
    reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert reasons["empty.txt"] == "file is empty"
    assert "binary" in reasons["binary.txt"]
    assert "invalid JSON" in reasons["feed.jsonl#L2"]
    assert reasons["missing.txt"] == "no such file or folder"
    assert report.summary() == "added 2, updated 0, unchanged 0, failed 4"


def test_second_run_is_unchanged(tmp_path, library):
    (tmp_path / "a.txt").write_text(BODY)
    ingest(library, [tmp_path / "a.txt"], max_bytes=10_000)
    assert ingest(library, [tmp_path / "a.txt"], max_bytes=10_000).unchanged == 1
    (tmp_path / "a.txt").write_text(BODY + " The water is receding now.")
    assert ingest(library, [tmp_path / "a.txt"], max_bytes=10_000).updated == 1
    assert library.store.count("articles") == 1


def test_expand_paths_skips_hidden_and_unsupported(tmp_path):
    (tmp_path / ".hidden.txt").write_text(BODY)
    (tmp_path / "a.md").write_text(BODY)
    (tmp_path / "b.bin").write_text(BODY)
    files, failures = expand_paths([tmp_path])
    assert [f.name for f in files] == ["a.md"] and failures == []


def test_seeds_fill_an_empty_library_once(library):
    report = ensure_seeded(library, SEEDS_DIR, 1_000_000)
    assert report.added == 2
    titles = {a.title for a in library.articles()}
    assert "North Korea provided Russia with weapons, White House says" in titles
    for article in library.articles():
        library.remove(article.id)
    assert ensure_seeded(library, SEEDS_DIR, 1_000_000) is None
    assert library.is_empty()
