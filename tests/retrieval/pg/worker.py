"""A second process on the same PostgreSQL library, for the cross-process tests (fake model).

    python -m tests.retrieval.pg.worker ask URL      # JSON lines in: {"question", "guild"}; out: the urls found
    python -m tests.retrieval.pg.worker ingest URL N  # adds N generated articles in batches of 16
"""

import json
import sys
from pathlib import Path

from config.settings import Settings
from retrieval.ingest import ingest_documents
from retrieval.pg.library import PgLibrary
from retrieval.search import Searcher, SearchOptions
from tests.helpers import HashEncoder, doc


def story(number: int):
    return doc(f"Story {number} about the harbour: ships number {number} arrived at dawn.\n\n"
               f"The crew of ship {number} unloaded grain and timber for the town.", title=f"Harbour story {number}",
               url=f"u-story-{number}")


def main() -> None:
    action, url = sys.argv[1], sys.argv[2]
    library = PgLibrary.from_settings(Settings(data_dir=Path("/nonexistent"), database_url=url), HashEncoder())
    if action == "ingest":
        for start in range(0, int(sys.argv[3]), 16):
            ingest_documents(library, [story(n) for n in range(start, start + 16)])
            print(start + 16, flush=True)
        return
    searcher = Searcher(library)
    print("ready", flush=True)
    for line in sys.stdin:
        item = json.loads(line)
        answer = searcher.ask(item["question"], SearchOptions(min_score=0.0, cutoff=0.0, k=10), [None, item["guild"]])
        print(json.dumps(sorted({h.article.url for h in answer.hits})), flush=True)


if __name__ == "__main__":
    main()
