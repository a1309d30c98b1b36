"""A second process on the same PostgreSQL library, for the cross-process tests (fake model).

    python -m tests.retrieval.pg.worker ask URL [MODEL]  # JSON lines in: {"question", "guild"}; out: the urls found
                                                     # (or {"error": …} when the process refuses to answer)
    python -m tests.retrieval.pg.worker ingest URL N  # adds N generated articles in batches of 16
"""

import json
import sys
from pathlib import Path

from config.settings import Settings
from retrieval.errors import ModelMismatchError
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
    model = sys.argv[3] if action == "ask" and len(sys.argv) > 3 else ""
    encoder = HashEncoder(name=model, salt=model) if model else HashEncoder()
    library = PgLibrary.from_settings(Settings(data_dir=Path("/nonexistent"), database_url=url), encoder)
    if action == "ingest":
        for start in range(0, int(sys.argv[3]), 16):
            ingest_documents(library, [story(n) for n in range(start, start + 16)])
            print(start + 16, flush=True)
        return
    searcher = Searcher(library)
    print("ready", flush=True)
    for line in sys.stdin:
        item = json.loads(line)
        try:
            answer = searcher.ask(item["question"], SearchOptions(min_score=0.0, cutoff=0.0, k=10, mode=item.get(
                "mode", "hybrid")), [None, item["guild"]])
        except ModelMismatchError as exc:
            print(json.dumps({"error": str(exc)}), flush=True)
            continue
        print(json.dumps(sorted({h.article.url for h in answer.hits})), flush=True)


if __name__ == "__main__":
    main()
