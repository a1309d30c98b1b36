"""Under load: N concurrent /ask through the real bot against a fake Discord on 127.0.0.1.

The real client logs in to the fake gateway (tests/bot/fake_discord.py), then N slash
commands arrive at once, each a different XQuAD question. Printed: how long until every
reply was sent, answered and refused counts, the largest event-loop stall (how late a 10 ms
sleeper wakes) and the largest heartbeat gap, for the product (searches in the worker pool)
beside the same bot running searches on the event loop (what the pool avoids).

    .venv/bin/python benchmarks/load.py --library /tmp/nb-xquad-bbc --concurrent 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.client import NewsBot  # noqa: E402
from bot.runner import point_at_api, settle_heap  # noqa: E402
from bot.service import NewsService  # noqa: E402
from config.settings import DISCORD_API, PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.ingest import ensure_seeded  # noqa: E402
from tests.bot.fake_discord import GUILD_ID, HEARTBEAT_MS, FakeDiscord, StallMonitor  # noqa: E402

QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "xquad" / "questions.jsonl"


async def run(library: EmbeddedLibrary, data_dir: Path, questions: list[str], on_loop: bool) -> dict:
    """One round: log in, warm up, send every question at once, wait for every reply."""
    fake = FakeDiscord()
    await fake.start()
    settings = load_settings(data_dir=data_dir, discord_token="fake-token", discord_api_base=fake.api_base,
                             dev_guild_id=int(GUILD_ID), cooldown_seconds=0)
    point_at_api(settings.discord_api_base)
    service = NewsService(settings, library)
    if on_loop:  # the mistake the worker pool avoids: blocking work on the event loop
        async def inline(function, *args, **kwargs):
            return function(*args, **kwargs)
        service.run = inline
    bot = NewsBot(settings, service)
    try:
        async with bot:
            await asyncio.to_thread(service.searcher.warm)  # as serve() does before connecting
            await bot.login("fake-token")
            runner = asyncio.create_task(bot.connect(reconnect=False))
            await asyncio.wait_for(bot.wait_until_ready(), 30)
            await fake.slash("ask", question="warm up")
            while not fake.followups:
                await asyncio.sleep(0.01)
            settle_heap()  # as serve() does once warm
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            monitor, beats = StallMonitor(), len(fake.heartbeats)
            started = time.perf_counter()
            for question in questions:
                await fake.slash("ask", question=question)
            while len(fake.followups) < len(questions) + 1:
                await asyncio.sleep(0.005)
            took = time.perf_counter() - started
            while len(fake.heartbeats) < beats + 2:
                await asyncio.sleep(0.05)
            monitor.task.cancel()
            runner.cancel()
    finally:
        point_at_api(DISCORD_API)
        await fake.stop()
    replies = fake.followups[1:]
    return {"seconds": took, "answered": sum(1 for f in replies if f["embeds"]),
            "refused": sum(1 for f in replies if "ask again in a moment" in f["content"]),
            "stall_ms": monitor.largest * 1000, "gap_ms": fake.largest_heartbeat_gap() * 1000,
            "rss_grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, help="an existing library (default: the seeds, in a temp dir)")
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--skip-on-loop", action="store_true", help="do not run the blocking comparison")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()][:args.concurrent]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.library or Path(tmp)
        settings = load_settings(data_dir=data_dir)
        library = open_library(settings)
        ensure_seeded(library, settings.seeds_dir, settings.max_file_bytes)
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"{len(questions)} concurrent /ask, {library.store.count('passages'):,} passages; "
              f"gateway heartbeat every {HEARTBEAT_MS} ms")
        print(f"{'searches run':<22} {'all replied s':>13} {'answered':>8} {'refused':>7} "
              f"{'largest loop stall ms':>21} {'heartbeat gap ms':>16} {'RSS grew MB':>11}")
        modes = [("in the worker pool", False)] + ([] if args.skip_on_loop else [("on the event loop", True)])
        for label, on_loop in modes:
            r = asyncio.run(run(library, data_dir, questions, on_loop))
            print(f"{label:<22} {r['seconds']:>13.2f} {r['answered']:>8} {r['refused']:>7} "
                  f"{r['stall_ms']:>21.1f} {r['gap_ms']:>16.0f} {r['rss_grew_mb']:>11.0f}", flush=True)
        library.close()


if __name__ == "__main__":
    main()
