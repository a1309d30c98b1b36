"""Questions, settings reads and 👍 clicks while two 20 MB files are uploaded: before and after
imports became jobs.

The bot's own service (``bot.service.NewsService``) serves a copy of a library. Two servers each
upload a 20 MB JSONL file of made-up articles; for ``--seconds`` a member asks a question every
``--gap`` seconds while another reads the settings and clicks 👍. Two ways of importing are compared:

* ``question pool`` (before): the upload's embedding runs on the same two threads as the searches
  and small reads, as ``/library add`` did;
* ``import jobs`` (now): each upload is an import job on its own worker (``NEWSBOT_IMPORT_WORKERS``,
  default 1), and small reads have threads of their own.

The imports are stopped when the window ends. Prints a table, e.g.:

    .venv/bin/python benchmarks/ask_during_upload.py --library /tmp/newsbot-xquad --seconds 45
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bot.jobs import ImportJob, JobCancelled  # noqa: E402
from bot.service import NewsService  # noqa: E402
from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.ingest import IngestReport, ingest_documents  # noqa: E402
from retrieval.parsers import parse_upload  # noqa: E402
from retrieval.records import Document  # noqa: E402

QUESTIONS = ["Where did the North Korean containers go?", "Who announced the shipments?",
             "What did the satellite images show?", "When was the harbour strike?", "How many ships waited?"]


def upload_bytes(name: str, megabytes: float) -> bytes:
    """A JSONL file of distinct made-up articles, ``megabytes`` large."""
    words = "harbour council ferry pier strike budget river festival museum railway school bridge".split()
    lines, size, number = [], 0, 0
    while size < megabytes * 1_000_000:
        body = " ".join(f"The {words[(number + i) % len(words)]} report {number}-{i} said the "
                        f"{words[(number * 7 + i) % len(words)]} work went on for {i + number % 9} days."
                        for i in range(12))
        line = json.dumps({"title": f"{name} {number}", "source": "Upload Weekly",
                           "url": f"https://upload.example/{name}/{number}", "text": body})
        lines.append(line)
        size += len(line) + 1
        number += 1
    return "\n".join(lines).encode()


async def timed(work) -> float:
    started = time.perf_counter()
    await work
    return (time.perf_counter() - started) * 1000


async def members(service: NewsService, seconds: float, gap: float, shared: bool,
                  qid: int) -> dict[str, list[float]]:
    """Three members for ``seconds``: one asks, one reads the settings, one clicks 👍, each every
    ``gap`` seconds after their last action ended; milliseconds per action."""
    small = service.run if shared else service.read  # before: small reads shared the question pool
    deadline = time.monotonic() + seconds

    async def repeat(action) -> list[float]:
        times, number = [], 0
        while time.monotonic() < deadline:
            times.append(await timed(action(number)))
            number += 1
            await asyncio.sleep(gap)
        return times

    actions = {
        "question": lambda n: service.ask(f"{QUESTIONS[n % len(QUESTIONS)]} ({n})", 1),
        "settings read": lambda n: small(service.guild_settings, 1),
        "👍 click": lambda n: small(service.activity.record_feedback, qid, n, True),
    }
    results = await asyncio.gather(*(repeat(action) for action in actions.values()))
    return dict(zip(actions, results))


async def upload(service: NewsService, guild: int, data: bytes, shared: bool, stop: list[bool]) -> int:
    """One 20 MB upload, imported the old way or as a job; the number of articles it added."""
    meta = Document(text="")
    if not shared:
        async def work(job: ImportJob) -> IngestReport:
            return await service.add_file(f"big{guild}.jsonl", data, guild, meta, job)

        async def ignore(job: ImportJob) -> None:
            if stop[0] and not job.finished:
                service.jobs.cancel(guild, job.id)

        job = service.jobs.submit(guild, "big.jsonl", 0, work, ignore)
        while not job.finished:
            if stop[0]:
                job.cancel_requested = True
            await asyncio.sleep(0.2)
        return job.report.added if job.report else 0
    items = await service.sandbox.run_async(parse_upload, data, "big.jsonl", "bench", max_bytes=len(data) + 1)
    report = IngestReport()

    def progress(count: int) -> None:
        if stop[0]:
            raise JobCancelled("window over")

    try:
        await service.run(ingest_documents, service.library, items, report, guild, progress)
    except JobCancelled:
        pass
    return report.added


async def measure(library_dir: Path, megabytes: float, seconds: float, gap: float, shared: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "library"
        shutil.copytree(library_dir, copy, symlinks=True)
        settings = load_settings(data_dir=copy, cooldown_seconds=0, max_file_bytes=int(megabytes * 1_100_000))
        library = open_library(settings)
        service = NewsService(settings, library)
        await asyncio.to_thread(service.searcher.warm)
        _, qid = await service.ask(QUESTIONS[0], 1)  # the answer the 👍 clicks are about
        quiet = await members(service, 5, gap, shared, qid)
        files = [upload_bytes(f"g{guild}", megabytes) for guild in (1, 2)]
        stop = [False]
        uploads = [asyncio.create_task(upload(service, guild, data, shared, stop))
                   for guild, data in zip((1, 2), files)]
        await asyncio.sleep(3)  # the files are parsed; the embedding has begun
        asyncio.get_running_loop().call_later(seconds, stop.__setitem__, 0, True)  # however long an action waits
        busy = await members(service, seconds, gap, shared, qid)
        added = await asyncio.gather(*uploads)
        service.close()
        library.close()
    return {"quiet": quiet, "busy": busy, "added": sum(added)}


def row(label: str, times: list[float]) -> str:
    return (f"{label:<40} {len(times):>6} {np.percentile(times, 50):>9.1f} {np.percentile(times, 95):>9.1f}"
            f" {max(times):>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path, help="a library to copy (left unchanged)")
    parser.add_argument("--megabytes", type=float, default=20.0, help="size of each of the two uploads")
    parser.add_argument("--seconds", type=float, default=45.0, help="how long members act during the uploads")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between a member's rounds")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; two uploads of "
          f"{args.megabytes:g} MB; a member's round (question, settings read, 👍) every {args.gap * 1000:.0f} ms")
    print(f"{'import':<14} {'action':<25} {'count':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for shared, label in ((True, "question pool"), (False, "import jobs")):
        result = asyncio.run(measure(args.library, args.megabytes, args.seconds, args.gap, shared))
        for action in ("question", "settings read", "👍 click"):
            print(row(f"{label:<14} {action} (no upload)", result["quiet"][action]))
            print(row(f"{label:<14} {action} (2 uploads)", result["busy"][action]))
        print(f"{label:<14} articles imported in the window: {result['added']:,}")


if __name__ == "__main__":
    main()
