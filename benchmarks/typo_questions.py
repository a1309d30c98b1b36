"""A question file with a typing slip in each question: two neighbouring letters of one word swapped.

Reads a JSONL question file (``newsbot eval``'s format) and writes it again with one content word
of five letters or more per question given two neighbouring inner letters swapped ("containers"
→ "cotnainers"), the word and the place drawn from ``--seed``. Asking both files measures how
much a reader's slips cost:

    .venv/bin/python benchmarks/typo_questions.py benchmarks/seed_reader_questions.jsonl > /tmp/typos.jsonl
    .venv/bin/newsbot --data-dir /tmp/newsbot-seeds eval /tmp/typos.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.terms import STOPWORDS  # noqa: E402


def with_slip(question: str, rng: random.Random) -> str:
    """``question`` with two neighbouring inner letters of one of its longer words swapped."""
    words = question.split()
    places = [i for i, w in enumerate(words) if len(re.sub(r"\W", "", w)) >= 5 and w.lower() not in STOPWORDS]
    if not places:
        return question
    i = rng.choice(places)
    core = re.sub(r"\W", "", words[i])
    j = rng.randrange(1, len(core) - 2)
    words[i] = words[i].replace(core, core[:j] + core[j + 1] + core[j] + core[j + 2:], 1)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for line in args.questions.open():
        item = json.loads(line)
        item["question"] = with_slip(item["question"], rng)
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main()
