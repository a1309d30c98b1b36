"""Fitting the answer/no-answer model (retrieval/answerability.py) and choosing its threshold.

Each question of the tune part (ids before ``--split-at``) is asked twice, as of its ``asked`` day:
with its gold articles (the answer should be shown: label 1) and with them excluded by a filter
(label 1 only when its ``answer`` text is still in a passage shown, from another article, else 0).
A logistic model is fitted on the four signals of those answers, and the threshold is the highest
that still answers ``--answered`` of the tune questions with their gold present. Both are printed
for the tune part and the reported part (which played no part in either), beside the single
score used before (``retrieval.rank.confidence``) at its own threshold chosen the same way.
``--save`` writes the model to retrieval/answer_model.json.

    .venv/bin/python benchmarks/fit_answerability.py /tmp/newsbot-rtqa ../shared/eval/rtqa-dev/questions.jsonl \\
        --split-at 20220722 --save
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import load_settings  # noqa: E402
from retrieval.answerability import FEATURES, fit, signals  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.evaluation.questions import asked_at, load_questions, split_questions  # noqa: E402
from retrieval.rank import confidence  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402


def rows(searcher: Searcher, questions: list[dict], base: SearchOptions) -> list[tuple[list[float], int, float, bool]]:
    """(features, label, the old single score, gold present) of each question, with and without its gold."""
    out = []
    for item in questions:
        options = asked_at(base, item)
        without = dataclasses.replace(options, filters=dataclasses.replace(options.filters,
                                                                           exclude=tuple(item["gold_urls"])))
        for present, opts in ((True, options), (False, without)):
            hits = searcher.ask(item["question"], opts).hits[:base.k]
            coverages = searcher.coverage(item["question"], hits)
            features = signals(hits, coverages)
            if features is None:
                continue
            shown = " ".join(h.text.lower() for h in hits)
            label = 1 if present else int(bool(item.get("answer")) and str(item["answer"]).lower() in shown)
            out.append((features, label, confidence([h.dense for h in hits], coverages), present))
    return out


def rates(scores: np.ndarray, labels: np.ndarray, present: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of gold-present questions answered, share of gold-absent ones answered wrongly)."""
    answered = scores >= threshold
    wrong = (answered & ~present & (labels == 0)).sum() / max(1, (~present).sum())
    return float(answered[present].mean()), float(wrong)


def threshold_for(scores: np.ndarray, present: np.ndarray, share: float) -> float:
    """The highest threshold that answers at least ``share`` of the gold-present questions."""
    ordered = np.sort(scores[present])[::-1]
    return float(ordered[max(0, int(np.ceil(share * len(ordered))) - 1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--split-at", required=True)
    parser.add_argument("--answered", type=float, default=0.98, help="share of tune questions to answer")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a SearchOptions number to ask with instead of the settings' (repeatable)")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    settings = load_settings(data_dir=args.data_dir)
    library = open_library(settings)
    searcher = Searcher(library, cache_size=0)
    changed = {name: float(value) for name, value in (o.split("=", 1) for o in args.option)}
    base = SearchOptions.from_settings(settings, min_score=0.0, cutoff=0.0, **changed)  # as the product shows
    (tune_name, tune), (report_name, report) = split_questions(load_questions(args.questions), args.split_at)
    parts = {name: rows(searcher, part, base) for name, part in ((tune_name, tune), (report_name, report))}
    features, labels, old, present = (np.array(x) for x in zip(*parts[tune_name]))
    model = fit(features.astype(float), labels.astype(float), fitted_on=f"{args.questions.parent.name} {tune_name}")
    probability = np.array([model.probability(list(f)) for f in features])
    chosen = {"model": threshold_for(probability, present, args.answered),
              "single score": threshold_for(old, present, args.answered)}
    print(f"fitted on {tune_name}: {len(features)} answers; weights {np.round(model.weights, 3).tolist()} "
          f"({', '.join(FEATURES)}), bias {model.bias:.3f}")
    print(f"{'decision':<13} {'threshold':>9} {'part':<22} {'answered (gold in)':>18}"
          f" {'confidently wrong (gold out)':>28}")
    for name, data in parts.items():
        f, y, s, p = (np.array(x) for x in zip(*data))
        scores = {"model": np.array([model.probability(list(v)) for v in f]), "single score": s}
        for decision, threshold in chosen.items():
            answered, wrong = rates(scores[decision], y, p.astype(bool), threshold)
            print(f"{decision:<13} {threshold:>9.3f} {name:<22} {answered:>18.3f} {wrong:>28.3f}")
    if args.save:
        model.save()
        print(f"saved retrieval/answer_model.json; set NEWSBOT_MIN_SCORE={chosen['model']:.2f}")
    library.close()


if __name__ == "__main__":
    main()
