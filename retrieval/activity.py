"""Per-server settings, the questions asked and the feedback given, in the library's SQLite store."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Literal

from retrieval.library import Store
from retrieval.records import Filters

SCHEMA = """
CREATE TABLE IF NOT EXISTS guild_settings (
    guild_id INTEGER PRIMARY KEY,
    results INTEGER,
    min_score REAL,
    reply_style TEXT
);
CREATE TABLE IF NOT EXISTS guild_channels (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    confidence REAL NOT NULL,
    shown INTEGER NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    asked_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_guild ON questions (guild_id, asked_at);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    helpful INTEGER NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
"""


@dataclass(slots=True)
class GuildSettings:
    """A server's settings; None means "use the operator's default"."""

    guild_id: int
    results: int | None = None
    min_score: float | None = None
    reply_style: Literal["reply", "thread"] | None = None
    channels: list[int] = field(default_factory=list)


@dataclass(slots=True)
class LoggedQuestion:
    """A question as logged: where, what, how many results were shown, with which filters."""

    guild_id: int | None
    question: str
    shown: int
    filters: Filters


@dataclass(slots=True)
class Stats:
    """Activity of one server."""

    asked: int
    answered: int
    helpful: int
    not_helpful: int
    latest_unanswered: list[tuple[str, str]]  # (ISO day, question)
    per_day: list[tuple[str, int, int]]  # (ISO day, answered, unanswered)

    @property
    def unanswered(self) -> int:
        """Questions the library did not cover."""
        return self.asked - self.answered


class Activity:
    """Reads and writes per-server settings, questions and feedback."""

    def __init__(self, store: Store) -> None:
        """Use the tables of ``store`` (created if missing)."""
        self.store = store
        store.ensure_schema(SCHEMA)

    def settings(self, guild_id: int) -> GuildSettings:
        """A server's settings (defaults when it has none)."""
        conn = self.store.connection
        row = conn.execute("SELECT results, min_score, reply_style FROM guild_settings WHERE guild_id = ?",
                           (guild_id,)).fetchone()
        channels = [r[0] for r in conn.execute(
            "SELECT channel_id FROM guild_channels WHERE guild_id = ? ORDER BY channel_id", (guild_id,))]
        if row is None:
            return GuildSettings(guild_id, channels=channels)
        return GuildSettings(guild_id, row[0], row[1], row[2], channels)

    def update(self, guild_id: int, **values: object) -> GuildSettings:
        """Change some of a server's settings (results, min_score, reply_style)."""
        allowed = {"results", "min_score", "reply_style"}
        if not values or set(values) - allowed:
            raise ValueError(f"settings are {sorted(allowed)}")
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.store.transaction(library_change=False) as conn:
            conn.execute("INSERT INTO guild_settings (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,))
            conn.execute(f"UPDATE guild_settings SET {assignments} WHERE guild_id = ?",
                         (*values.values(), guild_id))
        return self.settings(guild_id)

    def set_channel(self, guild_id: int, channel_id: int, enabled: bool) -> None:
        """Enable or disable channel mode in one channel."""
        with self.store.transaction(library_change=False) as conn:
            if enabled:
                conn.execute("INSERT INTO guild_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (guild_id, channel_id))
            else:
                conn.execute("DELETE FROM guild_channels WHERE guild_id = ? AND channel_id = ?",
                             (guild_id, channel_id))

    def channel_enabled(self, guild_id: int, channel_id: int) -> bool:
        """True when channel mode is on in that channel."""
        return self.store.connection.execute(
            "SELECT 1 FROM guild_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
        ).fetchone() is not None

    def record_question(self, guild_id: int | None, question: str, answered: bool, confidence: float,
                        shown: int, filters: Filters = Filters()) -> int:
        """Log a question; return its id (used by the feedback and "more" buttons)."""
        stored = json.dumps({"sources": list(filters.sources), "authors": list(filters.authors),
                             "since": filters.since, "until": filters.until, "as_of": filters.as_of})
        with self.store.transaction(library_change=False) as conn:
            question_id = conn.execute(
                "INSERT INTO questions (guild_id, question, answered, confidence, shown, filters, asked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, question, int(answered), confidence, shown, stored, time.time())).fetchone()[0]
        return int(question_id)

    def set_shown(self, question_id: int, shown: int) -> None:
        """Record how many results were rendered for a logged question (what the member saw)."""
        with self.store.transaction(library_change=False) as conn:
            conn.execute("UPDATE questions SET shown = ? WHERE id = ?", (shown, question_id))

    def question(self, question_id: int) -> LoggedQuestion | None:
        """A logged question, or None."""
        row = self.store.connection.execute(
            "SELECT guild_id, question, shown, filters FROM questions WHERE id = ?", (question_id,)).fetchone()
        if row is None:
            return None
        stored = json.loads(row[3])
        filters = Filters(sources=tuple(stored["sources"]), authors=tuple(stored.get("authors", ())),
                          since=stored["since"], until=stored["until"], as_of=stored.get("as_of", ""))
        return LoggedQuestion(row[0], row[1], row[2], filters)

    def record_feedback(self, question_id: int, user_id: int, helpful: bool) -> None:
        """Store one user's vote on an answer (a second vote replaces the first)."""
        with self.store.transaction(library_change=False) as conn:
            conn.execute("INSERT INTO feedback (question_id, user_id, helpful) VALUES (?, ?, ?)"
                         " ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful",
                         (question_id, user_id, int(helpful)))

    def stats(self, guild_id: int, days: int = 30, latest: int = 5) -> Stats:
        """Counts, feedback, the latest unanswered questions and questions per day."""
        conn = self.store.connection
        asked, answered = conn.execute(
            "SELECT count(*), coalesce(sum(answered), 0) FROM questions WHERE guild_id = ?", (guild_id,)).fetchone()
        helpful, not_helpful = conn.execute(
            "SELECT coalesce(sum(f.helpful), 0), coalesce(sum(1 - f.helpful), 0) FROM feedback f"
            " JOIN questions q ON q.id = f.question_id WHERE q.guild_id = ?", (guild_id,)).fetchone()
        gaps = [(_day(t), q) for t, q in conn.execute(
            "SELECT asked_at, question FROM questions WHERE guild_id = ? AND answered = 0"
            " ORDER BY asked_at DESC, id DESC LIMIT ?", (guild_id, latest))]
        since = time.time() - days * 86400
        counts: dict[str, list[int]] = {}
        for asked_at, was_answered in conn.execute(
                "SELECT asked_at, answered FROM questions WHERE guild_id = ? AND asked_at >= ?", (guild_id, since)):
            day = counts.setdefault(_day(asked_at), [0, 0])
            day[0 if was_answered else 1] += 1
        per_day = [(d, a, u) for d, (a, u) in sorted(counts.items())]
        return Stats(int(asked), int(answered), int(helpful), int(not_helpful), gaps, per_day)


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()
