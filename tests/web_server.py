"""A local web server for the fetching, feed and bot tests (and the feed benchmark): real-looking
article pages and RSS/Atom feeds, and the hostile cases — redirects to private addresses,
redirect loops, gzip bombs, slow drips, error statuses, malformed XML, huge feeds."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import gzip
import html
import threading
from dataclasses import dataclass, field

from aiohttp import web

ARTICLE_TEMPLATE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8"><title>{title} | Harbour Gazette</title>
<link rel="canonical" href="{canonical}">
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Harbour Gazette">
<meta name="author" content="{author}"><meta property="article:published_time" content="{date}T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> › <a href="/news">News</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By {author}</p>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Something else entirely</a></li></ul></aside></main>
<footer>© Harbour Gazette. All rights reserved.</footer>
</body></html>"""


@dataclass
class Story:
    """One article the server publishes."""

    slug: str
    title: str
    paragraphs: list[str]
    date: str = "2024-05-02"
    author: str = "Jane Roe"


def article_html(story: Story, base: str) -> str:
    """The page of a story, with canonical link, metadata, navigation and a teaser list."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    return ARTICLE_TEMPLATE.format(title=html.escape(story.title), canonical=f"{base}/news/{story.slug}",
                                   author=story.author, date=story.date, paragraphs=paragraphs)


def rss(title: str, base: str, stories: list[Story], *, summaries: bool = False) -> str:
    """An RSS 2.0 feed of the stories (newest first), links to their pages."""
    items = []
    for story in stories:
        day = dt.datetime.fromisoformat(story.date).replace(hour=8, tzinfo=dt.UTC)
        date = email.utils.format_datetime(day)
        summary = f"<description>{html.escape(' '.join(story.paragraphs))}</description>" if summaries else ""
        items.append(f"<item><title>{html.escape(story.title)}</title><link>{base}/news/{story.slug}</link>"
                     f"<guid>{base}/news/{story.slug}</guid><pubDate>{date}</pubDate>{summary}</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{html.escape(title)}</title>'
            f"<link>{base}/</link><description>Test feed</description>{''.join(items)}</channel></rss>")


def atom(title: str, base: str, stories: list[Story]) -> str:
    """An Atom feed of the stories."""
    entries = "".join(
        f"<entry><title>{html.escape(s.title)}</title><link href=\"{base}/news/{s.slug}\"/>"
        f"<id>tag:test,2024:{s.slug}</id><updated>{s.date}T08:00:00Z</updated>"
        f"<author><name>{s.author}</name></author></entry>" for s in stories)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{html.escape(title)}</title><id>tag:test,2024:feed</id><updated>2024-05-02T08:00:00Z</updated>"
            f"{entries}</feed>")


@dataclass
class LocalSite:
    """The server's content and what it was asked (``requests``: paths, in order)."""

    stories: dict[str, Story] = field(default_factory=dict)
    feeds: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # name -> (title, slugs)
    requests: list[str] = field(default_factory=list)
    flaky: dict[str, int] = field(default_factory=dict)  # path -> failures (503) still to give
    gone: set[str] = field(default_factory=set)  # slugs still in the feeds whose pages answer 404
    busy: set[str] = field(default_factory=set)  # slugs whose pages answer 503
    drip_seconds: float = 0.5
    raw: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # /raw/NAME -> (body, content type)
    base: str = ""
    _runner: web.AppRunner | None = None

    def add_story(self, story: Story) -> Story:
        self.stories[story.slug] = story
        return story

    def add_feed(self, name: str, title: str, slugs: list[str]) -> str:
        self.feeds[name] = (title, slugs)
        return f"{self.base}/feeds/{name}.xml"

    async def start(self) -> str:
        app = web.Application()
        routes = {"/news/{slug}": self._story, "/feeds/{name}.xml": self._feed, "/atom/{name}.xml": self._atom,
                  "/redirect": self._redirect, "/loop": self._loop, "/bomb.html": self._bomb,
                  "/drip.html": self._drip, "/drip.xml": self._drip, "/status/{code}": self._status,
                  "/flaky.html": self._flaky, "/image.png": self._image, "/malformed.xml": self._malformed,
                  "/plain.txt": self._plain, "/raw/{name}": self._raw}
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        app.middlewares.append(self._record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler):
        self.requests.append(request.path_qs)
        return await handler(request)

    async def _story(self, request: web.Request) -> web.Response:
        story = self.stories.get(request.match_info["slug"])
        if story is None or story.slug in self.gone:
            raise web.HTTPNotFound()
        if story.slug in self.busy:
            raise web.HTTPServiceUnavailable()
        return web.Response(text=article_html(story, self.base), content_type="text/html")

    def _feed_stories(self, name: str) -> tuple[str, list[Story]]:
        if name not in self.feeds:
            raise web.HTTPNotFound()
        title, slugs = self.feeds[name]
        return title, [self.stories[s] for s in slugs]

    async def _feed(self, request: web.Request) -> web.Response:
        title, stories = self._feed_stories(request.match_info["name"])
        body = rss(title, self.base, stories, summaries=request.query.get("summaries") == "1")
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def _atom(self, request: web.Request) -> web.Response:
        title, stories = self._feed_stories(request.match_info["name"])
        return web.Response(text=atom(title, self.base, stories), content_type="application/atom+xml")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def _bomb(self, request: web.Request) -> web.Response:
        body = gzip.compress(b"<p>" + b"A" * 50_000_000 + b"</p>", compresslevel=9)  # 50 MB in about 50 KB
        return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        kind = "application/rss+xml" if request.path.endswith(".xml") else "text/html"
        response = web.StreamResponse(headers={"Content-Type": kind})
        await response.prepare(request)
        try:
            for _ in range(600):
                await response.write(b"<p>.</p>")
                await asyncio.sleep(self.drip_seconds)
        except ConnectionError:  # the client gave up, as it should
            pass
        return response

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.Response(status=code, text="no", headers={"Retry-After": "0"} if code == 429 else {})

    async def _flaky(self, request: web.Request) -> web.Response:
        left = self.flaky.get(request.path, 0)
        if left:
            self.flaky[request.path] = left - 1
            return web.Response(status=503, text="busy")
        story = next(iter(self.stories.values()))
        return web.Response(text=article_html(story, self.base), content_type="text/html")

    async def _image(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")

    async def _malformed(self, request: web.Request) -> web.Response:
        return web.Response(text="<rss><channel><title>Broken<item><title>x</channel>",
                            content_type="application/rss+xml")

    async def _raw(self, request: web.Request) -> web.Response:
        body, content_type = self.raw[request.match_info["name"]]
        return web.Response(body=body, headers={"Content-Type": content_type})

    def add_raw(self, name: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        """Serve ``body`` as it is at ``/raw/NAME`` (hostile feeds and pages)."""
        self.raw[name] = (body, content_type)
        return f"{self.base}/raw/{name}"

    async def _plain(self, request: web.Request) -> web.Response:
        return web.Response(text="Harbour strike ends\n\nDock workers ended their nine-day strike on Tuesday after"
                                 " the port agreed to a pay rise for every crane driver.", content_type="text/plain")


def sample_story(number: int, **fields: str) -> Story:
    """A story with enough text to be an article."""
    defaults = dict(slug=f"story-{number}", title=f"Harbour strike day {number}: talks resume",
                    paragraphs=[f"Dock workers at the Lindholm harbour entered day {number} of their strike on "
                                "Tuesday as talks with the port authority resumed in the town hall.",
                                "The strike has stranded forty cargo ships in the bay, and shop owners say "
                                f"deliveries of fresh food have slowed for {number} days.",
                                "A union spokesman said the workers would accept a pay rise of six percent."])
    return Story(**{**defaults, **fields})


@contextlib.contextmanager
def site_in_thread(*stories: Story):
    """A :class:`LocalSite` serving from its own thread and event loop (for code that runs its own,
    such as the command line)."""
    site = LocalSite()
    for story in stories:
        site.add_story(story)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(site.start(), loop).result(10)
    try:
        yield site
    finally:
        asyncio.run_coroutine_threadsafe(site.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
