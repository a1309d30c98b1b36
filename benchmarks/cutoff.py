"""Choose the relative cut-off: results shown against answers kept, per share of the best score.

An answer shows up to k results; with a cut-off ``c`` only those scoring at least ``c`` times
the best one are shown ("More results" still reaches the rest). For each question set and each
``c``: the mean number of results shown, the share of questions whose gold article is among
them (against hit@k with no cut-off), and the mean number of non-gold results shown.

Usage (libraries as in docs/quality.md; ``--split-at`` reports the two halves of a set apart):
    .venv/bin/python benchmarks/cutoff.py /tmp/newsbot-rtqa=../shared/eval/rtqa-dev/questions.jsonl \\
        /tmp/newsbot-xquad=../shared/eval/xquad/questions.jsonl --split-at 20220722
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.errors import BadInputError  # noqa: E402
from retrieval.evaluation.questions import load_questions, split_questions  # noqa: E402
from retrieval.rank import relative_cut  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

SHARES = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)


def answers(data_dir: Path, questions: list[dict]) -> list[tuple[list[float], list[bool]]]:
    """Each question's result scores and whether each result is a gold article (k results, no cut-off)."""
    settings = load_settings(data_dir=data_dir)
    library = open_library(settings)
    searcher = Searcher(library)
    options = SearchOptions.from_settings(settings, min_score=0.0, cutoff=0.0, highlight=False)
    out = []
    for item in questions:
        hits = searcher.ask(item["question"], options).hits
        gold = set(item["gold_urls"])
        out.append(([h.score for h in hits], [h.article.link in gold for h in hits]))
    library.close()
    return out


def table(name: str, results: list[tuple[list[float], list[bool]]]) -> str:
    """One row per cut-off share."""
    lines = [f"{name}: {len(results)} questions",
             f"{'cut-off':>7} {'shown':>6} {'gold shown':>10} {'others shown':>12}", "-" * 38]
    for share in SHARES:
        shown = [relative_cut(scores, share) for scores, _ in results]
        gold = sum(any(flags[:n]) for n, (_, flags) in zip(shown, results)) / len(results)
        others = sum(n - sum(flags[:n]) for n, (_, flags) in zip(shown, results)) / len(results)
        lines.append(f"{share:>7.2f} {sum(shown) / len(shown):>6.2f} {gold:>10.3f} {others:>12.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="LIBRARY=QUESTIONS.jsonl (gold-url questions)")
    parser.add_argument("--split-at", default=None, help="also report questions by id before/from this")
    args = parser.parse_args()
    for spec in args.sets:
        library, questions = spec.split("=", 1)
        items = [q for q in load_questions(Path(questions)) if q.get("gold_urls")]
        results = dict(zip(map(id, items), answers(Path(library), items)))
        for part, chosen in [("all questions", items), *halves(items, args.split_at)]:
            print(table(f"{Path(questions).parent.name} ({part})", [results[id(q)] for q in chosen]) + "\n")


def halves(items: list[dict], at: str | None) -> list[tuple[str, list[dict]]]:
    """The two halves of a set split by id, or none when the split does not divide this set."""
    try:
        return split_questions(items, at) if at else []
    except BadInputError:
        return []


if __name__ == "__main__":
    main()
