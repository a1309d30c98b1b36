"""What the cogs call: searches and library changes run in worker threads, never on the event loop.

A bounded pool runs the work; a cap on in-flight searches queues the excess and politely
refuses once the queue is full, so a flood of questions cannot exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.jobs import ImportJob, ImportJobs
from bot.metrics import Metrics
from config.settings import Settings
from retrieval.activity import Activity, GuildSettings
from retrieval.digests import DigestSchedules
from retrieval.errors import BadInputError, NewsbotError
from retrieval.feed_store import Feed, FeedFilter, FeedStore
from retrieval.fetch import Fetcher, FetchPolicy
from retrieval.follows import FollowStore
from retrieval.format import filters_note
from retrieval.ingest import IngestReport, ingest_documents
from retrieval.library import Library
from retrieval.pages import fetch_documents
from retrieval.parsers import parse_upload
from retrieval.poller import FeedPoller, PollReport
from retrieval.records import Answer, Article, Document, Filters
from retrieval.sandbox import sandbox_from_settings
from retrieval.search import Searcher, SearchOptions, clean_question
from retrieval.stories import Story, StoryIndex, digest
from retrieval.timeline import TimelineEntry, timeline_for_question

logger = logging.getLogger(__name__)
T = TypeVar("T")
WORKER_THREADS = 2
READ_THREADS = 2
MAX_RESULTS = 30  # results a question can page through


class BusyError(NewsbotError):
    """Too many questions are waiting; the asker should try again shortly."""


class CooldownError(NewsbotError):
    """The user asked too often; ``retry_after`` seconds until the next question."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"You're asking quickly! Try again in {retry_after:.0f} s.")
        self.retry_after = retry_after


@dataclasses.dataclass(slots=True)
class ServerSetup:
    """What ``/help`` shows about a server: its settings, feeds and library."""

    settings: GuildSettings
    results: int
    min_score: float
    reply_style: str
    feeds: list[Feed]
    articles: int
    newest: str
    sources: list[str]


@dataclasses.dataclass(slots=True)
class StoryNotice:
    """One story in a channel's feed notice: the first report of it, how many came, from which feeds."""

    story_id: int | None
    title: str
    link: str
    copies: int = 0
    feeds: set[str] = dataclasses.field(default_factory=set)


