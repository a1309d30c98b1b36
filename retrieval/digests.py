"""Scheduled digests: a channel's daily or weekly post of the period's stories."""

from __future__ import annotations

import builtins
import time
from dataclasses import dataclass
from typing import Literal

SCHEMA = """
CREATE TABLE IF NOT EXISTS digest_schedules (
    channel_id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    every TEXT NOT NULL,
    last_sent REAL NOT NULL
);
"""
PERIOD = {"daily": 86_400.0, "weekly": 7 * 86_400.0}
Every = Literal["daily", "weekly"]


@dataclass(slots=True)
class DigestSchedule:
    """A channel's digest: how often, and when it was last posted (seconds since the epoch)."""

    channel_id: int
    guild_id: int | None
    every: str
    last_sent: float

    @property
    def days(self) -> int:
        """The days a digest covers."""
        return 7 if self.every == "weekly" else 1


class DigestSchedules:
    """The channels' digest schedules, in the library's store (both backends)."""

    def __init__(self, store) -> None:
        """Keep the schedules in ``store``."""
        self.store = store
        store.ensure_schema(SCHEMA)

    def set(self, guild_id: int | None, channel_id: int, every: Every | Literal["off"]) -> DigestSchedule | None:
        """Post a digest in ``channel_id`` daily or weekly from now on ("off": never); the first one
        goes out a period from now."""
        with self.store.transaction(library_change=False) as tx:
            tx.execute("DELETE FROM digest_schedules WHERE channel_id = ?", (channel_id,))
            if every == "off":
                return None
            tx.execute("INSERT INTO digest_schedules (channel_id, guild_id, every, last_sent) VALUES (?, ?, ?, ?)",
                       (channel_id, guild_id, every, time.time()))
        return DigestSchedule(channel_id, guild_id, every, time.time())

    def list(self, guild_id: int | None = None, *, every_server: bool = False) -> builtins.list[DigestSchedule]:
        """A server's schedules (or every server's)."""
        where, params = ("", ()) if every_server else ("WHERE coalesce(guild_id, 0) = ?", (guild_id or 0,))
        rows = self.store.connection.execute(
            f"SELECT channel_id, guild_id, every, last_sent FROM digest_schedules {where} ORDER BY channel_id", params)
        return [DigestSchedule(int(r[0]), r[1], r[2], float(r[3])) for r in rows.fetchall()]

    def due(self, now: float | None = None) -> builtins.list[DigestSchedule]:
        """The schedules whose period has passed since their last post, marked as posted now."""
        now = now or time.time()
        due = [s for s in self.list(every_server=True) if now - s.last_sent >= PERIOD.get(s.every, PERIOD["daily"])]
        if due:
            with self.store.transaction(library_change=False) as tx:
                tx.executemany("UPDATE digest_schedules SET last_sent = ? WHERE channel_id = ?",
                               [(now, s.channel_id) for s in due])
        return due
