"""A library's articles as JSONL in the ingest format (nothing lives only in a binary index)."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.library import Library


def export_jsonl(library: Library, path: Path, guild_id: int | None = None) -> int:
    """Write a scope's articles as JSONL in the ingest format; return how many.

    The file is written to a temporary name and moved into place.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for article in library.articles([guild_id]):
            record = {"title": article.title, "text": library.store.article_body(article.id),
                      "url": article.url, "source": article.source, "author": article.author,
                      "date": article.date}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count
