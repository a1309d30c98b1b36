"""Articles by link: the page read through the HTML path, its canonical URL as identity."""

import pytest

from config.allow_list import AllowList
from retrieval.fetch import Fetched, Fetcher, FetchPolicy
from retrieval.ingest import ingest_documents
from retrieval.pages import document_from_page, fetch_documents, is_link
from retrieval.parsers import ParseFailure
from retrieval.records import Document
from tests.web_server import LocalSite, article_html, sample_story


@pytest.fixture
async def site():
    server = LocalSite()
    await server.start()
    for number in (1, 2):
        server.add_story(sample_story(number))
    yield server
    await server.stop()


def page(body: str, content_type="text/html", url="http://a.example/x", final=None) -> Fetched:
    return Fetched(url, final or url, 200, content_type, body.encode())


def test_the_page_gives_text_headline_author_date_publisher_and_canonical_url():
    doc = document_from_page(page(article_html(sample_story(3), "https://gazette.example")), max_bytes=10**6)
    assert doc.title == "Harbour strike day 3: talks resume" and doc.author == "Jane Roe"
    assert doc.date == "2024-05-02" and doc.source == "Harbour Gazette"
    assert doc.url == "https://gazette.example/news/story-3" and doc.path == "http://a.example/x"
    assert "forty cargo ships" in doc.text and "Something else entirely" not in doc.text


def test_without_a_canonical_link_the_final_address_is_the_identity():
    body = article_html(sample_story(4), "x").replace('<link rel="canonical" href="x/news/story-4">', "")
    doc = document_from_page(page(body, final="https://b.example/final"), max_bytes=10**6)
    assert doc.url == "https://b.example/final"


def test_plain_text_pages_and_metadata_that_wins():
    text = "Harbour strike ends\n\nDock workers ended their nine-day strike on Tuesday after a pay rise."
    doc = document_from_page(page(text, "text/plain"), max_bytes=10**6, meta=Document(text="", source="Wire"))
    assert doc.title == "Harbour strike ends" and doc.source == "Wire"


def test_links_are_told_from_paths():
    assert is_link("https://x.example/a") and is_link("HTTP://x") and not is_link("articles/a.html")


async def test_pages_are_fetched_a_few_at_a_time_and_failures_reported(site, library):
    links = [f"{site.base}/news/story-1", f"{site.base}/news/story-2", f"{site.base}/news/missing",
             f"{site.base}/image.png", f"{site.base}/redirect?to=/news/story-1"]
    async with Fetcher(FetchPolicy(allow=AllowList.parse("127.0.0.1"))) as fetcher:
        items = await fetch_documents(fetcher, links, max_bytes=10**6)
    failures = [i for i in items if isinstance(i, ParseFailure)]
    assert [f.reason for f in failures] == ["the server answered HTTP 404",
                                            "not a web page (content type image/png)"]
    report = ingest_documents(library, items)
    assert (report.added, report.unchanged, report.failed) == (2, 1, 2)  # the redirect reached story 1 again
    assert {a.url for a in library.articles()} == {f"{site.base}/news/story-1", f"{site.base}/news/story-2"}
