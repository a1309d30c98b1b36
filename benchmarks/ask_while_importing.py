"""Questions while an import runs: how long people wait when an admin adds articles.

A copy of the library is opened once in this process, as the bot does; one thread imports
BBC articles into it (as new articles: each gets a fresh url and a marker line, so all are
embedded) in the batches `newsbot ingest` uses, while the main thread asks XQuAD questions
one every ``--gap`` seconds. Prints question latency with no import running and during the
import, and the import's rate, e.g.:

    .venv/bin/python benchmarks/ask_while_importing.py --library /tmp/nb-xquad-bbc --articles 256
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.ingest import BATCH_DOCUMENTS  # noqa: E402
from retrieval.parsers import read_path  # noqa: E402
from retrieval.records import Document  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"


def new_articles(count: int) -> list[Document]:
    """BBC articles made new: another url and a marker line, so none is skipped as unchanged."""
    docs = []
    for path in sorted((EVAL / "bbc-news" / "bbc").rglob("*.txt"))[:count]:
        for doc in read_path(path, max_bytes=10**7):
            if isinstance(doc, Document):
                doc.url, doc.text = f"https://import.example/{len(docs)}", doc.text + "\n\nImported copy."
                docs.append(doc)
    return docs


def ask_until(searcher: Searcher, questions: list[str], gap: float, done: threading.Event | None,
              limit: int) -> list[float]:
    """Milliseconds per question, one every ``gap`` s until ``done`` is set (at least one) or ``limit``."""
    times: list[float] = []
    options = SearchOptions()
    for question in questions[:limit]:
        started = time.perf_counter()
        searcher.ask(question, options)
        times.append((time.perf_counter() - started) * 1000)
        if done is not None and done.is_set():
            break
        time.sleep(gap)
    return times


def import_all(library: EmbeddedLibrary, docs: list[Document], done: threading.Event, took: list[float]) -> None:
    """Add ``docs`` in the batches ``newsbot ingest`` uses, then set ``done``."""
    started = time.perf_counter()
    for start in range(0, len(docs), BATCH_DOCUMENTS):
        library.add_documents(docs[start:start + BATCH_DOCUMENTS], save=False)
    library.save()
    took.append(time.perf_counter() - started)
    done.set()


def row(label: str, times: list[float]) -> str:
    return (f"{label:<34} {len(times):>9} {np.percentile(times, 50):>8.1f} {np.percentile(times, 95):>8.1f} "
            f"{max(times):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path, help="a library to copy (left unchanged)")
    parser.add_argument("--articles", type=int, default=256, help="BBC articles to import")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between questions")
    args = parser.parse_args()
    lines = (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines]
    docs = new_articles(args.articles)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "library"
        shutil.copytree(args.library, copy, symlinks=True)
        library = open_library(load_settings(data_dir=copy))
        searcher = Searcher(library, cache_size=0)
        searcher.warm()
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"{library.store.count('passages'):,} passages; importing {len(docs)} articles "
              f"in batches of {BATCH_DOCUMENTS}; a question every {args.gap * 1000:.0f} ms")
        quiet = ask_until(searcher, questions, args.gap, None, 200)
        before = library.store.count("passages")
        done, took = threading.Event(), []
        writer = threading.Thread(target=import_all, args=(library, docs, done, took))
        writer.start()
        busy = ask_until(searcher, questions[200:] * 10, args.gap, done, 100_000)
        writer.join()
        added = library.store.count("passages") - before
        library.close()
    print(f"{'questions':<34} {'asked':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(row("no import running", quiet))
    print(row("during the import", busy))
    print(f"import: {added:,} passages in {took[0]:.1f} s ({added / took[0]:.1f} passages/s) beside the questions")


if __name__ == "__main__":
    main()
