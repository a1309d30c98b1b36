"""Calibrate the "no answer" threshold: precision and recall of ``answered`` per threshold.

Answerable: each XQuAD question asked against the library that holds its paragraph
(correct when a gold paragraph is in the top 3). Unanswerable: the same question with its
gold paragraphs taken out of the results (as if never ingested) — hard negatives, since the
rest of the same Wikipedia article is still there. Also prints the confidences of the seed
questions on the seed library.

Usage (after building the evaluation library, see docs/quality.md):
    .venv/bin/python benchmarks/no_answer.py --data-dir /tmp/newsbot-xquad
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.evaluate import EvalResult, evaluate, load_questions  # noqa: E402
from retrieval.ingest import ensure_seeded  # noqa: E402
from retrieval.library import Library  # noqa: E402
from retrieval.search import SearchOptions, Searcher  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"
THRESHOLDS = [round(0.30 + 0.03 * i, 2) for i in range(14)]


def seed_confidences(encoder) -> tuple[list[float], list[float]]:
    """Confidences of the answerable and unanswerable seed questions on the seed library."""
    positives, negatives = [], []
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(Path(tmp), encoder)
        ensure_seeded(library, PROJECT_ROOT / "seeds", 20_000_000)
        searcher = Searcher(library)
        for line in (EVAL / "seed_dev_questions.jsonl").read_text().splitlines():
            item = json.loads(line)
            answer = searcher.ask(item["question"], SearchOptions(min_score=0.0, highlight=False))
            (negatives if item.get("expect_none") else positives).append(answer.confidence)
        library.close()
    return positives, negatives


def table(result: EvalResult) -> str:
    """Precision and recall of ``answered`` per threshold."""
    lines = [f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F0.5':>6} {'unanswerable answered':>22}",
             "-" * 57]
    for t in THRESHOLDS:
        precision, recall, wrong = result.answered_quality(t)
        f05 = 1.25 * precision * recall / (0.25 * precision + recall) if recall else 0.0
        lines.append(f"{t:>9.2f} {precision:>9.3f} {recall:>7.3f} {f05:>6.3f} {wrong:>22.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="library with XQuAD (+ distractors)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N questions")
    args = parser.parse_args()
    settings = load_settings(data_dir=args.data_dir)
    library = Library.from_settings(settings)
    questions = load_questions(EVAL / "xquad" / "questions.jsonl")
    questions = questions[: args.limit] if args.limit else questions
    result = evaluate(Searcher(library), questions, "hybrid",
                      SearchOptions(max_per_article=settings.max_per_article, min_score=settings.min_score))
    print(f"XQuAD: {len(result.answerable)} answerable, {len(result.unanswerable)} unanswerable (gold removed)")
    print(table(result))
    positives, negatives = seed_confidences(library.encoder)
    print(f"\nseed questions: lowest answerable confidence {min(positives):.3f}, "
          f"highest unanswerable {max(negatives):.3f}; configured threshold {settings.min_score:.2f}")


if __name__ == "__main__":
    main()
