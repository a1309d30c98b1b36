"""Query latency, in-process: question in, ranked cited results out (and rendered to JSON).

Prints p50/p95 of the whole, p50 of the embedding step and of the rest (everything but it, per
question), the share of each step (embed, search, fuse, rank, highlight and grouping, format)
and the question's model run alone (the machine's state), for each library and backend, each
library built with its backend (the vectors of one backend are not mixed with the other's),
e.g. XQuAD with the BBC set:

    for b in onnx-int8 torch; do NEWSBOT_ENGINE=$b .venv/bin/newsbot --data-dir /tmp/nb-$b \
        ingest ../shared/eval/xquad/articles.jsonl ../shared/eval/bbc-news/bbc; done
    .venv/bin/python benchmarks/query_latency.py --library onnx-int8=/tmp/nb-onnx-int8 --library torch=/tmp/nb-torch
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.format import answer_json  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "xquad" / "questions.jsonl"
STEPS = ("embed", "search", "fuse", "rank", "highlight", "format")


def measure(searcher: Searcher, questions: list[str]) -> dict[str, list[float]]:
    """Per-question milliseconds: total and each step."""
    times: dict[str, list[float]] = {step: [] for step in (*STEPS, "total")}
    options = SearchOptions()
    for question in questions:
        started = time.perf_counter()
        answer = searcher.ask(question, options)
        rendered = time.perf_counter()
        json.dumps(answer_json(answer))
        done = time.perf_counter()
        for step in STEPS[:-1]:
            times[step].append(answer.timings.get(step, 0.0))
        times["format"].append((done - rendered) * 1000)
        times["total"].append((done - started) * 1000)
    return times


def model_alone(library: EmbeddedLibrary, questions: list[str]) -> list[float]:
    """Milliseconds of each question's embedding alone, one after another (no search between)."""
    times = []
    for question in questions:
        started = time.perf_counter()
        library.encoder.encode([question])
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, passages: int, times: dict[str, list[float]]) -> str:
    total = sum(times["total"])
    shares = " ".join(f"{100 * sum(times[s]) / total:>9.0f}%" for s in STEPS)
    others = np.array(times["total"]) - np.array(times["embed"])  # all but the question's embedding
    p50, p95 = np.percentile(times["total"], 50), np.percentile(times["total"], 95)
    return (f"{label:<24} {passages:>9,} {p50:>7.1f} {p95:>7.1f} "
            f"{np.percentile(times['embed'], 50):>9.1f} {np.percentile(others, 50):>9.1f} {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", action="append", required=True, metavar="BACKEND=DIR",
                        help="a backend and a library built with it (repeatable); DIR may be a postgresql:// URL")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()][: args.questions]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{len(questions)} questions")
    print(f"{'library':<24} {'passages':>9} {'p50 ms':>7} {'p95 ms':>7} {'embed p50':>9} {'rest p50':>9} "
          + " ".join(f"{s:>10}" for s in STEPS))
    for spec in args.library:
        backend, where = spec.split("=", 1)
        in_postgres = where.startswith("postgresql://")
        settings = load_settings(data_dir=Path(tempfile.gettempdir()) if in_postgres else Path(where), engine=backend,
                                 database_url=where if in_postgres else None)
        library = open_library(settings)
        searcher = Searcher(library)
        searcher.warm()
        searcher.cache.size = 0  # measure real searches first
        measure(searcher, questions[:20])  # warm up
        label = f"{backend} {'postgresql' if in_postgres else Path(where).name}"
        print(row(label, library.store.count("passages"), measure(searcher, questions)), flush=True)
        searcher.cache.size = 256
        measure(searcher, questions[:200])  # fill the cache
        repeated = measure(searcher, questions[:200])["total"]
        print(f"{'':<24} repeated question (cache hit): p50 {np.percentile(repeated, 50):.3f} ms, "
              f"p95 {np.percentile(repeated, 95):.3f} ms; {library.describe().split(', ', 2)[-1]}")
        print(f"{'':<24} the machine's state: the question's model run alone, back to back, "
              f"p50 {np.percentile(model_alone(library, questions), 50):.2f} ms")
        library.close()


if __name__ == "__main__":
    main()
