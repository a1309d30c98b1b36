"""Followed feeds and the entries already seen, in the library's SQLite store (so polling survives
restarts and every process sees the same schedule)."""

from __future__ import annotations

import builtins
import re
import time
from dataclasses import dataclass

from retrieval.errors import BadInputError
from retrieval.library import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    url TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    channel_id INTEGER,
    etag TEXT NOT NULL DEFAULT '',
    modified TEXT NOT NULL DEFAULT '',
    next_poll REAL NOT NULL,
    last_polled REAL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    added INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS feeds_url ON feeds (coalesce(guild_id, 0), url);
CREATE TABLE IF NOT EXISTS feed_filters (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    include TEXT NOT NULL DEFAULT '',
    exclude TEXT NOT NULL DEFAULT '',
    filtered INTEGER NOT NULL DEFAULT 0,
    folded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_id, key)
);
"""
MAX_FEEDS_PER_SERVER = 50
RETRY_ATTEMPTS = 3  # an entry whose page failed for a passing reason is tried at this many polls
_COLUMNS = "id, guild_id, url, title, channel_id, etag, modified, next_poll, last_polled, failures, last_error, added"


@dataclass(slots=True)
class Feed:
    """A followed feed and its polling state."""

    id: int
    guild_id: int | None
    url: str
    title: str
    channel_id: int | None
    etag: str
    modified: str
    next_poll: float
    last_polled: float | None
    failures: int
    last_error: str
    added: int


@dataclass(slots=True)
class FeedFilter:
    """A feed's keyword filters and why its items were not posted: ``filtered`` entries matched no
    ``include`` word or an ``exclude`` word; ``folded`` articles were copies of a story a notice
    already told (or told in the same notice)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    filtered: int = 0
    folded: int = 0

    def keeps(self, text: str) -> bool:
        """True when ``text`` (an entry's title and summary) passes the filters (whole words, any case)."""
        found = set(re.findall(r"[\w'-]+", text.lower()))
        phrases = text.lower()
        def has(word: str) -> bool:
            return word in found if " " not in word else word in phrases
        if self.include and not any(has(w) for w in self.include):
            return False
        return not any(has(w) for w in self.exclude)


def keywords(text: str) -> tuple[str, ...]:
    """Comma-separated keywords or phrases, lowercased."""
    return tuple(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))


