"""Polling followed feeds: fetch each feed, fetch its new entries' pages, add them to the library.

A feed is asked with its ETag and Last-Modified (a 304 costs nothing), its new entries' pages
are fetched a few at a time (an entry whose page cannot be fetched is stored from the feed's
own text when it has enough, retried at later polls when the failure may pass), and the
articles go into the feed's scope: the server that follows it, or the global library. Each
feed's next poll is set from the interval, doubled after each failure in a row (up to a day),
with a tenth of jitter so feeds added together do not stay in step. A feed that is slow,
dead or hostile costs only its own slot: every request has a timeout and every poll a deadline.
Blocking work (parsing, embedding, the store) runs off the event loop through ``run``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field

from retrieval.errors import BadInputError
from retrieval.feed_store import Feed, FeedStore
from retrieval.feeds import FeedEntry, ParsedFeed, parse_feed
from retrieval.fetch import Fetcher, FetchError
from retrieval.library import Library
from retrieval.pages import PAGE_CONCURRENCY, Run, fetch_document
from retrieval.parsers import checked
from retrieval.records import Document

logger = logging.getLogger(__name__)

MAX_BACKOFF = 24 * 3600.0
MIN_SUMMARY_CHARS = 200  # an entry's own text stands in for its page only when it says this much


@dataclass(slots=True)
class PollReport:
    """What one poll of one feed did."""

    feed: Feed
    entries: int = 0
    new: int = 0
    added: list[tuple[str, str]] = field(default_factory=list)  # (title, link) of the articles added
    unchanged: int = 0
    skipped: int = 0
    filtered: int = 0  # new entries the feed's keyword filters left out
    failed: list[tuple[str, str]] = field(default_factory=list)  # (link, reason)
    not_modified: bool = False
    error: str = ""

    def summary(self) -> str:
        """One line for a person."""
        name = self.feed.title or self.feed.url
        if self.error:
            return f"{name}: failed: {self.error}"
        if self.not_modified:
            return f"{name}: not modified"
        return (f"{name}: {self.entries} entries, {self.new} new: added {len(self.added)}, unchanged {self.unchanged},"
                f" skipped {self.skipped}, filtered {self.filtered}, failed {len(self.failed)}")


def next_poll_time(now: float, interval: float, failures: int, rng: random.Random | None = None) -> float:
    """When to poll again: the interval, doubled per failure in a row (at most a day), ±10% jitter."""
    wait = min(interval * 2 ** min(failures, 16), max(MAX_BACKOFF, interval))
    return now + wait * (rng or random).uniform(0.9, 1.1)


class FeedPoller:
    """Polls feeds into a library."""

    def __init__(self, library: Library, feeds: FeedStore, fetcher: Fetcher, *, interval: float = 1800.0,
                 max_new: int = 50, max_bytes: int = 5_000_000, run: Run = asyncio.to_thread,
                 parse: Run = asyncio.to_thread, concurrency: int = 4, deadline: float = 300.0) -> None:
        """Poll into ``library`` through ``fetcher``.

        Args:
            library: where new articles go.
            feeds: the followed feeds and their state.
            fetcher: an open :class:`Fetcher` (its policy bounds every request).
            interval: seconds between two polls of a healthy feed.
            max_new: new entries taken from one poll (the newest; older new ones are skipped).
            max_bytes: the size limit for a page's text.
            run: runs blocking work off the event loop (the library, the feed table).
            parse: runs the parsing of what was fetched (feeds, pages): pass
                :meth:`retrieval.sandbox.Sandbox.run_async` for content from outside.
            concurrency: feeds polled at once.
            deadline: seconds one feed's poll may take before it is cut off as failed.
        """
        self.library, self.feeds, self.fetcher = library, feeds, fetcher
        self.interval, self.max_new, self.max_bytes = interval, max_new, max_bytes
        self.run, self.parse, self.deadline = run, parse, deadline
        self._slots = asyncio.Semaphore(concurrency)

    async def check(self, url: str) -> ParsedFeed:
        """Fetch and read a feed once (to follow it only if it is one).

        Raises:
            FetchError: it cannot be fetched.
            BadInputError: it is not a feed.
        """
        fetched = await self.fetcher.get(url, "feed")
        return await self.parse(parse_feed, fetched.body, fetched.final_url)

    async def poll_due(self) -> list[PollReport]:
        """Poll every feed whose time has come (and no other process has taken)."""
        return await self.poll_many(await self.run(self.feeds.claim_due, self.deadline * 2))

    async def poll_many(self, feeds: list[Feed]) -> list[PollReport]:
        """Poll the given feeds, a few at a time; one feed's failure never stops the others."""
        return list(await asyncio.gather(*(self._guarded(feed) for feed in feeds)))

    async def _guarded(self, feed: Feed) -> PollReport:
        async with self._slots:
            try:
                return await asyncio.wait_for(self.poll(feed), self.deadline)
            except TimeoutError:
                return await self._failed(feed, f"the poll took longer than {self.deadline:g} s")
            except Exception as exc:  # a feed must never take the poller down; logged with its trace
                logger.exception("polling %s failed", feed.url)
                return await self._failed(feed, f"unexpected error: {exc}")

    async def poll(self, feed: Feed) -> PollReport:
        """Poll one feed now and add its new entries."""
        report = PollReport(feed)
        conditional = not await self.run(self.feeds.pending, feed.id)  # entries to retry: read it anyway
        try:
            fetched = await self.fetcher.get(feed.url, "feed", etag=feed.etag if conditional else "",
                                             last_modified=feed.modified if conditional else "")
        except FetchError as exc:
            return await self._failed(feed, exc.reason)
        if fetched.not_modified:
            report.not_modified = True
            await self.run(self.feeds.polled, feed, next_poll=next_poll_time(time.time(), self.interval, 0))
            return report
        try:
            parsed = await self.parse(parse_feed, fetched.body, fetched.final_url)
        except BadInputError as exc:
            return await self._failed(feed, str(exc).removeprefix(f"{fetched.final_url}: "))
        report.entries = len(parsed.entries)
        await self._take_new(feed, parsed, report)
        await self.run(self.feeds.polled, feed, next_poll=next_poll_time(time.time(), self.interval, 0),
                       etag=fetched.etag, modified=fetched.last_modified, title=parsed.title,
                       added=len(report.added))
        return report

    async def _take_new(self, feed: Feed, parsed: ParsedFeed, report: PollReport) -> None:
        """Fetch the newest unseen entries' pages and add them; record every entry's fate."""
        unseen = await self.run(self.feeds.unseen, feed.id, [e.key for e in parsed.entries])
        new = [e for e in parsed.entries if e.key in unseen]
        report.new = len(new)
        rules = await self.run(self.feeds.filters, feed.id)
        kept = [e for e in new if rules.keeps(f"{e.title}\n{e.summary}")]
        report.filtered = len(new) - len(kept)
        kept_keys = {e.key for e in kept}
        states = {e.key: "filtered" for e in new if e.key not in kept_keys}
        new = kept
        report.skipped = max(0, len(new) - self.max_new)
        states.update({e.key: "skipped" for e in new[self.max_new:]})
        limit = asyncio.Semaphore(PAGE_CONCURRENCY)
        found = await asyncio.gather(*(self._document(e, parsed.title or feed.url, limit) for e in new[:self.max_new]))
        documents = []
        for entry, (doc, state, reason) in zip(new[:self.max_new], found):
            states[entry.key] = state
            if doc is not None:
                documents.append((entry, doc))
            elif reason:
                report.failed.append((entry.link or entry.title, reason))
        if documents:
            statuses = await self.run(self.library.add_documents, [d for _, d in documents], feed.guild_id)
            for (_, doc), status in zip(documents, statuses):
                if status == "unchanged":
                    report.unchanged += 1
                else:
                    report.added.append((doc.title, doc.url))
        await self.run(self.feeds.mark, feed.id, states)
        await self.run(self.feeds.count_unposted, feed.id, filtered=report.filtered)

    async def _document(self, entry: FeedEntry, source: str, limit: asyncio.Semaphore
                        ) -> tuple[Document | None, str, str]:
        """(the entry's article or None, its state, why it failed)."""
        meta = Document(text="", title=entry.title, author=entry.author, date=entry.date)
        reason, transient = "no link and too little text", False
        if entry.link:
            async with limit:
                try:
                    doc = await fetch_document(self.fetcher, entry.link, max_bytes=self.max_bytes, run=self.parse,
                                               meta=meta)
                    doc.source = doc.source or source
                    return doc, "added", ""
                except FetchError as exc:
                    reason, transient = exc.reason, exc.transient
                except BadInputError as exc:
                    reason = str(exc)
        if len(entry.summary) >= MIN_SUMMARY_CHARS:
            try:
                return checked(entry.document(source)), "added", ""
            except BadInputError:
                pass
        return None, "retry" if transient else "failed", reason

    async def _failed(self, feed: Feed, error: str) -> PollReport:
        """Record a failed poll (the next one backs off) and report it."""
        logger.warning("feed %s: %s", feed.url, error)
        await self.run(self.feeds.polled, feed, error=error,
                       next_poll=next_poll_time(time.time(), self.interval, feed.failures + 1))
        return PollReport(feed, error=error)
