"""Timelines on Timeline17: the product's timelines against the journalists', beside the baseline.

For each gold timeline in ``t17-dev/timelines.jsonl`` the library (all 2,286 articles of the four
stories, ingested with ``newsbot ingest``) is asked for the timeline of the gold's query, window,
number of days and sentences per day, as ``newsbot timeline "<query>" --since --until --dates N
--sentences K --json`` does; ``score_timeline.py`` (shipped with the data) scores Date-F1 and
ROUGE-1 beside its publication-count baseline, computed in the same run. ``--grid`` tries other
day weights (the module's PUBLISHED_WEIGHT, NAMED_WEIGHT, MIN_RELEVANCE):

    .venv/bin/newsbot --data-dir /tmp/newsbot-t17 ingest ../shared/eval/t17-dev/articles.jsonl
    .venv/bin/python benchmarks/timelines.py /tmp/newsbot-t17 [--grid NAMED_WEIGHT=0.25,0.5,1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli import timeline_entry_json  # noqa: E402
from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval import timeline  # noqa: E402
from retrieval.backend import open_library  # noqa: E402

T17 = PROJECT_ROOT.parent / "shared" / "eval" / "t17-dev"


def predictions(library, gold: list[dict]) -> list[dict]:
    """One ``newsbot timeline --json`` object per gold timeline."""
    out = []
    for item in gold:
        entries = timeline.timeline_for_question(library, item["query"], dates=item["dates"],
                                                 sentences_per_date=item["sentences_per_date"],
                                                 since=item["since"], until=item["until"])
        out.append({"entries": [timeline_entry_json(e) for e in entries]})
    return out


def score(gold_path: Path, found: list[dict]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("".join(json.dumps(p) + "\n" for p in found))
    result = subprocess.run([sys.executable, str(T17 / "score_timeline.py"), str(gold_path),
                             str(T17 / "articles.jsonl"), handle.name], capture_output=True, text=True, check=True)
    os.unlink(handle.name)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("--grid", nargs="*", default=[], help="NAME=v1,v2 (constants of retrieval/timeline.py)")
    args = parser.parse_args()
    library = open_library(load_settings(data_dir=args.library))
    gold_path = T17 / "timelines.jsonl"
    gold = [json.loads(line) for line in gold_path.open()]
    axes = [(n, [int(v) if v.isdigit() else float(v) for v in vs.split(",")])
            for n, vs in (g.split("=", 1) for g in args.grid)]
    for combo in itertools.product(*(values for _, values in axes)) if axes else [()]:
        for (name, _), value in zip(axes, combo):
            setattr(timeline, name, value)
        label = ", ".join(f"{n}={v}" for (n, _), v in zip(axes, combo)) or "defaults"
        print(f"--- {label}")
        print(score(gold_path, predictions(library, gold)), flush=True)
    library.close()


if __name__ == "__main__":
    main()
