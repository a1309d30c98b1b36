"""Articles from links: fetch pages, read them through the HTML path, report each failure.

A page goes through the same parser as an uploaded ``.html`` file (trafilatura: text,
headline, author, date, publisher). Its identity is its canonical URL (``<link
rel=canonical>`` or ``og:url``) when the page gives one, else the address it was finally
served from, so the same article reached by two links is stored once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from retrieval.errors import BadInputError
from retrieval.fetch import Fetched, Fetcher, FetchError
from retrieval.parsers import ParseFailure, checked, decode, parse_html, parse_text
from retrieval.records import Document

Run = Callable[..., Awaitable[Any]]  # runs a blocking function off the event loop
PAGE_CONCURRENCY = 4


def is_link(text: str) -> bool:
    """True for an http or https link (what ``newsbot ingest`` fetches instead of reading a file)."""
    return text.lower().startswith(("http://", "https://"))


def document_from_page(page: Fetched, *, max_bytes: int, meta: Document | None = None) -> Document:
    """The article on a fetched page.

    Args:
        page: the fetched page (HTML or plain text).
        max_bytes: the size limit for the text.
        meta: metadata known from elsewhere (a feed entry, an admin's options); it wins.

    Raises:
        BadInputError: no article text on the page.
    """
    text = decode(page.body, max_bytes=max_bytes)
    doc = parse_text(text, meta) if page.content_type == "text/plain" else parse_html(text, meta)
    if not is_link(doc.url):
        doc.url = page.final_url
    doc.path = page.url
    return checked(doc)


async def fetch_document(fetcher: Fetcher, url: str, *, max_bytes: int, run: Run = asyncio.to_thread,
                         meta: Document | None = None) -> Document:
    """Fetch one page and read its article (parsing off the event loop).

    Raises:
        FetchError: the page could not be fetched.
        BadInputError: it holds no article.
    """
    page = await fetcher.get(url, "page")
    return await run(document_from_page, page, max_bytes=max_bytes, meta=meta)


async def fetch_documents(fetcher: Fetcher, urls: Iterable[str], *, max_bytes: int, run: Run = asyncio.to_thread,
                          meta: Document | None = None) -> list[Document | ParseFailure]:
    """Fetch pages, a few at a time; a page that fails becomes a :class:`ParseFailure` with its reason.
    ``meta``: metadata that wins over each page's (see :func:`document_from_page`)."""
    limit = asyncio.Semaphore(PAGE_CONCURRENCY)

    async def one(url: str) -> Document | ParseFailure:
        async with limit:
            try:
                return await fetch_document(fetcher, url, max_bytes=max_bytes, run=run, meta=meta)
            except FetchError as exc:
                return ParseFailure(url, exc.reason)
            except BadInputError as exc:
                return ParseFailure(url, str(exc))

    return list(await asyncio.gather(*(one(url) for url in urls)))
