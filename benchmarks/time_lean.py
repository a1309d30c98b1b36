"""Questions that ask for the newest or the first reporting ("the latest on …", "initially"), on Timeline17.

T17 holds months of dated reporting on four stories in one library. Each story is asked about
as of several days after it began, in words that lean one way, and the results' publication days
are compared with and without reading those words (``SearchOptions.lean``):

- "What is the latest on <story>?": the mean age of the 5 results at the asking day (lower is
  the newest reporting) and the share of results from the last 7 days;
- "What were the first reports of <story>?": the mean days from the story's first day (the
  earliest gold timeline day) to the results' days (lower is the first reporting).

    .venv/bin/newsbot --data-dir /tmp/newsbot-t17 ingest ../shared/eval/t17-dev/articles.jsonl
    .venv/bin/python benchmarks/time_lean.py /tmp/newsbot-t17
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.records import Filters  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

T17 = PROJECT_ROOT.parent / "shared" / "eval" / "t17-dev" / "timelines.jsonl"
AFTER_DAYS = (14, 30, 60, 120)  # asking days after each story began


def stories() -> dict[str, tuple[str, dt.date]]:
    """Each story's query and first day (the earliest day of its gold timelines)."""
    found: dict[str, tuple[str, dt.date]] = {}
    for line in T17.read_text().splitlines():
        item = json.loads(line)
        first = dt.date.fromisoformat(item["since"])
        if item["story"] not in found or first < found[item["story"]][1]:
            found[item["story"]] = (item["query"], first)
    return found


def days_of(searcher: Searcher, question: str, asked: dt.date, lean: str) -> list[dt.date]:
    options = SearchOptions(min_score=0.0, cutoff=0.0, lean=lean, filters=Filters(as_of=asked.isoformat()))
    return [dt.date.fromisoformat(h.article.date) for h in searcher.ask(question, options).hits if h.article.date]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args()
    library = open_library(load_settings(data_dir=args.data_dir))
    searcher = Searcher(library, cache_size=0)
    rows: dict[str, list[float]] = {}
    for query, first in stories().values():
        for after in AFTER_DAYS:
            asked = first + dt.timedelta(days=after)
            for lean in ("none", ""):
                latest = days_of(searcher, f"What is the latest on {query}?", asked, lean)
                earliest = days_of(searcher, f"What were the first reports of {query}?", asked, lean)
                rows.setdefault(f"{lean or 'read'} age", []).append(np.mean([(asked - d).days for d in latest]))
                rows.setdefault(f"{lean or 'read'} week", []).append(np.mean([(asked - d).days <= 7 for d in latest]))
                rows.setdefault(f"{lean or 'read'} first", []).append(np.mean([(d - first).days for d in earliest]))
    print(f"{len(stories())} stories x {len(AFTER_DAYS)} asking days ({', '.join(map(str, AFTER_DAYS))} days in)")
    print(f"{'words about time':<20} {'latest: mean age':>17} {'from last 7 days':>17} {'first: days in':>15}")
    for lean, label in (("none", "not read"), ("read", "read (lean)")):
        print(f"{label:<20} {np.mean(rows[f'{lean} age']):>17.1f} {np.mean(rows[f'{lean} week']):>17.2f}"
              f" {np.mean(rows[f'{lean} first']):>15.1f}")
    library.close()


if __name__ == "__main__":
    main()
