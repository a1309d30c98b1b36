"""The closest passage of a question not answered: how often it is shown, and how often it holds the answer.

A question refused ("not in the library") whose confidence still reaches ``NEWSBOT_HINT_SCORE``
shows its best passage, marked unsure. For each threshold this prints, per question set, the
refused questions that would show one and the share of those passages that hold the answer
(rtqa-dev: its ``answer`` text; seed files: an ``expect`` text), and how many of the questions the
library cannot answer (seed ``expect_none``) would show one. rtqa-dev questions are asked as of
their ``asked`` day, with their gold articles and again without them (``--without-gold``'s filter);
the threshold is chosen on the tune half (ids before ``--split-at``):

    .venv/bin/python benchmarks/closest_passage.py --news /tmp/newsbot-rtqa=../shared/eval/rtqa-dev/questions.jsonl \\
        --seeds /tmp/newsbot-seeds=../shared/eval/seed_dev_questions.jsonl,benchmarks/seed_reader_questions.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.evaluation.questions import asked_at, load_questions, split_questions  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

THRESHOLDS = (0.0, 0.05, 0.1, 0.2, 0.3)
Refusal = tuple[float, bool | None]  # (confidence, the closest passage holds the answer; None: nothing to hold)


def refusals(searcher: Searcher, items: list[dict], base: SearchOptions, *, without_gold: bool) -> list[Refusal]:
    """The confidence of each refused question and whether its closest passage holds the answer."""
    out: list[Refusal] = []
    for item in items:
        options = asked_at(base, item)
        if without_gold:
            options = dataclasses.replace(options, filters=dataclasses.replace(
                options.filters, exclude=tuple(item.get("gold_urls") or ())))
        answer = searcher.ask(item["question"], options)
        if answer.answered:
            continue
        text = answer.closest[0].text if answer.closest else ""
        wanted = [str(item["answer"])] if item.get("answer") else list(item.get("expect") or [])
        if isinstance(item.get("expect"), str):
            wanted = [item["expect"]]
        out.append((answer.confidence, any(w.lower() in text.lower() for w in wanted) if wanted else None))
    return out


def row(label: str, found: list[Refusal]) -> str:
    cells = []
    for threshold in THRESHOLDS:
        shown = [holds for confidence, holds in found if confidence >= threshold]
        judged = [h for h in shown if h is not None]
        share = f"{sum(judged) / len(judged):.2f}" if judged else "-"
        cells.append(f"{len(shown):>3} / {share:>4}")
    return f"{label:<34} {len(found):>7} " + " ".join(f"{c:>11}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", required=True, metavar="DIR=QUESTIONS")
    parser.add_argument("--seeds", required=True, metavar="DIR=QUESTIONS[,QUESTIONS]")
    parser.add_argument("--split-at", default="20220722")
    args = parser.parse_args()
    print(f"{'questions':<34} {'refused':>7} " + " ".join(f"{f'≥{t:.2f}':>11}" for t in THRESHOLDS))
    print(f"{'':<34} {'':>7} " + " ".join(f"{'shown/holds':>11}" for _ in THRESHOLDS))
    where, questions = args.news.split("=", 1)
    settings = load_settings(data_dir=Path(where))
    searcher = Searcher(open_library(settings), cache_size=0)
    base = SearchOptions.from_settings(settings, hint_score=0.0)
    for name, part in split_questions(load_questions(Path(questions)), args.split_at):
        print(row(f"rtqa {name}, gold in", refusals(searcher, part, base, without_gold=False)))
        print(row(f"rtqa {name}, gold out", refusals(searcher, part, base, without_gold=True)))
    where, files = args.seeds.split("=", 1)
    settings = load_settings(data_dir=Path(where))
    searcher = Searcher(open_library(settings), cache_size=0)
    base = SearchOptions.from_settings(settings, hint_score=0.0)
    for file in files.split(","):
        items = load_questions(Path(file))
        print(row(f"{Path(file).stem}, answerable", refusals(searcher, [i for i in items if not i.get("expect_none")],
                                                               base, without_gold=False)))
        if none := [i for i in items if i.get("expect_none")]:
            print(row(f"{Path(file).stem}, not in the library", refusals(searcher, none, base, without_gold=False)))


if __name__ == "__main__":
    main()
