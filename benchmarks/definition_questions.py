"""How often "Who/What is NAME?" is answered by the passage that names it (retrieval/definition_question.py).

For every XQuAD question of that form, asked against the library holding its paragraph and again
with its gold paragraphs excluded (the hard negative): whether the first result names the subject
(the rule fires), and whether a gold paragraph is in the top 3. The confidence the rule gives is
the share of firing answerable questions with the gold shown, smoothed ((hits + 1) / (n + 2));
a rule that fires on hard negatives would show here.

    .venv/bin/python benchmarks/definition_questions.py --data-dir /tmp/newsbot-xquad
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.definition_question import defined_name, names_it  # noqa: E402
from retrieval.records import Filters  # noqa: E402
from retrieval.search import Searcher, SearchOptions  # noqa: E402

XQUAD = PROJECT_ROOT.parent / "shared" / "eval" / "xquad" / "questions.jsonl"


def fires(searcher: Searcher, question: str, subject: str, options: SearchOptions) -> tuple[bool, list[str]]:
    """Whether the first result names the subject; the top 3 results' links."""
    answer = searcher.ask(question, options)
    hits = answer.hits or answer.closest
    return bool(hits) and names_it(subject, hits[0].text), [h.article.url for h in answer.hits[:3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=XQUAD)
    args = parser.parse_args()
    settings = load_settings(data_dir=args.data_dir)
    searcher = Searcher(open_library(settings), cache_size=0)
    options = SearchOptions.from_settings(settings)
    asked = fired = shown = fired_without = 0
    for line in args.questions.open():
        item = json.loads(line)
        subject = defined_name(item["question"])
        if subject is None:
            continue
        asked += 1
        hit, top = fires(searcher, item["question"], subject, options)
        excluded = dataclasses.replace(options, filters=Filters(exclude=tuple(item["gold_urls"])))
        hit_without, _ = fires(searcher, item["question"], subject, excluded)
        fired += hit
        shown += hit and any(url in item["gold_urls"] for url in top)
        fired_without += hit_without
        print(f"fires {hit!s:5} gold in top 3 {any(u in item['gold_urls'] for u in top)!s:5}"
              f" fires without gold {hit_without!s:5}  {item['question'][:70]}")
    print(f"{asked} questions of the form; the rule fires on {fired} (gold shown on {shown}) and on"
          f" {fired_without} of their hard negatives; smoothed rate {(shown + 1) / (fired + 2):.2f}")


if __name__ == "__main__":
    main()
