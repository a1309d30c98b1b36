"""Followed questions: a notice when new articles answer a question better than the library did.

A followed question keeps its vector and the best cosine any passage of its scope had when it
was followed (or last noticed). New articles are matched against every followed question at
once (one matrix product of the questions' vectors and the new passages'); a passage that
shares a content word with the question and beats the question's best by :data:`MARGIN` (and
reaches :data:`FLOOR`) is a match. A question hears of a story once, at most
:data:`PER_QUESTION_PER_DAY` times a day, and a channel at most :data:`PER_CHANNEL_PER_DAY`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import time
from dataclasses import dataclass

import numpy as np

from retrieval.errors import BadInputError
from retrieval.library import Library
from retrieval.stories import StoryIndex
from retrieval.terms import content_terms

SCHEMA = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    channel_id INTEGER,
    user_id INTEGER,
    question TEXT NOT NULL,
    vector BLOB NOT NULL,
    best REAL NOT NULL,
    checked_upto INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS follow_notices (
    follow_id INTEGER NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL,
    channel_id INTEGER,
    day TEXT NOT NULL,
    PRIMARY KEY (follow_id, story_id)
);
"""
MARGIN = 0.0  # how much better than the library's best a new passage must be (benchmarks/follows.py)
FLOOR = 0.45  # the least cosine that counts as answering
PER_QUESTION_PER_DAY = 3
PER_CHANNEL_PER_DAY = 10
MAX_PER_SERVER = 100
_COLUMNS = "id, guild_id, channel_id, user_id, question, vector, best, checked_upto"


@dataclass(slots=True)
class Follow:
    """A followed question: where its notices go (a channel, else the follower by DM)."""

    id: int
    guild_id: int | None
    channel_id: int | None
    user_id: int | None
    question: str
    vector: np.ndarray
    best: float
    checked_upto: int


@dataclass(slots=True)
class FollowMatch:
    """A new article that answers a followed question better than the library did."""

    follow: Follow
    article_id: int
    story_id: int | None
    passage: str
    title: str
    url: str
    source: str
    score: float


