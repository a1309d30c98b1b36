"""Arbitrary text and bytes never crash the parsers or the chunker, and never lose the batch."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.chunk import chunk_article, estimate_tokens
from retrieval.errors import BadInputError
from retrieval.ingest import ingest
from retrieval.metadata import extract_plain
from retrieval.parsers import ParseFailure, parse_bytes, parse_jsonl
from retrieval.records import Document
from retrieval.search import Searcher, SearchOptions, clean_question
from tests.helpers import doc

GOOD = "The harbour strike ended on Tuesday after nine days, the port authority said."


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([".txt", ".md", ".html"]))
def test_any_bytes_give_a_document_or_a_clear_error(data, suffix):
    try:
        result = parse_bytes(data, suffix, "x" + suffix, max_bytes=1_000_000)
    except BadInputError as exc:
        assert str(exc)
    else:
        assert isinstance(result, Document) and result.text.strip()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_parses_and_chunks_within_limits(text):
    body = extract_plain(text).text
    for chunk in chunk_article(body, max_tokens=60):
        assert body[chunk.char_start:chunk.char_end] == chunk.text
        assert estimate_tokens(chunk.text) <= 60 or len(chunk.text.split()) == 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=200), st.just(json.dumps({"title": "T", "text": GOOD}))), max_size=20))
def test_jsonl_with_any_lines_keeps_the_good_ones(lines):
    items = list(parse_jsonl("\n".join(lines), "feed.jsonl"))
    good = sum(1 for line in lines if line == json.dumps({"title": "T", "text": GOOD}))
    assert sum(isinstance(i, Document) for i in items) >= good
    assert all(isinstance(i, (Document, ParseFailure)) for i in items)


def test_pathological_files_fail_alone(tmp_path, library):
    files = {
        "good.txt": GOOD.encode(),
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 20,
        "invalid-utf8.txt": b"\xff\xfe\x00\x00" * 100,
        "latin1.txt": ("Caf\u00e9 owners in Z\u00fcrich said the strike hurt trade badly this week. " * 3).encode("latin-1"),
        "one-long-line.txt": (("word " * 200_000) + ".").encode(),
        "nested.html": ("<div>" * 5000 + "<p>Deep inside, the ferry timetable changed for winter.</p>"
                        + "</div>" * 5000).encode(),
        "scripts.html": (b"<html><body><script>alert(1)</script><p>Fishing boats stayed in port during the "
                         b"storm.</p><script>evil()</script></body></html>"),
        "big.txt": b"x" * 3_000_000,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with (tmp_path / "fifty-megabytes.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # refused by its size, before it is read
    report = ingest(library, [tmp_path], max_bytes=2_000_000)
    failed = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert set(failed) == {"empty.txt", "binary.txt", "invalid-utf8.txt", "big.txt", "fifty-megabytes.txt"}
    assert "too large (52,428,800 bytes; the limit is 2,000,000)" in failed["fifty-megabytes.txt"]
    bodies = " ".join(library.store.article_body(a.id) for a in library.articles())
    assert "Zürich" in bodies and "ferry timetable" in bodies and "Fishing boats" in bodies
    assert "alert" not in bodies and "evil" not in bodies
    assert report.added == 5


@pytest.mark.parametrize("question", [
    "   ", "\x00\x01\x02", "q" * 5000,
])
def test_unusable_questions_get_a_clear_error(question):
    with pytest.raises(BadInputError):
        clean_question(question)


@pytest.mark.parametrize("question", [
    "**bold** _it_ `code` > quote", "@everyone @here <@123> <@&456> <#789>", "מתי הסתיימה השביתה?",
    "strike 🚢⚓️ ended?", "AND OR NOT NEAR( \" * ^", "harbour\u202estrike",
])
def test_odd_questions_get_an_answer_or_a_polite_no(library, question):
    library.add_documents([doc(GOOD, url="u")])
    answer = Searcher(library).ask(clean_question(question), SearchOptions())
    assert answer.answered in (True, False)
