"""Reading RSS and Atom: entries newest first, links, dates, text; what is not a feed."""

import time

import pytest

from retrieval.errors import BadInputError
from retrieval.feeds import parse_feed, summary_text
from tests.web_server import atom, rss, sample_story

BASE = "https://gazette.example"


def test_rss_entries_newest_first_with_links_and_dates():
    stories = [sample_story(1, date="2024-05-01"), sample_story(2, date="2024-05-03"), sample_story(3)]
    feed = parse_feed(rss("Harbour news", BASE, stories, summaries=True).encode(), BASE + "/feed.xml")
    assert feed.title == "Harbour news"
    assert [e.link for e in feed.entries] == [f"{BASE}/news/story-2", f"{BASE}/news/story-3", f"{BASE}/news/story-1"]
    first = feed.entries[0]
    assert first.date == "2024-05-03" and first.key == f"{BASE}/news/story-2" and "Lindholm" in first.summary
    assert first.document("Harbour news").source == "Harbour news"


def test_atom_entries_have_their_ids_and_authors():
    feed = parse_feed(atom("Atom news", BASE, [sample_story(5)]).encode(), BASE + "/atom.xml")
    assert feed.entries[0].key == "tag:test,2024:story-5" and feed.entries[0].author == "Jane Roe"


@pytest.mark.parametrize("data", [b"<html><body><p>Just a page</p></body></html>",
                                  b"<rss><channel><title>Broken<item><title>x</channel>", b"\x00\x01garbage"])
def test_what_is_not_a_feed_is_refused_clearly(data):
    with pytest.raises(BadInputError, match="not an RSS or Atom feed"):
        parse_feed(data, "https://x.example/feed")


def test_a_feed_of_thousands_of_entries_is_read_quickly():
    stories = [sample_story(n, date=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}") for n in range(5000)]
    data = rss("Big", BASE, stories).encode()
    started = time.monotonic()
    feed = parse_feed(data, BASE)
    assert len(feed.entries) == 5000 and time.monotonic() - started < 20
    assert feed.entries[0].published >= feed.entries[-1].published


def test_entry_html_becomes_paragraphs_of_plain_text():
    assert summary_text("<p>The <b>mayor</b> said &amp; left.</p><p>Then<br>more</p><script>x()</script>") == \
        "The mayor said & left.\n\nThen\n\nmore"
