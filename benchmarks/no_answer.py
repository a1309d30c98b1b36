"""Calibrate the "no answer" threshold and report precision and recall of ``answered``.

Answerable: each XQuAD question asked against the library that holds its paragraph
(correct when a gold paragraph is in the top 3). Unanswerable: the same question with
its gold paragraphs taken out of the results (as if never ingested), plus the negative
seed questions. Prints, per threshold, the precision and recall of ``answered``.

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
from retrieval.highlight import lexical_overlap  # noqa: E402
from retrieval.ingest import ensure_seeded  # noqa: E402
from retrieval.library import Library  # noqa: E402
from retrieval.rank import confidence  # noqa: E402
from retrieval.search import SearchOptions, Searcher  # noqa: E402
from retrieval.terms import content_terms  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"
THRESHOLDS = [round(0.30 + 0.03 * i, 2) for i in range(14)]


def confidence_of(question: str, hits) -> float:
    """The product's confidence over the first five hits given."""
    terms = content_terms(question)
    top = hits[:5]
    return confidence([h.dense for h in top], [lexical_overlap(terms, h.text) for h in top])


def xquad_pairs(searcher: Searcher, questions: list[dict]) -> tuple[list[tuple[float, bool]], list[float]]:
    """(confidence, correct) for answerable questions and confidences of their unanswerable twins."""
    options = SearchOptions(k=15, max_per_article=2, min_score=0.0, highlight=False)
    answerable, unanswerable = [], []
    for item in questions:
        hits = searcher.ask(item["question"], options).hits
        gold = set(item["gold_urls"])
        correct = any(h.article.link in gold for h in hits[:3])
        answerable.append((confidence_of(item["question"], hits), correct))
        unanswerable.append(confidence_of(item["question"], [h for h in hits if h.article.link not in gold]))
    return answerable, unanswerable


def seed_confidences(encoder) -> tuple[list[float], list[float]]:
    """Confidences of the positive and negative seed questions on the seed library."""
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


def table(answerable: list[tuple[float, bool]], unanswerable: list[float]) -> str:
    """Precision and recall of ``answered`` per threshold."""
    lines = [f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F0.5':>6} {'unanswerable answered':>22}",
             "-" * 57]
    for t in THRESHOLDS:
        answered = sum(c >= t for c, _ in answerable) + sum(c >= t for c in unanswerable)
        correct = sum(ok for c, ok in answerable if c >= t)
        precision = correct / answered if answered else 1.0
        recall = correct / len(answerable)
        f05 = 1.25 * precision * recall / (0.25 * precision + recall) if correct else 0.0
        wrong = sum(c >= t for c in unanswerable) / len(unanswerable)
        lines.append(f"{t:>9.2f} {precision:>9.3f} {recall:>7.3f} {f05:>6.3f} {wrong:>22.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="library with XQuAD (+ distractors)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N questions")
    args = parser.parse_args()
    settings = load_settings(data_dir=args.data_dir)
    library = Library.from_settings(settings)
    questions = [json.loads(line) for line in (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()]
    questions = questions[: args.limit] if args.limit else questions
    answerable, unanswerable = xquad_pairs(Searcher(library), questions)
    print(f"XQuAD: {len(answerable)} answerable, {len(unanswerable)} unanswerable (gold paragraphs removed)")
    print(table(answerable, unanswerable))
    positives, negatives = seed_confidences(library.encoder)
    print(f"\nseed questions: lowest answerable confidence {min(positives):.3f}, "
          f"highest unanswerable {max(negatives):.3f}; configured threshold {settings.min_score:.2f}")


if __name__ == "__main__":
    main()
