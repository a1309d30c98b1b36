"""The hostile corpus (tests/retrieval/test_hostile_corpus.py) through the parser workers: a table.

Each document is parsed the way the product parses what comes from outside (in a worker process,
20 s and 768 MB), in a fresh worker so its peak memory is its own. Printed per case: what came
of it (an article and its length, refused with the reason, or stopped at a limit), the seconds it
took and the worker's peak resident memory. Two cases run feedparser without the entity check,
to show the limits hold where a check is missing.

    .venv/bin/python benchmarks/hostile.py
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.errors import BadInputError  # noqa: E402
from retrieval.sandbox import Limits, Sandbox, SandboxError  # noqa: E402
from tests.retrieval.test_hostile_corpus import CASES, call  # noqa: E402


def peak_mb() -> int:
    """The worker's peak resident memory (VmHWM), in MB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) // 1024


def feedparser_alone(data: bytes) -> int:
    """feedparser without the entity check: the length of the first entry's summary."""
    import feedparser

    parsed = feedparser.parse(data)
    return len(parsed.entries[0].get("summary", "")) if parsed.entries else 0


def outcome_of(result) -> str:
    if isinstance(result, int):
        return f"summary of {result:,} characters"
    items = result if isinstance(result, list) else getattr(result, "entries", [result])
    texts = [getattr(item, "text", getattr(item, "summary", "")) for item in items]
    return f"{len(items)} item(s), longest text {max((len(t) for t in texts), default=0):,} characters"


def run_case(label: str, func, args: tuple, limits: Limits) -> str:
    sandbox = Sandbox(limits, workers=1)
    sandbox.run(len, "start")
    started = time.monotonic()
    try:
        result = call(sandbox, func, *args) if func is not feedparser_alone else sandbox.run(func, *args)
        outcome, peak = outcome_of(result), sandbox.run(peak_mb)
    except SandboxError as exc:
        outcome, peak = f"stopped: {exc}", float("nan")
    except BadInputError as exc:
        outcome, peak = f"refused: {str(exc)[-90:]}", sandbox.run(peak_mb)
    took = time.monotonic() - started
    sandbox.close()
    return f"| {label} | {outcome} | {took:.2f} | {peak:.0f} |"


def main() -> None:
    limits = Limits(seconds=20.0, memory_bytes=768 << 20)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; limits {limits.seconds:g} s, "
          f"{limits.memory_bytes >> 20} MB per worker")
    print("| case | outcome | seconds | worker peak MB |")
    print("|---|---|---|---|")
    for label, (func, *args) in CASES.items():
        print(run_case(label, func, tuple(args), limits), flush=True)
    bomb = CASES["feed: entity bomb, malformed"][1]
    print(run_case("feedparser alone: entity bomb, malformed", feedparser_alone, (bomb,), limits), flush=True)
    print(run_case("feedparser alone: same, 5 s limit", feedparser_alone, (bomb,), Limits(5.0, 768 << 20)), flush=True)


if __name__ == "__main__":
    main()
