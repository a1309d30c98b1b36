"""Start-up: process start to first answer on existing libraries (nothing is re-embedded), and on
brand-new ones.

Runs ``newsbot --data-dir DIR ask QUESTION --k 1`` in a fresh process several times per
library and prints wall time and peak RSS, e.g.:

    .venv/bin/python benchmarks/startup.py /tmp/nb-bbc /tmp/nb-20k --runs 3

``--new N`` instead starts N new libraries one after the other (the seed articles ingested,
then the first answer), the first with an empty model cache (the one-time preparation of the
model), the others sharing it as every library of a user does:

    .venv/bin/python benchmarks/startup.py --new 3
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "Where did the North Korean containers go?"


def one_run(data_dir: Path, question: str, env: dict | None = None) -> tuple[float, float]:
    """Seconds from process start to the printed answer, and the child's peak RSS in MB."""
    newsbot = Path(sys.executable).with_name("newsbot")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    started = time.perf_counter()
    process = subprocess.Popen([str(newsbot), "--data-dir", str(data_dir), "ask", question, "--k", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)  # wait4 gives this child's own peak RSS
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode != 0:
        raise SystemExit(f"newsbot failed on {data_dir} (exit {process.returncode})")
    return seconds, usage.ru_maxrss / 1024


def passages(data_dir: Path) -> int:
    """Passages in a library."""
    with sqlite3.connect(data_dir / "library.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM passages").fetchone()[0])


def new_libraries(count: int, question: str) -> None:
    """Start ``count`` new libraries with one model cache, the first one empty."""
    print(f"{'new library':<28} {'model cache':<12} {'seconds':>7} {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = {"NEWSBOT_MODEL_CACHE_DIR": str(Path(tmp) / "models")}
        for number in range(1, count + 1):
            seconds, peak = one_run(Path(tmp) / f"library-{number}", question, cache)
            print(f"{f'library {number}':<28} {'empty' if number == 1 else 'shared':<12} {seconds:>7.2f} {peak:>11.0f}",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libraries", type=Path, nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--new", type=int, default=0, help="start this many new libraries instead")
    args = parser.parse_args()
    if args.new:
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        new_libraries(args.new, args.question)
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{args.runs} runs each; `newsbot ask … --k 1` in a fresh process")
    print(f"{'library':<28} {'passages':>9} {'best s':>7} {'worst s':>8} {'peak RSS MB':>11}")
    for library in args.libraries:
        one_run(library, args.question)  # the first run also warms the OS file cache
        runs = [one_run(library, args.question) for _ in range(args.runs)]
        seconds = [s for s, _ in runs]
        print(f"{library.name:<28} {passages(library):>9,} {min(seconds):>7.2f} {max(seconds):>8.2f} "
              f"{max(p for _, p in runs):>11.0f}", flush=True)


if __name__ == "__main__":
    main()
