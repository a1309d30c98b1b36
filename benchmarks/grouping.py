"""Same-story grouping: how often the product must embed sentences, and what it shows.

For each question the product's top results (k plus the grouping spares) are grouped three
ways: by the highlighted sentences each embedded on its own (the reference: every pair
decided by the calibrated cosine, one model run per question), by the previous rule
(in-context vectors pre-select, sentences alone decide) and by the product (in-context
vectors with part of the passage's vector taken out settle clear pairs; sentences are
embedded alone only for pairs left in doubt, and only while the later result can still be
shown). Printed: pairs that may be grouped, false merges and missed merges against the
reference, the share of questions that needed a model run, the questions whose shown
results differ from the reference, and the grouping time.

    .venv/bin/python benchmarks/grouping.py --library DIR [--questions xquad|trec] [--limit N]
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.group import PRESELECT, SAME_SENTENCE, Verdicts, _may_join, group_same_story  # noqa: E402
from retrieval.highlight import highlights  # noqa: E402
from retrieval.records import Hit  # noqa: E402
from retrieval.search import GROUPING_SPARE, Searcher, SearchOptions  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"
SHOWN = 5


def questions(source: str, limit: int) -> list[str]:
    """XQuAD questions, or the distinct TREC QA questions (dev and test)."""
    if source == "trec":
        rows = [r for name in ("dev", "test") for r in csv.DictReader((EVAL / "trecqa" / f"{name}.csv").open())]
        return list(dict.fromkeys(r["qtext"] for r in rows))[:limit]
    lines = (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines][:limit]


def shown(grouped: list[Hit]) -> list[tuple[int, tuple[int, ...]]]:
    """What a reader sees: each shown result's passage and the articles listed with it."""
    return [(h.passage_id, tuple(sorted(a.id for a in h.also_reported_by))) for h in grouped[:SHOWN]]


def measure(library: EmbeddedLibrary, items: list[str]) -> dict[str, float]:
    """Pairs, errors against the reference, questions needing a model run, shown differences."""
    searcher, encoder = Searcher(library), library.encoder
    options = SearchOptions(k=SHOWN + GROUPING_SPARE, group=False, min_score=0.0)
    totals = dict.fromkeys(("pairs", "same", "old runs", "old missed", "new runs", "new false", "new missed",
                            "product runs", "shown differs"), 0)
    times: list[float] = []
    for question in items:
        hits = searcher.ask(question, options).hits
        if len(hits) < 2:
            continue
        ids = [h.passage_id for h in hits]
        query = encoder.encode([question])[0]
        stored = library.sentence_vectors(ids)
        sentences = [v for _, v in highlights(question, query, [h.text for h in hits], encoder,
                                              [stored.get(i) for i in ids])]
        vectors = library.vectors_for(ids)
        passages = [vectors.get(i) for i in ids]
        alone = encoder.encode([h.highlight for h in hits])
        _count_pairs(Verdicts(hits, sentences, passages, encoder.encode), alone, totals)
        reference = shown(group_same_story(copy.deepcopy(hits), list(alone), passages))
        runs: list[int] = []
        started = time.perf_counter()
        def counted(texts: list[str], runs: list[int] = runs) -> np.ndarray:
            runs.append(len(texts))
            return encoder.encode(texts)

        grouped = group_same_story(copy.deepcopy(hits), sentences, passages, counted, shown=SHOWN)
        times.append((time.perf_counter() - started) * 1000)
        totals["product runs"] += bool(runs)
        totals["shown differs"] += shown(grouped) != reference
    totals["p50 ms"], totals["p95 ms"] = float(np.percentile(times, 50)), float(np.percentile(times, 95))
    return totals


def _count_pairs(verdicts: Verdicts, alone: np.ndarray, totals: dict) -> None:
    """Add each pair's verdicts, by the previous rule and the product's, to ``totals``."""
    hits, sentences = verdicts.hits, verdicts.sentences
    old_run = new_run = False
    for a in range(len(hits)):
        for b in range(a + 1, len(hits)):
            if not _may_join(hits[b], [hits[a]]) or sentences[a] is None or sentences[b] is None:
                continue
            same = float(alone[a] @ alone[b]) >= SAME_SENTENCE
            preselected = float(sentences[a] @ sentences[b]) >= PRESELECT
            cheap = verdicts.cheap(a, b)
            new = same if cheap is None else cheap
            totals["pairs"] += 1
            totals["same"] += same
            totals["old missed"] += same and not preselected  # the old rule let the sentences alone decide
            totals["new false"] += new and not same
            totals["new missed"] += same and not new
            old_run |= preselected
            new_run |= cheap is None
    totals["old runs"] += old_run
    totals["new runs"] += new_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path, help="a library built with the default backend")
    parser.add_argument("--questions", default="xquad", help="xquad or trec")
    parser.add_argument("--limit", type=int, default=100_000)
    args = parser.parse_args()
    library = open_library(load_settings(data_dir=args.library))
    items = questions(args.questions, args.limit)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{len(items)} {args.questions} questions, top {SHOWN} shown + {GROUPING_SPARE} spares")
    t = measure(library, items)
    n = len(items)
    print(f"pairs that may be grouped: {t['pairs']:,}; the same statement (sentences alone >= {SAME_SENTENCE}): "
          f"{t['same']:,}")
    print(f"{'rule':<58} {'false merges':>12} {'missed':>7} {'questions embedding':>20}")
    rows = [("sentences alone decide every pair (reference)", 0, 0, 1.0),
            (f"previous: in-context >= {PRESELECT} pre-selects, alone decides", 0, t["old missed"], t["old runs"] / n),
            ("product: context taken out, only pairs in doubt embedded", t["new false"], t["new missed"],
             t["new runs"] / n),
            ("  ... and only while the result can still be shown", "", "", t["product runs"] / n)]
    for label, false, missed, share in rows:
        print(f"{label:<58} {false:>12} {missed:>7} {share:>19.1%}")
    print(f"questions whose {SHOWN} shown results (with 'also reported by') differ from the reference: "
          f"{t['shown differs']} of {n}")
    print(f"product grouping time per question: p50 {t['p50 ms']:.2f} ms, p95 {t['p95 ms']:.2f} ms")


if __name__ == "__main__":
    main()
