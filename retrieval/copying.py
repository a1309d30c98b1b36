"""Copying a whole library from one backend to the other, without running the model.

Articles keep their ids, passages their text, offsets, vectors and sentence vectors (the keyword
rows are made again by the target); per-server settings, enabled channels, questions, feedback,
followed feeds and their seen entries are copied row by row, with their ids. ``newsbot migrate
--to postgresql://…`` copies the embedded library into PostgreSQL; ``newsbot backup DIR`` on a
PostgreSQL library copies it, from one snapshot, into an embedded library in ``DIR`` (which
``migrate`` can load back; see :func:`retrieval.backend.backup`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.activity import Activity
from retrieval.errors import NewsbotError
from retrieval.feed_store import FeedStore
from retrieval.library import Library, Store

logger = logging.getLogger(__name__)

TABLES = {
    "guild_settings": "guild_id, results, min_score, reply_style",
    "guild_channels": "guild_id, channel_id",
    "questions": "id, guild_id, question, answered, confidence, shown, filters, asked_at",
    "feedback": "question_id, user_id, helpful",
    "feeds": "id, guild_id, url, title, channel_id, etag, modified, next_poll, last_polled, failures, last_error,"
             " added, created_at",
    "feed_entries": "feed_id, key, state, attempts, seen_at",
}
META_KEYS = ("seeded", "model.adapted", "model.candidate")


@dataclass(slots=True)
class CopyReport:
    """What a copy moved."""

    articles: int = 0
    passages: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for a person."""
        rows = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in self.rows.items())
        return (f"copied {self.articles} articles ({self.passages} passages, no model run) and {rows}"
                f" in {self.seconds:.1f} s")


def copy_library(source: Library, target: Library, progress: Callable[[int], None] | None = None, *,
                 bulk: bool = False) -> CopyReport:
    """Copy everything of ``source`` into the empty library ``target`` (either backend each).

    Args:
        source: the library read.
        target: an empty library of the same model.
        progress: called with the number of articles just copied.
        bulk: the target builds its vector index once at the end (PostgreSQL: much faster for
            large libraries than keeping the HNSW index up to date row by row).

    Raises:
        NewsbotError: the target already holds articles.
    """
    if not target.is_empty():
        raise NewsbotError("the target library already holds articles; copy into an empty one")
    started, report = time.perf_counter(), CopyReport()
    for batch in source.copies():
        target.add_copies(batch, index=not bulk)
        report.articles += len(batch)
        report.passages += sum(len(c.chunks) for c in batch)
        if progress:
            progress(len(batch))
    if bulk:
        target.build_index()
    report.rows = copy_tables(source.store, target.store)
    report.seconds = time.perf_counter() - started
    return report


def copy_tables(source: Store, target: Store) -> dict[str, int]:
    """Copy the settings, activity and feed tables and the library's own metadata, row by row."""
    for store in (source, target):  # an older embedded library may lack some tables: made empty
        Activity(store)
        FeedStore(store)
    counts = {}
    for table, columns in TABLES.items():
        rows = [tuple(r) for r in source.connection.execute(f"SELECT {columns} FROM {table}").fetchall()]
        marks = ", ".join("?" * len(columns.split(",")))
        with target.transaction(library_change=False) as conn:
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows)
        counts[table] = len(rows)
    target.reset_sequences()
    for key in META_KEYS:
        if value := source.get_meta(key):
            target.set_meta(key, value)
    return counts
