"""Feeds at scale: F feeds × E entries from a local server, polled and ingested as the bot does.

A local aiohttp server (tests/web_server.py) publishes F RSS feeds of E entries each, every
entry a real-looking article page (BBC texts when ../shared/eval is present). The poller runs
inside an event loop with the bot's arrangement (pages fetched on the loop, parsing and
embedding on one worker thread) while a question about the first entry of the first feed is
asked every 0.2 s from another thread. Printed: time to poll and ingest everything, articles
and passages per second, time until that question is first answered from the new article,
peak memory, and the event loop's largest stall (how late a 10 ms sleeper wakes). The model is
loaded and warmed before the clock starts (start-up excluded).

    .venv/bin/python benchmarks/feeds.py --feeds 20 --entries 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.allow_list import AllowList
from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.feed_store import FeedStore  # noqa: E402
from retrieval.fetch import Fetcher, FetchPolicy  # noqa: E402
from retrieval.poller import FeedPoller  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402
from tests.bot.fake_discord import StallMonitor  # noqa: E402
from tests.web_server import LocalSite, Story, sample_story  # noqa: E402

BBC = PROJECT_ROOT.parent / "shared" / "eval" / "bbc-news" / "bbc"


def stories(count: int) -> list[Story]:
    """``count`` stories: BBC articles (headline and paragraphs) when present, else generated ones."""
    files = sorted(BBC.rglob("*.txt"))[:count] if BBC.is_dir() else []
    made = []
    for number, path in enumerate(files):
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
        paragraphs = [line for line in lines[1:] if line]
        made.append(Story(slug=f"bbc-{number}", title=lines[0], paragraphs=paragraphs,
                          date=f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}"))
    made += [sample_story(n) for n in range(len(made), count)]
    return made


def watch_first_answer(searcher: Searcher, question: str, url: str, stop: threading.Event) -> list[float]:
    """Ask ``question`` every 0.2 s until a result cites ``url``; the time it took, in a list."""
    started, found = time.perf_counter(), []
    while not stop.is_set():
        answer = searcher.ask(question, SearchOptions(min_score=0.0, highlight=False, group=False))
        if any(h.article.url == url for h in answer.hits):
            found.append(time.perf_counter() - started)
            return found
        stop.wait(0.2)
    return found


async def run(feeds: int, entries: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="newsbot-feeds-"))
    settings = load_settings(data_dir=data)
    library = open_library(settings)
    library.encoder.encode(["warm up"])  # start-up excluded
    searcher = Searcher(library)
    site = LocalSite()
    await site.start()
    published = stories(feeds * entries)
    for story in published:
        site.add_story(story)
    store = FeedStore(library.store)
    for number in range(feeds):
        slugs = [s.slug for s in published[number * entries:(number + 1) * entries]]
        store.add(site.add_feed(f"feed-{number}", f"Feed {number}", slugs), None)
    first = published[0]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker = ThreadPoolExecutor(1, thread_name_prefix="newsbot-feeds")
    loop = asyncio.get_running_loop()

    async def run_blocking(func, *args, **kwargs):
        return await loop.run_in_executor(worker, lambda: func(*args, **kwargs))

    stop = threading.Event()
    watcher = asyncio.create_task(asyncio.to_thread(watch_first_answer, searcher, first.title,
                                                    f"{site.base}/news/{first.slug}", stop))
    monitor = StallMonitor()
    started = time.perf_counter()
    async with Fetcher(FetchPolicy(allow=AllowList.parse("127.0.0.1"))) as fetcher:
        poller = FeedPoller(library, store, fetcher, max_new=entries, max_bytes=settings.max_file_bytes,
                            run=run_blocking)
        reports = await poller.poll_due()
    took = time.perf_counter() - started
    first_answer = await asyncio.wait_for(watcher, 30)
    stop.set()
    monitor.task.cancel()
    added = sum(len(r.added) for r in reports)
    passages = library.store.count("passages")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {feeds} feeds x {entries} entries, "
          f"{len(site.requests)} requests")
    print(f"{'feeds':>5} {'entries':>7} {'added':>5} {'failed':>6} {'passages':>8} {'total s':>7} {'articles/s':>10} "
          f"{'passages/s':>10} {'first answer s':>14} {'peak RSS MB':>11} {'RSS grew MB':>11} {'loop stall ms':>13}")
    print(f"{feeds:>5} {entries:>7} {added:>5} {sum(len(r.failed) for r in reports):>6} {passages:>8} {took:>7.1f} "
          f"{added / took:>10.1f} {passages / took:>10.1f} "
          f"{(first_answer[0] if first_answer else float('nan')):>14.2f} {peak:>11.0f} "
          f"{peak - rss_before / 1024:>11.0f} {monitor.largest * 1000:>13.1f}")
    worker.shutdown()
    await site.stop()
    library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.feeds, args.entries))


if __name__ == "__main__":
    main()
