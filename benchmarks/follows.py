"""Followed questions replayed on rtqa-dev, and the cost of matching at scale.

``replay``: the rtqa-dev articles arrive in date order into a new library; each week's quiz
questions are followed (``FollowStore.add``) just before that week's articles arrive (those
dated in the seven days up to the question's ``asked`` day); after each week the bot's delivery
step runs (``matches(record=True)``). Reported: the share of questions whose gold article sent a
notice, and per question the notices whose article is not a gold one and whose passage does not
hold the answer text.

``scale``: N followed questions (random unit vectors) against M new passages' vectors: the time
of the matching step per new article (the matrix product and the per-question scan).

    .venv/bin/python benchmarks/follows.py replay
    .venv/bin/python benchmarks/follows.py scale --questions 10000 --articles 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval import follows as follows_module  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.follows import Follow, FollowStore  # noqa: E402
from retrieval.ingest import ingest_documents  # noqa: E402
from retrieval.parsers import parse_jsonl  # noqa: E402
from retrieval.records import Document  # noqa: E402
from retrieval.stories import StoryIndex  # noqa: E402

RTQA = PROJECT_ROOT.parent / "shared" / "eval" / "rtqa-dev"


def replay(split_at: str) -> None:
    questions = [json.loads(line) for line in (RTQA / "questions.jsonl").open()]
    docs = sorted((d for d in parse_jsonl((RTQA / "articles.jsonl").read_text(), "rtqa") if isinstance(d, Document)),
                  key=lambda d: (d.date, d.url))  # three gold pages are empty
    weeks = sorted({q["asked"] for q in questions})
    with tempfile.TemporaryDirectory() as tmp:
        library = open_library(load_settings(data_dir=Path(tmp) / "library"))
        stories = StoryIndex(library)
        follows = FollowStore(library, stories)
        question_of: dict[int, dict] = {}
        notices: dict[int, list] = defaultdict(list)
        added = 0
        for asked in weeks:
            start = (dt.date.fromisoformat(asked) - dt.timedelta(days=7)).isoformat()
            before = [d for d in docs[added:] if d.date <= start]
            ingest_documents(library, before)
            added += len(before)
            stories.catch_up()
            for item in (q for q in questions if q["asked"] == asked):
                question_of[follows.add(item["question"], None).id] = item
            week = [d for d in docs[added:] if d.date <= asked]
            ingest_documents(library, week)
            added += len(week)
            stories.catch_up()
            for match in follows.matches(record=True, today=asked):
                notices[match.follow.id].append(match)
        library.close()
    print(f"rtqa-dev replayed in date order: {len(question_of)} questions followed over {len(weeks)} weeks, "
          f"{added} articles; margin {follows_module.MARGIN}, floor {follows_module.FLOOR}")
    print(f"{'questions':<24} {'count':>5} {'gold told':>9} {'notices/q':>9} {'not answering/q':>15}")
    halves = [("all", list(question_of)),
              (f"ids before {split_at}", [f for f in question_of if question_of[f]["id"] < split_at]),
              (f"ids from {split_at}", [f for f in question_of if question_of[f]["id"] >= split_at])]
    for label, chosen in halves:
        told = sum(any(m.url in question_of[f]["gold_urls"] for m in notices[f]) for f in chosen)
        wrong = [sum(1 for m in notices[f] if m.url not in question_of[f]["gold_urls"]
                     and question_of[f].get("answer", "").lower() not in m.passage.lower()) for f in chosen]
        sent = [len(notices[f]) for f in chosen]
        print(f"{label:<24} {len(chosen):>5} {told / len(chosen):>9.3f} {np.mean(sent):>9.2f} {np.mean(wrong):>15.2f}")


def scale(questions: int, articles: int, passages_per_article: int = 10) -> None:
    rng = np.random.default_rng(0)

    def unit(rows: int) -> np.ndarray:
        matrix = rng.standard_normal((rows, 384)).astype(np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    follows = [Follow(i, None, 1, None, f"question {i} harbour", vector, 0.3, 0) for i, vector in
               enumerate(unit(questions))]
    passages = unit(articles * passages_per_article)
    started = time.perf_counter()
    scores = np.vstack([f.vector for f in follows]) @ passages.T
    product = time.perf_counter() - started
    floor = follows_module.FLOOR
    for number, follow in enumerate(follows):
        row = scores[number]
        candidates = np.flatnonzero(row >= max(follow.best + follows_module.MARGIN, floor))
        candidates[np.argsort(-row[candidates])]
    total = time.perf_counter() - started
    print(f"{questions:,} followed questions × {articles:,} new articles ({articles * passages_per_article:,} "
          f"passages): matrix product {product * 1000:.0f} ms, with the scan {total * 1000:.0f} ms = "
          f"{total / articles * 1000:.2f} ms per new article")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("replay")
    p.add_argument("--split-at", default="20220722", help="question ids before it tune, the rest report")
    p.add_argument("--floor", type=float, default=follows_module.FLOOR)
    p.add_argument("--margin", type=float, default=follows_module.MARGIN)
    p = sub.add_parser("scale")
    p.add_argument("--questions", type=int, default=10_000)
    p.add_argument("--articles", type=int, default=1_000)
    args = parser.parse_args()
    if args.command == "replay":
        follows_module.FLOOR, follows_module.MARGIN = args.floor, args.margin
        replay(args.split_at)
    else:
        scale(args.questions, args.articles)


if __name__ == "__main__":
    main()