class NewsService:
    """The bot's access to the library, settings and activity log."""

    def __init__(self, settings: Settings, library: Library) -> None:
        """Serve ``library`` with the operator's ``settings``."""
        self.settings = settings
        self.library = library
        self.searcher = Searcher(library)
        self.activity = Activity(library.store)
        self._executor = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="newsbot-worker")
        # settings, feedback, lists and autocomplete: small reads that never queue behind searches
        self._read_executor = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="newsbot-read")
        # uploads and links import as background jobs on threads of their own, one per server at a time
        self._import_executor = ThreadPoolExecutor(settings.import_workers, thread_name_prefix="newsbot-import")
        self.jobs = ImportJobs(settings.import_queue)
        # feeds import on their own thread: a poll that embeds fifty articles never queues questions
        self._feed_executor = ThreadPoolExecutor(1, thread_name_prefix="newsbot-feeds")
        self.feeds = FeedStore(library.store)
        self.stories = StoryIndex(library)
        self.follows = FollowStore(library, self.stories)
        self.digests = DigestSchedules(library.store)
        # pages, feeds and uploads are parsed in worker processes under time and memory limits
        self.sandbox = sandbox_from_settings(settings)
        self.metrics = Metrics(settings.shard_count)
        self._fetcher: Fetcher | None = None
        self._poller: FeedPoller | None = None
        self._slots: asyncio.Semaphore | None = None
        self._queued = 0
        self.max_queued = settings.max_inflight_searches * 8
        self._recent: dict[int, deque[float]] = {}

    async def run(self, func: Callable[..., T], *args, **kwargs) -> T:
        """Run blocking library work in the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    async def read(self, func: Callable[..., T], *args, **kwargs) -> T:
        """Run a small read or write (settings, feedback, lists, autocomplete) on threads that
        searches and imports never occupy, so it answers within Discord's 3 seconds."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_executor, functools.partial(func, *args, **kwargs))

    async def run_import(self, func: Callable[..., T], *args, **kwargs) -> T:
        """Run the blocking part of an import (embedding, writing) on the import workers."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._import_executor, functools.partial(func, *args, **kwargs))

    async def run_feed_work(self, func: Callable[..., T], *args, **kwargs) -> T:
        """Run blocking work of the feed poller (parsing, embedding) on its own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._feed_executor, functools.partial(func, *args, **kwargs))

    def close(self) -> None:
        """Stop the worker threads."""
        self.jobs.close()
        for executor in (self._executor, self._read_executor, self._import_executor):
            executor.shutdown(wait=False, cancel_futures=True)
        self._feed_executor.shutdown(wait=False, cancel_futures=True)
        self.sandbox.close()

    async def close_web(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)
            self._fetcher = self._poller = None

    async def poller(self) -> FeedPoller:
        """The feed poller and its HTTP client (opened on first use, inside the event loop)."""
        if self._poller is None:
            self._fetcher = await Fetcher(FetchPolicy.from_settings(self.settings)).__aenter__()
            self._poller = FeedPoller(self.library, self.feeds, self._fetcher,
                                      interval=self.settings.feed_interval_minutes * 60,
                                      max_new=self.settings.feed_max_new, max_bytes=self.settings.max_file_bytes,
                                      run=self.run_feed_work, parse=self.sandbox.run_async)
        return self._poller

    # --- asking ---------------------------------------------------------------------------
    def check_cooldown(self, user_id: int) -> None:
        """Count one question for a user.

        Raises:
            CooldownError: the user is over the limit.
        """
        if self.settings.cooldown_seconds <= 0:
            return
        now = time.monotonic()
        window = self._recent.setdefault(user_id, deque())
        while window and now - window[0] >= self.settings.cooldown_seconds:
            window.popleft()
        if len(window) >= self.settings.cooldown_questions:
            raise CooldownError(self.settings.cooldown_seconds - (now - window[0]))
        window.append(now)
        if len(self._recent) > 10_000:  # forget idle users so the map stays small
            self._recent = {u: w for u, w in self._recent.items() if w and now - w[-1] < self.settings.cooldown_seconds}

    def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (defaults outside servers)."""
        return self.activity.settings(guild_id) if guild_id else GuildSettings(0)

    def options(self, guild: GuildSettings, k: int | None = None, filters: Filters = Filters()) -> SearchOptions:
        """Search options from the operator's settings and the server's overrides."""
        return SearchOptions.from_settings(
            self.settings, k=k or guild.results or self.settings.results,
            min_score=guild.min_score if guild.min_score is not None else self.settings.min_score,
            filters=filters)

    async def ask(self, question: str, guild_id: int | None, k: int | None = None,
                  filters: Filters = Filters()) -> tuple[Answer, int]:
        """Answer a question for a server and log it.

        Returns:
            The answer and the logged question's id.

        Raises:
            BadInputError: the question is empty or too long.
            BusyError: too many questions are waiting.
        """
        question = clean_question(question, self.settings.max_question_chars)
        started = time.perf_counter()
        try:
            async with self._slot():
                guild = await self.run(self.guild_settings, guild_id)
                answer = await self.run(self.searcher.ask, question, self.options(guild, k, filters),
                                        [None, guild_id])
                qid = await self.run(self.activity.record_question, guild_id, question, answer.answered,
                                     answer.confidence, len(answer.hits), filters)
        except Exception:
            self.metrics.question(guild_id, None, time.perf_counter() - started)
            raise
        self.metrics.question(guild_id, answer.answered, time.perf_counter() - started)
        return answer, qid

    async def more(self, question_id: int, guild_id: int | None, offset: int | None = None,
                   extra: int = 5) -> Answer | None:
        """The results of a logged question after the first ``offset`` (default: those shown), ``extra``
        more (None when it is unknown or another server's)."""
        async with self._slot():
            logged = await self.run(self.activity.question, question_id)
            if logged is None or logged.guild_id != guild_id:
                return None
            guild = await self.run(self.guild_settings, guild_id)
            start = logged.shown if offset is None else offset
            options = dataclasses.replace(self.options(guild, min(start + extra, MAX_RESULTS), logged.filters),
                                          cutoff=0.0)  # the rest, however far below the best
            answer = await self.run(self.searcher.ask, logged.question, options, [None, guild_id])
        answer.hits = answer.hits[start:]
        return answer

    def server_setup(self, guild_id: int | None) -> ServerSetup:
        """A server's setup for ``/help`` (blocking: run it with :meth:`read`)."""
        guild = self.guild_settings(guild_id)
        scopes = [None, guild_id]
        return ServerSetup(
            guild, guild.results or self.settings.results,
            guild.min_score if guild.min_score is not None else self.settings.min_score,
            guild.reply_style or self.settings.reply_style,
            self.feeds.list(guild_id) if guild_id else [], self.library.store.count("articles"),
            self.library.store.newest_date(scopes), self.library.store.sources(scopes, "", 5))

    async def why_not(self, filters: Filters, guild_id: int | None) -> str:
        """For a question not answered: the filters in force and whether any article passes them
        ("" without source or date filters)."""
        return await self.read(filters_note, self.library.store, filters, [None, guild_id])

    async def sources(self, guild_id: int | None, like: str) -> list[str]:
        """Publishers a server's questions can be limited to, matching what is typed (autocomplete)."""
        return await self.read(self.library.store.sources, [None, guild_id], like, 25)

    async def authors(self, guild_id: int | None, like: str) -> list[str]:
        """Writers a server's questions can be limited to, matching what is typed (autocomplete)."""
        return await self.read(self.library.store.authors, [None, guild_id], like, 25)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """A place among the searches in flight; refuse at once when even the queue is full."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_inflight_searches)
        if self._queued >= self.max_queued:
            raise BusyError("I'm answering a lot of questions right now; please ask again in a moment.")
        self._queued += 1
        try:
            async with self._slots:
                yield
        finally:
            self._queued -= 1

    # --- library --------------------------------------------------------------------------
    async def add_file(self, name: str, data: bytes, guild_id: int | None, meta: Document,
                       job: ImportJob | None = None) -> IngestReport:
        """Parse an uploaded file and add its articles to a server's library (None: the global one),
        on the import workers; ``job`` counts the progress and may cancel it between batches."""
        label = f"discord:{guild_id or 'global'}/{name}"
        try:
            items = await self.sandbox.run_async(parse_upload, data, name, label,
                                                 max_bytes=self.settings.max_file_bytes, meta=meta)
        except NewsbotError:
            self.metrics.ingest(guild_id, "upload", {"failed": 1})
            raise
        return await self._import(items, guild_id, "upload", job)

    async def add_url(self, url: str, guild_id: int | None, meta: Document,
                      job: ImportJob | None = None) -> IngestReport:
        """Fetch a page and add its article to a server's library (None: the global one; a failure
        is in the report)."""
        poller = await self.poller()
        items = await fetch_documents(poller.fetcher, [url], max_bytes=self.settings.max_file_bytes,
                                      run=self.sandbox.run_async, meta=meta)
        return await self._import(items, guild_id, "link", job)

    async def _import(self, items: list, guild_id: int | None, source: str, job: ImportJob | None) -> IngestReport:
        report = IngestReport()
        if job is not None:
            job.total, job.report = len(items), report
        try:
            await self.run_import(ingest_documents, self.library, items, report, guild_id,
                                  job.advance if job is not None else None)
        finally:
            self._count_ingest(guild_id, source, report)
        await self.run_import(self.stories.catch_up)  # every article joins a story as it arrives
        return report

    def _count_ingest(self, guild_id: int | None, source: str, report: IngestReport) -> None:
        self.metrics.ingest(guild_id, source, {"added": report.added, "updated": report.updated,
                                               "unchanged": report.unchanged, "failed": report.failed})

    def feeds_with_filters(self, guild_id: int | None) -> list[tuple[Feed, FeedFilter]]:
        """A server's feeds, each with its keyword filters and why items were not posted (blocking)."""
        return [(feed, self.feeds.filters(feed.id)) for feed in self.feeds.list(guild_id)]

    async def follow(self, url: str, guild_id: int, channel_id: int | None) -> tuple[Feed, int]:
        """Check that ``url`` is a feed, then follow it for a server; (the feed, its entries now).

        Raises:
            FetchError: it cannot be fetched.
            BadInputError: it is not a feed, or it is followed already.
        """
        parsed = await (await self.poller()).check(url)
        feed = await self.run(self.feeds.add, url, guild_id, parsed.title, channel_id)
        return feed, len(parsed.entries)

    async def poll_due(self) -> list[PollReport]:
        """Poll every feed whose time has come (all servers'); what they added joins its stories."""
        reports = await (await self.poller()).poll_due()
        if any(report.added for report in reports):
            await self.run_feed_work(self.stories.catch_up)
        for report in reports:
            guild_id = report.feed.guild_id
            outcome = "failed" if report.error else "not_modified" if report.not_modified else "ok"
            self.metrics.poll(guild_id, outcome)
            self.metrics.ingest(guild_id, "feed", {"added": len(report.added), "unchanged": report.unchanged,
                                                   "failed": len(report.failed)})
        return reports

    def story_notices(self, reports: list[PollReport]) -> dict[int, list[StoryNotice]]:
        """What to announce of a poll round, per channel: one notice per story (however many feeds
        or copies brought it), and only stories never announced in that channel before. Blocking."""
        grouped: dict[int, dict[int | str, StoryNotice]] = {}
        for report in reports:
            channel = report.feed.channel_id
            if not channel or not report.added:
                continue
            story_of = self.stories.stories_of_links([link for _, link in report.added], report.feed.guild_id)
            for title, link in report.added:
                story = story_of.get(link)
                key: int | str = link if story is None else story  # not placed: a story of its own
                notice = grouped.setdefault(channel, {}).setdefault(key, StoryNotice(story, title, link))
                notice.copies += 1
                notice.feeds.add(report.feed.title or report.feed.url)
        out, posted = {}, set()
        for channel, notices in grouped.items():
            fresh = set(self.stories.first_notices(channel, [k for k in notices if isinstance(k, int)]))
            kept = [n for k, n in notices.items() if not isinstance(k, int) or k in fresh]
            posted.update(n.link for n in kept)
            if kept:
                out[channel] = kept
        for report in reports:  # why the rest were not posted: copies of a story told (now or before)
            if report.feed.channel_id and report.added:
                self.feeds.count_unposted(report.feed.id, folded=sum(link not in posted for _, link in report.added))
        return out

    async def story(self, guild_id: int | None, about: str = "") -> list[Story]:
        """The story that best answers ``about`` (the latest stories when it is empty), as the
        server sees it."""
        await self.run(self.stories.catch_up)
        if not about:
            return (await self.read(self.stories.stories, [None, guild_id]))[:10]
        answer, _ = await self.ask(about, guild_id)
        if not answer.answered or not answer.hits:
            return []
        found = await self.read(self.stories.story_of, [answer.hits[0].article.id])
        story_ids = list(found.values())
        return await self.read(self.stories.stories, [None, guild_id], story_ids=story_ids) if story_ids else []

    async def digest(self, guild_id: int | None, since: str, until: str) -> list[Story]:
        """The period's stories as the server sees them, most covered first."""
        await self.run(self.stories.catch_up)
        return await self.read(digest, self.stories, [None, guild_id], since, until)

    async def timeline(self, question_id: int, guild_id: int | None) -> tuple[str, list[TimelineEntry]]:
        """The timeline of a logged question, as its server sees the library (up to its asking day).

        Raises:
            BadInputError: the question is unknown or another server's.
        """
        logged = await self.read(self.activity.question, question_id)
        if logged is None or logged.guild_id != guild_id:
            raise BadInputError("I no longer know that question; ask it again.")
        async with self._slot():
            entries = await self.run(timeline_for_question, self.library, logged.question, dates=8,
                                     sentences_per_date=1, until=logged.filters.as_of or "", scopes=[None, guild_id])
        return logged.question, entries

    async def library_health(self) -> str | None:
        """None when the library answers (its version, its article count), else the reason."""
        try:
            await self.run(self.library.version)
            await self.run(self.library.store.count, "articles")
        except NewsbotError as exc:
            return f"the library: {exc}"
        return None

    async def articles(self, guild_id: int, *, own_only: bool = False, title_like: str = "",
                       offset: int = 0, limit: int = 10) -> list[Article]:
        """Articles a server can see (global and its own), or only its own."""
        scopes = [guild_id] if own_only else [None, guild_id]
        return await self.read(self.library.articles, scopes, offset=offset, limit=limit, title_like=title_like)

    async def article(self, article_id: int, guild_id: int) -> Article | None:
        """One article, if the server can see it."""
        article = await self.read(self.library.store.get_article, article_id)
        if article is None or article.guild_id not in (None, guild_id):
            return None
        return article

    async def remove(self, article_id: int, guild_id: int) -> Article:
        """Remove one of a server's own articles."""
        return await self.read(self.library.remove, article_id, guild_id)

