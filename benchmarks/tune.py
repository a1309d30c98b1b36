"""Choosing search settings on one part of a question set and reporting them on the other.

Every combination of the grid is scored (hybrid hit@1, hit@5, MRR@10, each question asked at its
``asked`` day) on the questions whose id sorts before ``--split-at``. The choice: of the settings
within ``--tolerance`` of the best MRR@10 (47 questions cannot tell 0.001 apart), the first in
grid order, i.e. the smallest values (the mildest assumption). It is then scored once on the
rest, which played no part in the choice.

    .venv/bin/python benchmarks/tune.py /tmp/newsbot-rtqa ../shared/eval/rtqa-dev/questions.jsonl \\
        --split-at 20220722 --grid recency_weight=0.2,0.4 recency_days=14,60,180
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.evaluation.questions import evaluate, load_questions, split_questions  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402


def grid(specs: list[str]) -> list[dict[str, float]]:
    """Every combination of ``name=v1,v2`` specs."""
    axes = [(name, [float(v) for v in values.split(",")]) for name, values in (s.split("=", 1) for s in specs)]
    return [dict(zip([n for n, _ in axes], combo)) for combo in itertools.product(*(v for _, v in axes))]


def score(searcher: Searcher, questions: list[dict], options: SearchOptions) -> tuple[float, float, float]:
    result = evaluate(searcher, questions, "hybrid", options)
    return result.hit_at(1), result.hit_at(5), result.mrr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--split-at", required=True)
    parser.add_argument("--grid", nargs="+", required=True, help="name=v1,v2 (SearchOptions fields), smallest first")
    parser.add_argument("--tolerance", type=float, default=0.005, help="MRR@10 within this of the best is as good")
    args = parser.parse_args()
    settings = load_settings(data_dir=args.data_dir)
    library = open_library(settings)
    searcher = Searcher(library, cache_size=0)
    (tune_name, tune), (report_name, report) = split_questions(load_questions(args.questions), args.split_at)
    base = SearchOptions.from_settings(settings)
    rows = []
    print(f"tuned on {tune_name} ({len(tune)}), reported on {report_name} ({len(report)})")
    print(f"{'setting':<48} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
    for values in grid(args.grid):
        options = dataclasses.replace(base, **values)
        hit1, hit5, mrr = score(searcher, tune, options)
        rows.append((mrr, hit1, values))
        print(f"{str(values):<48} {hit1:>6.3f} {hit5:>6.3f} {mrr:>7.3f}", flush=True)
    top = max(mrr for mrr, _, _ in rows)
    best = next(values for mrr, _, values in rows if mrr >= top - args.tolerance)
    hit1, hit5, mrr = score(searcher, report, dataclasses.replace(base, **best))
    print(f"chosen {best}: on {report_name} hit@1 {hit1:.3f}, hit@5 {hit5:.3f}, MRR@10 {mrr:.3f}")
    library.close()


if __name__ == "__main__":
    main()
