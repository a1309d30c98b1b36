"""Hostile feeds polled while questions are answered: the event loop's largest stall and question latency.

A local server (tests/web_server.py) publishes the feeds an attacker would add with `/feeds add`:
an entry of escaped ``<script`` repeated (the shape that made the old expressions quadratic), a
billion-laughs entity bomb, a feed of deeply nested markup, and one honest feed. They are polled
the way the bot polls (fetching on the event loop, the library on a worker thread) while 50
questions are asked through the bot's two worker threads, 40 ms apart. Three arrangements:

- ``old``: the expressions this project used before, parsing on a thread (what the bot did);
- ``thread``: today's linear parsing, still on a thread of the bot's process;
- ``sandbox``: today's parsing in the parser worker processes (what the bot does now).

Printed per arrangement: the poll's time and what each feed came to, the largest event-loop
stall (how late a 10 ms sleeper wakes), and the questions' p50 / p95 / max latency.

    .venv/bin/python benchmarks/hostile_feeds.py [--size 120000]
"""

from __future__ import annotations

import argparse
import asyncio
import html as html_lib
import os
import platform
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import retrieval.feeds  # noqa: E402
from config.allow_list import AllowList  # noqa: E402
from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.feed_store import FeedStore  # noqa: E402
from retrieval.fetch import Fetcher, FetchPolicy  # noqa: E402
from retrieval.ingest import ensure_seeded  # noqa: E402
from retrieval.poller import FeedPoller  # noqa: E402
from retrieval.sandbox import Limits, Sandbox  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402
from tests.bot.fake_discord import StallMonitor  # noqa: E402
from tests.web_server import LocalSite, sample_story  # noqa: E402

QUESTIONS = ["Where did the North Korean containers go?", "Who announced the shipments?",
             "What did the White House release?", "How many containers were delivered?",
             "Where is Tikhoretsk?"] * 10


def old_summary_text(html: str) -> str:
    """The entry text as the project computed it before (quadratic on hostile input)."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html)
    block_end = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>")
    text = re.sub(r"<[^>]*>", "", block_end.sub("\n\n", text))
    paragraphs = (" ".join(p.split()) for p in html_lib.unescape(text).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def rss(description: str, prolog: str = "", link: str = "") -> bytes:
    return (f"<?xml version='1.0'?>{prolog}<rss version='2.0'><channel><title>Hostile</title><item><title>Entry"
            f"</title><link>{link}</link><description>{description}</description></item></channel></rss>").encode()


def atom_text(text: str) -> bytes:
    """An Atom feed of one entry whose content is plain text (feedparser leaves it as it is)."""
    return (f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Hostile</title><entry>"
            f"<title>Entry</title><id>e1</id><content type='text'>{html_lib.escape(text)}</content></entry></feed>"
            ).encode()


def hostile_feeds(site: LocalSite, size: int) -> dict[str, str]:
    laughs = "".join('<!ENTITY l{} "{}">'.format(n, f"&l{n - 1};" * 10) for n in range(1, 10))
    site.add_story(sample_story(1))
    return {
        "script flood": site.add_raw("script.xml", atom_text("<script" * (size // 7)), "application/atom+xml"),
        "entity bomb": site.add_raw("bomb.xml", rss("&l9;", f'<!DOCTYPE rss [<!ENTITY l0 "ha">{laughs}]>')),
        "deep nesting": site.add_raw("deep.xml", rss(html_lib.escape("<div>" * (size // 5)))),
        "honest": site.add_feed("honest", "Honest news", ["story-1"]),
    }


async def ask_all(searcher: Searcher, pool: ThreadPoolExecutor) -> list[float]:
    loop = asyncio.get_running_loop()
    options = SearchOptions(min_score=0.0)

    async def one(question: str) -> float:
        started = time.perf_counter()
        await loop.run_in_executor(pool, searcher.ask, question, options)
        return (time.perf_counter() - started) * 1000

    tasks = []
    for question in QUESTIONS:
        tasks.append(asyncio.create_task(one(question)))
        await asyncio.sleep(0.04)
    return list(await asyncio.gather(*tasks))


async def arrangement(name: str, size: int, sandbox: Sandbox) -> str:
    data = Path(tempfile.mkdtemp(prefix=f"newsbot-hostile-{name}-"))
    settings = load_settings(data_dir=data, seeds_dir=Path(__file__).resolve().parent.parent / "seeds")
    library = open_library(settings)
    ensure_seeded(library, settings.seeds_dir, settings.max_file_bytes)
    searcher = Searcher(library)
    searcher.ask("warm up", SearchOptions())
    site = LocalSite()
    await site.start()
    store = FeedStore(library.store)
    feeds = {label: store.add(url, None) for label, url in hostile_feeds(site, size).items()}
    questions_pool = ThreadPoolExecutor(2, thread_name_prefix="newsbot-worker")
    feeds_pool = ThreadPoolExecutor(1, thread_name_prefix="newsbot-feeds")
    loop = asyncio.get_running_loop()

    async def on_feed_thread(func, *args, **kwargs):
        return await loop.run_in_executor(feeds_pool, lambda: func(*args, **kwargs))

    retrieval.feeds.summary_text = old_summary_text if name == "old" else summary_text
    parse = sandbox.run_async if name == "sandbox" else on_feed_thread
    monitor = StallMonitor()
    started = time.perf_counter()
    async with Fetcher(FetchPolicy(allow=AllowList.parse("127.0.0.1"), max_bytes=20_000_000)) as fetcher:
        poller = FeedPoller(library, store, fetcher, run=on_feed_thread, parse=parse, deadline=600)
        polled, latencies = await asyncio.gather(poller.poll_many(list(feeds.values())),
                                                 ask_all(searcher, questions_pool))
    took = time.perf_counter() - started
    monitor.task.cancel()
    outcome = "; ".join(f"{label}: {report.error or f'{len(report.added)} added, {len(report.failed)} failed'}"
                        for label, report in zip(feeds, polled))
    await site.stop()
    questions_pool.shutdown()
    feeds_pool.shutdown()
    library.close()
    p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
    return (f"{name:<8} {took:>7.1f} {monitor.largest * 1000:>9.0f} {p50:>8.1f} {p95:>8.1f} {max(latencies):>8.1f}  "
            f"{outcome}")


summary_text = retrieval.feeds.summary_text


async def main_async(size: int, arrangements: list[str]) -> None:
    sandbox = Sandbox(Limits(seconds=20.0, memory_bytes=768 << 20), workers=2)
    sandbox.run(len, "start the workers")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; entry size {size:,} characters; 50 questions")
    print(f"{'parsing':<8} {'poll s':>7} {'stall ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
          "  what each feed came to")
    for name in arrangements:
        print(await arrangement(name, size, sandbox), flush=True)
    sandbox.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=120_000, help="characters of the hostile entries")
    parser.add_argument("--arrangements", default="old,thread,sandbox")
    args = parser.parse_args()
    asyncio.run(main_async(args.size, args.arrangements.split(",")))


if __name__ == "__main__":
    main()
