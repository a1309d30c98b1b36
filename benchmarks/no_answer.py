"""Calibrate the "no answer" threshold: what is answered, and how often wrongly, per threshold.

- XQuAD answerable: each question asked against the library that holds its paragraph
  (correct when a gold paragraph is in the top 3). XQuAD unanswerable: the same question with
  its gold paragraphs taken out of the results (as if never ingested) — hard negatives, since
  the rest of the same Wikipedia article is still there.
- News (optional, ``--news-dir``): the rtqa-dev quiz questions on a library of its articles,
  every one answerable, worded without looking at the text: the share answered.
- The seed questions on the seed library: lowest answerable and highest unanswerable confidence.

Usage (after building the evaluation libraries, see docs/quality.md):
    .venv/bin/python benchmarks/no_answer.py --data-dir /tmp/newsbot-xquad --news-dir /tmp/newsbot-rtqa
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.evaluation.questions import EvalResult, evaluate, load_questions  # noqa: E402
from retrieval.ingest import ensure_seeded  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"
THRESHOLDS = [round(0.36 + 0.02 * i, 2) for i in range(14)]


def seed_confidences(encoder, options: SearchOptions) -> tuple[list[float], list[float]]:
    """Confidences of the answerable and unanswerable seed questions on the seed library."""
    positives, negatives = [], []
    with tempfile.TemporaryDirectory() as tmp:
        library = EmbeddedLibrary(Path(tmp), encoder)
        ensure_seeded(library, PROJECT_ROOT / "seeds", 20_000_000)
        searcher = Searcher(library)
        for line in (EVAL / "seed_dev_questions.jsonl").read_text().splitlines():
            item = json.loads(line)
            answer = searcher.ask(item["question"], options)
            (negatives if item.get("expect_none") else positives).append(answer.confidence)
        library.close()
    return positives, negatives


def run_set(data_dir: Path, questions: Path, limit: int = 0) -> tuple[EvalResult, EmbeddedLibrary]:
    """Every question of a gold-url set in hybrid mode, with the settings' options."""
    settings = load_settings(data_dir=data_dir)
    library = open_library(settings)
    items = load_questions(questions)
    items = items[:limit] if limit else items
    return evaluate(Searcher(library), items, "hybrid", SearchOptions.from_settings(settings)), library


def table(xquad: EvalResult, news: EvalResult | None, seeds: tuple[list[float], list[float]]) -> str:
    """Per threshold: XQuAD precision/recall/F0.5 and negatives answered, news answered, seeds."""
    positives, negatives = seeds
    lines = [f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F0.5':>6} {'XQuAD unanswerable answered':>28}"
             f" {'news answered':>13} {'seeds answered':>14} {'seed negatives refused':>22}", "-" * 116]
    for t in THRESHOLDS:
        precision, recall, wrong = xquad.answered_quality(t)
        f05 = 1.25 * precision * recall / (0.25 * precision + recall) if recall else 0.0
        answered = f"{news.answered_share(t):>13.3f}" if news else f"{'-':>13}"
        seeds_ok = f"{sum(c >= t for c in positives)}/{len(positives)}"
        refused = f"{sum(c < t for c in negatives)}/{len(negatives)}"
        lines.append(f"{t:>9.2f} {precision:>9.3f} {recall:>7.3f} {f05:>6.3f} {wrong:>28.3f} {answered}"
                     f" {seeds_ok:>14} {refused:>22}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="library with XQuAD (+ distractors)")
    parser.add_argument("--news-dir", type=Path, help="library with rtqa-dev's articles")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N XQuAD questions")
    args = parser.parse_args()
    xquad, library = run_set(args.data_dir, EVAL / "xquad" / "questions.jsonl", args.limit)
    news = run_set(args.news_dir, EVAL / "rtqa-dev" / "questions.jsonl")[0] if args.news_dir else None
    options = SearchOptions.from_settings(load_settings(data_dir=args.data_dir), min_score=0.0, highlight=False)
    seeds = seed_confidences(library.encoder, options)
    print(f"XQuAD: {len(xquad.answerable)} answerable, {len(xquad.unanswerable)} unanswerable (gold removed);"
          f" news: {len(news.answerable) if news else 0} answerable")
    print(table(xquad, news, seeds))
    print(f"\nseed questions: lowest answerable confidence {min(seeds[0]):.3f}, "
          f"highest unanswerable {max(seeds[1]):.3f}; configured threshold {xquad.threshold:.2f}")


if __name__ == "__main__":
    main()