class FeedStore:
    """Reads and writes feeds and their seen entries."""

    def __init__(self, store: Store) -> None:
        """Use the tables of ``store`` (created if missing)."""
        self.store = store
        store.ensure_schema(SCHEMA)

    def add(self, url: str, guild_id: int | None, title: str = "", channel_id: int | None = None) -> Feed:
        """Follow a feed (polled at once).

        Raises:
            BadInputError: already followed here, or the server follows too many.
        """
        now, scope = time.time(), guild_id or 0
        with self.store.transaction(library_change=False) as tx:
            if tx.execute("SELECT 1 FROM feeds WHERE coalesce(guild_id, 0) = ? AND url = ?", (scope, url)).fetchone():
                raise BadInputError(f"{url} is already followed here.")
            count = tx.execute("SELECT count(*) FROM feeds WHERE coalesce(guild_id, 0) = ?", (scope,)).fetchone()[0]
            if guild_id and count >= MAX_FEEDS_PER_SERVER:
                raise BadInputError(f"This server already follows {MAX_FEEDS_PER_SERVER} feeds; remove one first.")
            feed_id = tx.execute("INSERT INTO feeds (guild_id, url, title, channel_id, next_poll, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                 (guild_id, url, title, channel_id, now, now)).fetchone()[0]
        feed = self.get(int(feed_id))
        if feed is None:
            raise BadInputError("the feed was removed while it was being added")
        return feed

    def get(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        row = self.store.connection.execute(f"SELECT {_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return Feed(*row) if row else None

    def list(self, guild_id: int | None = None, *, every: bool = False) -> builtins.list[Feed]:
        """The feeds of one scope (None: the global library), or of every scope."""
        where, params = ("", ()) if every else ("WHERE coalesce(guild_id, 0) = ?", (guild_id or 0,))
        rows = self.store.connection.execute(f"SELECT {_COLUMNS} FROM feeds {where} ORDER BY id", params)
        return [Feed(*row) for row in rows]

    def remove(self, feed_id: int, guild_id: int | None) -> Feed:
        """Stop following a feed of this scope (its articles stay in the library).

        Raises:
            BadInputError: no such feed here.
        """
        feed = self.get(feed_id)
        if feed is None or (feed.guild_id or None) != (guild_id or None):
            raise BadInputError(f"No feed with id {feed_id} here.")
        with self.store.transaction(library_change=False) as tx:
            tx.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return feed

    def due(self, now: float | None = None) -> builtins.list[Feed]:
        """Every feed whose next poll has come, most overdue first."""
        rows = self.store.connection.execute(
            f"SELECT {_COLUMNS} FROM feeds WHERE next_poll <= ? ORDER BY next_poll", (now or time.time(),))
        return [Feed(*row) for row in rows]

    def claim_due(self, lease: float, now: float | None = None) -> builtins.list[Feed]:
        """Take the feeds whose poll has come, for ``lease`` seconds: several processes polling
        one library never poll the same feed twice (a poll records its real next time; a process
        that dies mid-poll leaves the feed to be taken again when the lease ends)."""
        now = now or time.time()
        with self.store.transaction(library_change=False) as conn:
            rows = conn.execute(
                f"UPDATE feeds SET next_poll = ? WHERE next_poll <= ? AND id IN"
                f" (SELECT id FROM feeds WHERE next_poll <= ? ORDER BY next_poll LIMIT 200) RETURNING {_COLUMNS}",
                (now + lease, now, now)).fetchall()
        return sorted((Feed(*row) for row in rows), key=lambda feed: feed.id)

    def polled(self, feed: Feed, *, next_poll: float, error: str = "", etag: str | None = None,
               modified: str | None = None, title: str | None = None, added: int = 0) -> None:
        """Record a poll: when to poll next, and either the new validators or the error."""
        with self.store.transaction(library_change=False) as tx:
            tx.execute(
                "UPDATE feeds SET next_poll = ?, last_polled = ?, failures = CASE WHEN ? = '' THEN 0"
                " ELSE failures + 1 END, last_error = ?, etag = coalesce(?, etag), modified = coalesce(?, modified),"
                " title = CASE WHEN coalesce(?, '') = '' THEN title ELSE ? END, added = added + ? WHERE id = ?",
                (next_poll, time.time(), error, error, etag, modified, title, title, added, feed.id))

    def filters(self, feed_id: int) -> FeedFilter:
        """A feed's keyword filters and counters (none set: everything passes)."""
        row = self.store.connection.execute(
            "SELECT include, exclude, filtered, folded FROM feed_filters WHERE feed_id = ?", (feed_id,)).fetchone()
        if row is None:
            return FeedFilter()
        return FeedFilter(keywords(row[0]), keywords(row[1]), int(row[2]), int(row[3]))

    def set_filters(self, feed_id: int, guild_id: int | None, include: str, exclude: str) -> FeedFilter:
        """Keep only entries naming one of ``include`` (when given) and none of ``exclude``.

        Raises:
            BadInputError: the server follows no such feed.
        """
        feed = self.get(feed_id)
        if feed is None or (feed.guild_id or 0) != (guild_id or 0):
            raise BadInputError(f"No feed {feed_id} is followed here (see `/feeds list`).")
        with self.store.transaction(library_change=False) as tx:
            tx.execute("INSERT INTO feed_filters (feed_id, include, exclude) VALUES (?, ?, ?) ON CONFLICT (feed_id)"
                       " DO UPDATE SET include = excluded.include, exclude = excluded.exclude",
                       (feed_id, ",".join(keywords(include)), ",".join(keywords(exclude))))
        return self.filters(feed_id)

    def count_unposted(self, feed_id: int, filtered: int = 0, folded: int = 0) -> None:
        """Count items not posted: ``filtered`` by keywords, ``folded`` into a story already told."""
        if not filtered and not folded:
            return
        with self.store.transaction(library_change=False) as tx:
            tx.execute("INSERT INTO feed_filters (feed_id, filtered, folded) VALUES (?, ?, ?) ON CONFLICT (feed_id)"
                       " DO UPDATE SET filtered = feed_filters.filtered + excluded.filtered,"
                       " folded = feed_filters.folded + excluded.folded", (feed_id, filtered, folded))

    def unseen(self, feed_id: int, keys: builtins.list[str]) -> set[str]:
        """The keys among ``keys`` not yet done with: never seen, or failed fewer times than allowed."""
        done: set[str] = set()
        conn = self.store.connection
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            done.update(r[0] for r in conn.execute(
                f"SELECT key FROM feed_entries WHERE feed_id = ? AND key IN ({','.join('?' * len(part))})"
                " AND (state != 'retry' OR attempts >= ?)", (feed_id, *part, RETRY_ATTEMPTS)))
        return set(keys) - done

    def pending(self, feed_id: int) -> bool:
        """True when some entry waits to be tried again (the feed must then be read even if unchanged)."""
        return self.store.connection.execute(
            "SELECT 1 FROM feed_entries WHERE feed_id = ? AND state = 'retry' AND attempts < ? LIMIT 1",
            (feed_id, RETRY_ATTEMPTS)).fetchone() is not None

    def mark(self, feed_id: int, states: dict[str, str]) -> None:
        """Record entries as ``added``, ``skipped`` (too old or too many), ``failed`` or ``retry``."""
        now = time.time()
        with self.store.transaction(library_change=False) as tx:
            tx.executemany(
                "INSERT INTO feed_entries (feed_id, key, state, attempts, seen_at) VALUES (?, ?, ?, 1, ?)"
                " ON CONFLICT (feed_id, key) DO UPDATE SET state = excluded.state,"
                " attempts = feed_entries.attempts + 1",
                [(feed_id, key, state, now) for key, state in states.items()])