class FollowStore:
    """Followed questions and their notices, in the library's store (both backends)."""

    def __init__(self, library: Library, stories: StoryIndex) -> None:
        """Keep followed questions beside ``library``; ``stories`` tells which story a new article joined."""
        self.library = library
        self.store = library.store
        self.stories = stories
        self.store.ensure_schema(SCHEMA)

    def add(self, question: str, guild_id: int | None, channel_id: int | None = None,
            user_id: int | None = None) -> Follow:
        """Follow ``question`` for a server (notices in ``channel_id``, else to ``user_id``).

        Raises:
            BadInputError: the question is empty, or the server follows too many.
        """
        question = " ".join(question.split())
        if not content_terms(question):
            raise BadInputError("Give a question with some words in it to follow.")
        vector = self.library.encoder.encode([question])[0].astype(np.float32)
        best = self._best_now(vector, guild_id)
        newest = int(self.store.connection.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
        with self.store.transaction(library_change=False) as tx:
            count = tx.execute("SELECT count(*) FROM follows WHERE coalesce(guild_id, 0) = ?",
                               (guild_id or 0,)).fetchone()[0]
            if count >= MAX_PER_SERVER:
                raise BadInputError(f"This server already follows {MAX_PER_SERVER} questions; remove one first.")
            tx.execute("INSERT INTO follows (guild_id, channel_id, user_id, question, vector, best, checked_upto,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (guild_id, channel_id, user_id, question, vector.tobytes(), best, newest, time.time()))
        return self.list(guild_id)[-1]

    def list(self, guild_id: int | None, *, every: bool = False) -> builtins.list[Follow]:
        """A server's followed questions (``every``: all servers'), oldest first."""
        where, params = ("", ()) if every else ("WHERE coalesce(guild_id, 0) = ?", (guild_id or 0,))
        rows = self.store.connection.execute(f"SELECT {_COLUMNS} FROM follows {where} ORDER BY id", params)
        return [Follow(int(r[0]), r[1], r[2], r[3], r[4], np.frombuffer(bytes(r[5]), dtype=np.float32),
                       float(r[6]), int(r[7])) for r in rows.fetchall()]

    def remove(self, follow_id: int, guild_id: int | None) -> Follow:
        """Stop following.

        Raises:
            BadInputError: the server follows no such question.
        """
        found = next((f for f in self.list(guild_id) if f.id == follow_id), None)
        if found is None:
            raise BadInputError(f"No followed question {follow_id} here (see the list).")
        with self.store.transaction(library_change=False) as tx:
            tx.execute("DELETE FROM follow_notices WHERE follow_id = ?", (follow_id,))
            tx.execute("DELETE FROM follows WHERE id = ?", (follow_id,))
        return found

    def matches(self, *, record: bool = False, today: str = "") -> builtins.list[FollowMatch]:
        """What the articles added since each question was last checked would send: at most one
        match per question and story, within the daily limits. ``record``: remember them as sent
        and move every question's check past the newest article (what the bot does)."""
        follows = self.list(None, every=True)
        newest = int(self.store.connection.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
        if not follows:
            return []
        since = min(f.checked_upto for f in follows)
        passages = self._new_passages(since)
        found = self._best_matches(follows, passages) if passages else []
        kept = self._within_limits(found, today or dt.date.today().isoformat())
        if record:
            self._record(kept, follows, newest, today or dt.date.today().isoformat())
        return kept

    def _best_now(self, vector: np.ndarray, guild_id: int | None) -> float:
        nearest, _ = self.library.dense_search(vector, 20, [], [None, guild_id])
        rows = self.store.passages([pid for pid, _ in nearest], [None, guild_id])
        return max((score for pid, score in nearest if pid in rows), default=0.0)

    def _new_passages(self, after: int) -> builtins.list[tuple[int, dict]]:
        """(passage id, row) of every passage of the articles with an id above ``after``."""
        ids = [int(r[0]) for r in self.store.connection.execute(
            "SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE a.id > ? ORDER BY p.id",
            (after,)).fetchall()]
        rows = self.store.passages(ids, self._all_scopes())
        return [(pid, rows[pid]) for pid in ids if pid in rows]

    def _all_scopes(self) -> builtins.list[int | None]:
        scopes = [r[0] for r in self.store.connection.execute("SELECT DISTINCT guild_id FROM articles").fetchall()]
        return [None, *[s for s in scopes if s is not None]]

    def _best_matches(self, follows: builtins.list[Follow],
                      passages: builtins.list[tuple[int, dict]]) -> builtins.list[FollowMatch]:
        vectors = self.library.vectors_for([pid for pid, _ in passages])
        usable = [(pid, row) for pid, row in passages if pid in vectors]
        if not usable:
            return []
        scores = np.vstack([f.vector for f in follows]) @ np.vstack([vectors[pid] for pid, _ in usable]).T
        story_of = self.stories.story_of(list({row["id"] for _, row in usable}))
        out = []
        for number, follow in enumerate(follows):
            terms = content_terms(follow.question)
            seen: set[int] = set()
            for column in np.argsort(-scores[number]):
                score = float(scores[number, column])
                if score < max(follow.best + MARGIN, FLOOR):
                    break
                pid, row = usable[column]
                story = story_of.get(row["id"])
                visible = row["guild_id"] in (None, follow.guild_id)
                if (not visible or row["id"] <= follow.checked_upto or (story or -pid) in seen
                        or not terms & content_terms(row["text"])):
                    continue
                seen.add(story or -pid)
                out.append(FollowMatch(follow, row["id"], story, row["text"], row["title"], row["url"],
                                       row["source"], score))
        return out

    def _within_limits(self, found: builtins.list[FollowMatch], today: str) -> builtins.list[FollowMatch]:
        """Drop stories a question already heard of, and what passes the daily limits."""
        sent = self.store.connection.execute("SELECT follow_id, story_id, channel_id, day FROM follow_notices")
        told: set[tuple[int, int]] = set()
        per_follow: dict[int, int] = {}
        per_channel: dict[int | None, int] = {}
        for follow_id, story, channel, day in sent.fetchall():
            told.add((int(follow_id), int(story)))
            if day == today:
                per_follow[int(follow_id)] = per_follow.get(int(follow_id), 0) + 1
                per_channel[channel] = per_channel.get(channel, 0) + 1
        kept = []
        for match in sorted(found, key=lambda m: -m.score):
            follow, channel = match.follow.id, match.follow.channel_id
            if match.story_id is not None and (follow, match.story_id) in told:
                continue
            if per_follow.get(follow, 0) >= PER_QUESTION_PER_DAY or per_channel.get(channel, 0) >= PER_CHANNEL_PER_DAY:
                continue
            per_follow[follow] = per_follow.get(follow, 0) + 1
            per_channel[channel] = per_channel.get(channel, 0) + 1
            kept.append(match)
        return kept

    def _record(self, kept: builtins.list[FollowMatch], follows: builtins.list[Follow], newest: int,
                today: str) -> None:
        best = {f.id: f.best for f in follows}
        for match in kept:
            best[match.follow.id] = max(best[match.follow.id], match.score)
        with self.store.transaction(library_change=False) as tx:
            tx.executemany("INSERT INTO follow_notices (follow_id, story_id, channel_id, day) VALUES (?, ?, ?, ?)"
                           " ON CONFLICT DO NOTHING",
                           [(m.follow.id, m.story_id if m.story_id is not None else -m.article_id,
                             m.follow.channel_id, today) for m in kept])
            tx.executemany("UPDATE follows SET best = ?, checked_upto = ? WHERE id = ?",
                           [(best[f.id], newest, f.id) for f in follows])
