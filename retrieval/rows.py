"""Row shapes the SQL of both storage backends shares: the article columns and what is built from rows.

Rows are those of either driver (``sqlite3.Row``, psycopg's row): both are read by name and by position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from retrieval.records import Article, ArticleCopy, Chunk, Document
from retrieval.sentence_vectors import SentenceVectors, unpack_many

ARTICLE_COLUMNS = "a.id, a.title, a.source, a.author, a.date, a.url, a.path, a.guild_id"
COPY_COLUMNS = "id, guild_id, title, source, author, date, url, path, body"


def article_from_row(row: Any) -> Article:
    """An :class:`Article` from a row holding :data:`ARTICLE_COLUMNS`."""
    return Article(id=row["id"], title=row["title"], source=row["source"], author=row["author"],
                   date=row["date"], url=row["url"], path=row["path"], guild_id=row["guild_id"])


def counted_article(row: Any) -> Article:
    """An :class:`Article` from :data:`ARTICLE_COLUMNS` followed by its passage count."""
    article = article_from_row(row)
    article.passages = int(row[8])
    return article


def sentence_vectors_of(rows: Iterable[Any]) -> dict[int, SentenceVectors]:
    """The sentence vectors carried by passage rows read with ``sentences=True`` (columns ``pid``,
    ``spans``, ``vectors``, ``scales``), by passage id (passages stored without them are left out)."""
    return unpack_many([(r["pid"], r["spans"], r["vectors"], r["scales"]) for r in rows
                        if r["spans"] is not None])


def article_copies(rows: Sequence[Any], chunks: dict[int, list[tuple[int, Chunk]]], vectors: dict, sentences: dict
                   ) -> list[ArticleCopy]:
    """Articles as copies: ``rows`` of :data:`COPY_COLUMNS`, each article's (passage id, chunk),
    and the passages' vectors and sentence vectors by id (either backend's)."""
    copies = []
    for r in rows:
        items = chunks.get(r[0], [])
        doc = Document(text=r[8], title=r[2], source=r[3], author=r[4], date=r[5], url=r[6], path=r[7])
        copies.append(ArticleCopy(r[0], r[1], doc, [c for _, c in items], [vectors.get(pid) for pid, _ in items],
                                  [sentences.get(pid) for pid, _ in items]))
    return copies
