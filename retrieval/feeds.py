"""RSS and Atom feeds: their entries, newest first, as links to fetch (and text to fall back on).

feedparser reads the feed from bytes already fetched (never from a URL of its own), so every
request goes through :mod:`retrieval.fetch` and its limits.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass

from retrieval.errors import BadInputError
from retrieval.markup import entry_text
from retrieval.pages import is_link
from retrieval.records import Document

MAX_ENTRIES = 10_000  # entries read from one feed, newest first; the rest are ignored
MAX_SUMMARY_HTML = 1_000_000  # characters of an entry's HTML read
MAX_SUMMARY_CHARS = 100_000  # characters of its text kept


@dataclass(slots=True)
class FeedEntry:
    """One entry of a feed."""

    key: str  # its id, else its link, else a hash of its title and date
    link: str
    title: str
    date: str  # ISO day or ""
    author: str
    summary: str  # plain text of the entry's content or summary
    published: float  # seconds since the epoch, 0 when unknown (for ordering)

    def document(self, source: str) -> Document:
        """The entry as an article of its own (when its page cannot be fetched)."""
        return Document(text=self.summary, title=self.title, source=source, author=self.author,
                        date=self.date, url=self.link)


@dataclass(slots=True)
class ParsedFeed:
    """A feed's title and entries, newest first."""

    title: str
    entries: list[FeedEntry]


def parse_feed(data: bytes, url: str) -> ParsedFeed:
    """Read an RSS or Atom feed.

    Raises:
        BadInputError: it is not a feed (malformed XML with no entries, an HTML page, ...).
    """
    import feedparser

    if declares_entities(data):
        raise BadInputError(f"{url}: the feed declares XML entities (refused: entity expansion can make a small "
                            "feed huge)")
    parsed = feedparser.parse(data, response_headers={"content-location": url,
                                                      "content-type": "application/xml"})
    entries = [entry for item in parsed.entries[:MAX_ENTRIES] if (entry := _entry(item)) is not None]
    if not entries and (parsed.get("bozo") or not parsed.get("version")):  # malformed, or no feed at all
        why = parsed.get("bozo_exception")
        raise BadInputError(f"{url}: not an RSS or Atom feed{f' ({why})' if why else ''}")
    entries.sort(key=lambda e: e.published, reverse=True)
    return ParsedFeed(title=" ".join(str(parsed.feed.get("title", "")).split()), entries=entries)


def declares_entities(data: bytes) -> bool:
    """True when an XML document declares entities (``<!ENTITY``) in any common encoding.

    feedparser's loose parser, used when strict parsing fails, expands internal entities without
    limit (a 3 MB feed gave a 300 MB entry). Feeds have no need of entity declarations.
    """
    head = data.lower()
    return any(marker in head for marker in (b"<!entity", "<!entity".encode("utf-16-le"),
                                              "<!entity".encode("utf-16-be")))


def summary_text(html: str) -> str:
    """Plain text of an entry's HTML, at most :data:`MAX_SUMMARY_CHARS` (see :func:`retrieval.markup.entry_text`)."""
    return entry_text(html[:MAX_SUMMARY_HTML])[:MAX_SUMMARY_CHARS]


def _entry(item: dict) -> FeedEntry | None:
    """An entry with a link or some text; None for an empty one."""
    link = str(item.get("link") or "")
    link = link if is_link(link) else ""
    title = " ".join(str(item.get("title") or "").split())
    content = item.get("content") or []
    html = content[0].get("value", "") if content else str(item.get("summary") or "")
    summary = summary_text(html) if html else ""
    if not link and not summary:
        return None
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    published = float(calendar.timegm(stamp)) if stamp else 0.0
    date = dt.datetime.fromtimestamp(published, dt.UTC).date().isoformat() if stamp else ""
    key = str(item.get("id") or link or hashlib.sha1(f"{title}|{date}|{summary[:200]}".encode()).hexdigest())
    return FeedEntry(key=key[:1000], link=link, title=title, date=date, author=str(item.get("author") or ""),
                     summary=summary, published=published)
