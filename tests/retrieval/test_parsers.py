import json
from pathlib import Path

import pytest

from retrieval.errors import BadInputError
from retrieval.parsers import ParseFailure, decode, parse_bytes, parse_jsonl, read_path
from retrieval.records import Document

BODY = "The river flooded the town on Monday, forcing hundreds of families from their homes."


def read_one(path: Path):
    items = list(read_path(path, max_bytes=1_000_000))
    assert len(items) == 1
    return items[0]


def test_markdown_front_matter(tmp_path):
    f = tmp_path / "a.md"
    f.write_text(f"---\ntitle: Flood hits town\nsource: Daily News\nauthor: A. Writer\n"
                 f"date: 2023-05-01\nurl: https://example.com/flood\n---\n# Ignored heading\n\n{BODY}\n")
    d = read_one(f)
    assert (d.title, d.source, d.author, d.date, d.url) == (
        "Flood hits town", "Daily News", "A. Writer", "2023-05-01", "https://example.com/flood")
    assert d.text == BODY


def test_markdown_heading_becomes_title_and_links_their_text(tmp_path):
    f = tmp_path / "b.md"
    f.write_text(f"# Flood hits town\n\n{BODY} See [the map](https://x.y/map) for **details**.\n")
    d = read_one(f)
    assert d.title == "Flood hits town"
    assert "the map" in d.text and "https://x.y" not in d.text and "**" not in d.text


def test_text_with_front_matter(tmp_path):
    f = tmp_path / "c.txt"
    f.write_text(f"---\ntitle: T\nsource: S\n---\n{BODY}\n")
    assert (read_one(f).title, read_one(f).source) == ("T", "S")


def test_html_main_text_and_metadata(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Flood hits town | Daily News</title><meta name='author' content='Jane Roe'>"
        "<meta property='article:published_time' content='2023-05-01T08:00:00Z'>"
        "<meta property='og:site_name' content='Daily News'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>Flood hits town</h1>"
        f"<p>{BODY}</p><p>Rescue teams worked through the night to reach people trapped upstairs.</p>"
        "</article><aside><h3>More like this</h3><p>Dog up for adoption</p></aside>"
        "<script>var tracking = 1;</script><footer>Copyright Daily News</footer></body></html>")
    d = read_one(f)
    assert d.title.startswith("Flood hits town")
    assert (d.author, d.date, d.source) == ("Jane Roe", "2023-05-01", "Daily News")
    assert "river flooded" in d.text and "Rescue teams" in d.text
    assert "tracking" not in d.text and "adoption" not in d.text and "Copyright" not in d.text


def test_jsonl_reports_bad_lines_by_number_and_keeps_good_ones():
    good = json.dumps({"title": "T", "text": BODY, "url": "https://x/1", "source": "S", "author": "A",
                       "date": "1 May 2023"})
    items = list(parse_jsonl(f"{good}\nnot json\n[1,2]\n{json.dumps({'title': 'x'})}\n", "feed.jsonl"))
    docs = [i for i in items if isinstance(i, Document)]
    failures = [i for i in items if isinstance(i, ParseFailure)]
    assert [d.url for d in docs] == ["https://x/1"] and docs[0].date == "2023-05-01"
    assert [f.path for f in failures] == ["feed.jsonl#L2", "feed.jsonl#L3", "feed.jsonl#L4"]
    assert "invalid JSON" in failures[0].reason and "text" in failures[2].reason


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"   \n\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
    (bytes(range(1, 32)) * 40, "binary"),
])
def test_unusable_bytes_are_refused(data, reason):
    with pytest.raises(BadInputError, match=reason):
        decode(data, max_bytes=10_000)


def test_oversized_file_is_refused(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text(BODY * 100)
    item = list(read_path(f, max_bytes=1_000))[0]
    assert isinstance(item, ParseFailure) and "too large" in item.reason


def test_latin1_is_decoded():
    assert decode("Caf\u00e9 au lait".encode("latin-1"), max_bytes=100) == "Café au lait"


def test_unsupported_type_is_refused():
    with pytest.raises(BadInputError, match="unsupported file type"):
        parse_bytes(b"%PDF-1.4 ...", ".pdf", "x.pdf", max_bytes=100)


def test_bad_front_matter_is_a_clear_error(tmp_path):
    f = tmp_path / "bad.md"
    f.write_text(f"---\ntitle: [unclosed\n---\n{BODY}\n")
    item = read_one(f)
    assert isinstance(item, ParseFailure) and "front matter" in item.reason


def test_page_of_furniture_keeps_its_headline_as_the_text():
    widget = ("1. How relevant is this ad to you?\n\nVideo player was slow to load content Video content never "
              "loaded Ad froze or did not finish loading")
    lines = "\n".join(json.dumps({"title": title, "text": widget, "url": url}) for title, url in (
        ("Sprite will no longer be sold in green bottles", "u1"), ("Walmart is slashing prices", "u2"),
        ("", "u3")))
    items = list(parse_jsonl(lines, "feed.jsonl"))
    assert [d.text for d in items[:2]] == ["Sprite will no longer be sold in green bottles",
                                           "Walmart is slashing prices"]
    assert isinstance(items[2], ParseFailure) and "no article text" in items[2].reason
