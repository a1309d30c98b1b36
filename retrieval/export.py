"""A library's articles as JSONL in the ingest format (nothing lives only in a binary index)."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.errors import BadInputError
from retrieval.library import Library


def export_jsonl(library: Library, path: Path, guild_id: int | None = None) -> int:
    """Write a scope's articles as JSONL in the ingest format; return how many.

    The file is written to a temporary name and moved into place (nothing is left behind when
    writing fails). Each record keeps the article's original ``path``, so a re-import knows it as
    the same article.

    Raises:
        BadInputError: the path is a folder, or its folder does not exist or cannot be written.
    """
    if path.is_dir():
        raise BadInputError(f"{path} is a folder: give a file name, e.g. {path / 'library.jsonl'}")
    if not path.parent.is_dir():
        raise BadInputError(f"cannot write {path}: the folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for article in library.articles([guild_id]):
                record = {"title": article.title, "text": library.store.article_body(article.id),
                          "url": article.url, "source": article.source, "author": article.author,
                          "date": article.date, "path": article.path}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return count
