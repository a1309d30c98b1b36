"""Timelines on Timeline17: the product's timelines against the journalists', beside the baseline.

For each gold timeline in ``t17-dev/timelines.jsonl`` the library (all 2,286 articles of the four
stories, ingested with ``newsbot ingest``) is asked for the timeline of the gold's query, window,
number of days and sentences per day, as ``newsbot timeline "<query>" --since --until --dates N
--sentences K --json`` does; ``score_timeline.py`` (shipped with the data) scores Date-F1 and
ROUGE-1 beside its publication-count baseline, computed in the same run. ``--grid`` tries other
day weights (the module's PUBLISHED_WEIGHT, NAMED_WEIGHT, MIN_RELEVANCE):

    .venv/bin/newsbot --data-dir /tmp/newsbot-t17 ingest ../shared/eval/t17-dev/articles.jsonl
    .venv/bin/python benchmarks/timelines.py /tmp/newsbot-t17 [--grid NAMED_WEIGHT=0.25,0.5,1] [--oracle]

``--oracle`` also scores an upper bound for the sentences: on each day the product chose that the
gold has too, sentences picked one by one for their ROUGE-1 against the gold day, from that day's
articles of the story and the product's own sentences.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import re
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


def oracle(gold: list[dict], found: list[dict]) -> list[dict]:
    """The product's days with, on each day the gold has too, the sentences that best match the
    gold's (chosen greedily by ROUGE-1, which knows the gold: an upper bound, not a method)."""
    sys.path.insert(0, str(T17))
    from score_timeline import rouge1, toks

    articles = [json.loads(line) for line in (T17 / "articles.jsonl").open()]
    out = []
    for item, predicted in zip(gold, found):
        by_day: dict[str, list[str]] = collections.defaultdict(list)
        for article in articles:
            if article["url"].startswith(f"t17://{item['story']}_"):
                by_day[article["date"]].extend(s for s in re.split(r"(?<=[.!?])\s+", article["text"].replace("\n", " "))
                                               if 5 <= len(toks(s)) <= 60)
        wanted = {e["date"]: " ".join(e["sentences"]) for e in item["entries"]}
        entries = []
        for entry in predicted["entries"]:
            day, chosen = entry["date"], list(entry["sentences"])
            if day in wanted:
                pool, chosen = by_day.get(day, []) + entry["sentences"], []
                for _ in range(item["sentences_per_date"]):
                    best = max((s for s in pool if s not in chosen), default=None,
                               key=lambda s: rouge1(" ".join([*chosen, s]), wanted[day]))
                    gain = best is not None and (rouge1(" ".join([*chosen, best]), wanted[day])
                                                 > rouge1(" ".join(chosen), wanted[day]))
                    if not gain:
                        break
                    chosen.append(best)
            entries.append({"date": day, "sentences": chosen})
        out.append({"entries": entries})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("--grid", nargs="*", default=[], help="NAME=v1,v2 (constants of retrieval/timeline.py)")
    parser.add_argument("--oracle", action="store_true", help="also the sentences' upper bound on the product's days")
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
        found = predictions(library, gold)
        print(score(gold_path, found), flush=True)
        if args.oracle:
            print("oracle sentences on the product's days:", score(gold_path, oracle(gold, found)).splitlines()[-1])
    library.close()


if __name__ == "__main__":
    main()
