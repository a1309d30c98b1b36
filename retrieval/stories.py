"""Stories kept in the library: every article joins one as it arrives (both backends).

:class:`StoryIndex` places the articles no story holds yet, oldest id first (the order they
arrived in), with :class:`retrieval.story_clustering.StoryModel`, and stores each one's story,
vector, names and date in ``story_members``, so a restart, another process or ``--rebuild``
continues from the same state. After each round of arrivals the latest :data:`SETTLE_WINDOW`
articles are clustered again as a whole (:mod:`retrieval.story_settling`): the stories then no
longer depend on the order the window's articles came in. A story's id is the id of its first
article (settling keeps it so: a story that goes on keeps its id, see :func:`_story_ids`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from retrieval.library import Library
from retrieval.records import Article
from retrieval.rows import ARTICLE_COLUMNS
from retrieval.sentences import sentences
from retrieval.story_clustering import (
    ENTITY_WEIGHT,
    THRESHOLD,
    WORDS_WEIGHT,
    StoryArticle,
    StoryModel,
    story_terms,
    story_words,
)
from retrieval.story_settling import DENSITY_SCALE, settle

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS story_members (
    article_id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL,
    vector BLOB NOT NULL,
    terms TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS story_members_story ON story_members (story_id);
CREATE TABLE IF NOT EXISTS story_notices (
    channel_id INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    noticed_at REAL NOT NULL,
    PRIMARY KEY (channel_id, story_id)
);
"""
BATCH = 200
SETTLE_WINDOW = 2000  # the latest articles clustered again after each round of arrivals (about 1 s at 2,000)


@dataclass(slots=True)
class Story:
    """A story: its title (its most central article's headline) and its articles, oldest first."""

    id: int
    title: str
    articles: list[Article] = field(default_factory=list)

    @property
    def dates(self) -> tuple[str, str]:
        """The first and last publication days ("" when none is dated)."""
        days = sorted(a.date for a in self.articles if a.date)
        return (days[0], days[-1]) if days else ("", "")

    def size_text(self) -> str:
        """"3 articles from 2 publishers", in words."""
        count, publishers = len(self.articles), len(self.publishers)
        return (f"{count} article{'s' * (count != 1)} from "
                f"{publishers or 'unknown'} publisher{'s' * (publishers != 1)}")

    @property
    def publishers(self) -> list[str]:
        """The publishers that reported it, in order of first report."""
        return list(dict.fromkeys(a.source for a in self.articles if a.source))


class StoryIndex:
    """The stories of a library: placing new articles, listing, rebuilding."""

    def __init__(self, library: Library, entity_weight: float = ENTITY_WEIGHT, threshold: float = THRESHOLD,
                 words_weight: float = WORDS_WEIGHT, settle_window: int = SETTLE_WINDOW,
                 density_scale: float = DENSITY_SCALE) -> None:
        """Keep the stories of ``library`` (tables created where the backend lets modules do so).

        Args:
            library: the library.
            entity_weight, threshold, words_weight: the similarity (:mod:`retrieval.story_clustering`).
            settle_window: the latest articles clustered again after arrivals (0: never).
            density_scale: the damping of crowded topics when settling (:mod:`retrieval.story_settling`).
        """
        self.library = library
        self.store = library.store
        self.entity_weight, self.threshold, self.words_weight = entity_weight, threshold, words_weight
        self.settle_window, self.density_scale = settle_window, density_scale
        self.store.ensure_schema(SCHEMA)
        self._model: StoryModel | None = None
        self._stored_state: tuple[int, int] = (0, 0)
        self._lock = threading.Lock()

    def catch_up(self) -> int:
        """Place every article no story holds yet, oldest id first; return how many were placed."""
        placed = 0
        with self._lock:
            model = self._current_model()
            while rows := self.store.connection.execute(
                    "SELECT a.id, a.title, a.date FROM articles a LEFT JOIN story_members s ON s.article_id = a.id"
                    " WHERE s.article_id IS NULL ORDER BY a.id LIMIT ?", (BATCH,)).fetchall():
                articles = self._signals([(int(r[0]), r[1], r[2]) for r in rows])
                records = []
                for article in articles:
                    story = model.add(article)
                    records.append((article.id, story, article.vector.astype(np.float32).tobytes(),
                                    " ".join(sorted(article.terms)), _words_text(article.words), article.date))
                with self.store.transaction(library_change=False) as tx:
                    tx.executemany("INSERT INTO story_members (article_id, story_id, vector, terms, words, date)"
                                   " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", records)
                placed += len(records)
            moved = self._settle(model) if placed and self.settle_window else 0
            if placed:
                self._stored_state = self._state()
        if placed:  # a few as a question is asked are no news for the log
            logger.log(logging.INFO if placed >= 100 else logging.DEBUG,
                       "%d articles placed in stories, %d moved when settled", placed, moved)
        return placed

    def _settle(self, model: StoryModel) -> int:
        """Cluster the latest articles again as a whole and move those whose story changed; return
        how many moved."""
        rows = self.store.connection.execute(
            "SELECT article_id, story_id, vector, terms, words, date FROM story_members"
            " ORDER BY article_id DESC LIMIT ?", (self.settle_window,)).fetchall()[::-1]
        articles = [_stored_article(r) for r in rows]
        labels = settle(articles, self.threshold, self.words_weight, self.entity_weight, self.density_scale)
        before = {int(r[0]): int(r[1]) for r in rows}
        clusters: dict[int, list[int]] = {}
        for article, label in zip(articles, labels):
            clusters.setdefault(label, []).append(article.id)
        after = _story_ids(list(clusters.values()), before)
        moves = {aid: story for aid, story in after.items() if story != before[aid]}
        if not moves:
            return 0
        touched = sorted({before[aid] for aid in moves} | set(moves.values()))
        marks = ",".join("?" * len(touched))
        with self.store.transaction(library_change=False) as tx:
            tx.executemany("UPDATE story_members SET story_id = ? WHERE article_id = ?",
                           [(story, aid) for aid, story in moves.items()])
            words = {int(a): _words_of(w) for a, w in tx.execute(
                f"SELECT article_id, words FROM story_members WHERE story_id IN ({marks})", touched).fetchall()}
        model.regroup(moves, words)
        return len(moves)

    def rebuild(self) -> int:
        """Form every story again, in arrival order, with the current settings; return the articles placed."""
        with self._lock:
            with self.store.transaction(library_change=False) as tx:
                tx.execute("DELETE FROM story_members")
            self._model = self._new_model()
        return self.catch_up()

    def story_of(self, article_ids: list[int]) -> dict[int, int]:
        """The story of each placed article."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.store.connection.execute(
            f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({marks})", list(article_ids))
        return {int(a): int(s) for a, s in rows.fetchall()}

    def story_mates(self, article_ids: list[int], scopes: list[int | None], until: str = "",
                    per_article: int = 3) -> dict[int, list[Article]]:
        """For each article, up to ``per_article`` other articles of its story in the scopes (other
        publishers first, newest first; none published after ``until``)."""
        if not article_ids:
            return {}
        marks, scope_marks = ",".join("?" * len(article_ids)), ",".join("?" * len(scopes))
        rows = self.store.connection.execute(
            f"SELECT s1.article_id, {ARTICLE_COLUMNS} FROM story_members s1"
            " JOIN story_members s2 ON s2.story_id = s1.story_id AND s2.article_id != s1.article_id"
            " JOIN articles a ON a.id = s2.article_id"
            f" WHERE s1.article_id IN ({marks}) AND coalesce(a.guild_id, 0) IN ({scope_marks})"
            " AND (a.date = '' OR a.date <= ?) ORDER BY a.date DESC, a.id DESC LIMIT 500",
            [*article_ids, *[s or 0 for s in scopes], until or "9999-12-31"]).fetchall()
        mates: dict[int, list[Article]] = {}
        for row in rows:
            mates.setdefault(int(row[0]), []).append(Article(
                id=int(row[1]), title=row[2], source=row[3], author=row[4], date=row[5], url=row[6], path=row[7],
                guild_id=row[8]))
        return {aid: found[:per_article] for aid, found in mates.items()}

    def stories_of_links(self, links: list[str], scope: int | None) -> dict[str, int]:
        """The story of each article of ``scope`` at one of ``links`` (placed articles only)."""
        if not links:
            return {}
        marks = ",".join("?" * len(links))
        rows = self.store.connection.execute(
            f"SELECT a.url, s.story_id FROM articles a JOIN story_members s ON s.article_id = a.id"
            f" WHERE coalesce(a.guild_id, 0) = ? AND a.url IN ({marks})", [scope or 0, *links]).fetchall()
        return {url: int(story) for url, story in rows}

    def first_notices(self, channel_id: int, story_ids: list[int]) -> list[int]:
        """Of ``story_ids``, those never announced in the channel, now recorded as announced."""
        if not story_ids:
            return []
        marks = ",".join("?" * len(story_ids))
        with self.store.transaction(library_change=False) as tx:
            told = {int(r[0]) for r in tx.execute(
                f"SELECT story_id FROM story_notices WHERE channel_id = ? AND story_id IN ({marks})",
                [channel_id, *story_ids]).fetchall()}
            fresh = [sid for sid in dict.fromkeys(story_ids) if sid not in told]
            tx.executemany("INSERT INTO story_notices (channel_id, story_id, noticed_at) VALUES (?, ?, ?)"
                           " ON CONFLICT DO NOTHING", [(channel_id, sid, time.time()) for sid in fresh])
        return fresh

    def stories(self, scopes: list[int | None], *, since: str = "", until: str = "",
                story_ids: list[int] | None = None) -> list[Story]:
        """The stories with articles in the given scopes (those articles only), newest report first.

        Args:
            scopes: None for the global library, a server's id for its own.
            since: only articles from this ISO day on (undated ones are left out then).
            until: only articles up to this ISO day.
            story_ids: only these stories.
        """
        sql, params = self._story_query(scopes, since, until, story_ids)
        grouped: dict[int, list[Article]] = {}
        for row in self.store.connection.execute(sql, params).fetchall():
            grouped.setdefault(int(row[0]), []).append(Article(
                id=int(row[1]), title=row[2], source=row[3], author=row[4], date=row[5], url=row[6], path=row[7],
                guild_id=row[8]))
        with self._lock:
            central = self._current_model().central_of(list(grouped))
        stories = [Story(sid, self._title(central.get(sid), articles), articles) for sid, articles in grouped.items()]
        return sorted(stories, key=lambda s: (s.dates[1], s.id), reverse=True)

    def _story_query(self, scopes: list[int | None], since: str, until: str,
                     story_ids: list[int] | None) -> tuple[str, list]:
        where = [f"coalesce(a.guild_id, 0) IN ({','.join('?' * len(scopes))})"]
        params: list = [s or 0 for s in scopes]
        if since:
            where.append("a.date >= ?")
            params.append(since)
        if until:
            where.append("a.date != '' AND a.date <= ?")
            params.append(until)
        if story_ids is not None:
            where.append(f"s.story_id IN ({','.join('?' * len(story_ids)) or 'NULL'})")
            params.extend(story_ids)
        sql = (f"SELECT s.story_id, {ARTICLE_COLUMNS} FROM story_members s JOIN articles a ON a.id = s.article_id"
               f" WHERE {' AND '.join(where)} ORDER BY s.story_id, a.date, a.id")
        return sql, params

    def _title(self, central: int | None, articles: list[Article]) -> str:
        """The headline of the story's most central article (its first sentence when it has none)."""
        chosen = next((a for a in articles if a.id == central), articles[0])
        if chosen.title:
            return chosen.title
        body = self.store.article_body(chosen.id)
        first = next(iter(sentences(body[:2000])), body[:200])
        return first[:200]

    def _current_model(self) -> StoryModel:
        """The model as stored (loaded again when another process placed or settled articles meanwhile)."""
        state = self._state()
        if self._model is None or state != self._stored_state:
            model = self._new_model()
            rows = self.store.connection.execute(
                "SELECT article_id, story_id, vector, terms, words, date FROM story_members ORDER BY article_id")
            for row in rows.fetchall():
                model.place(_stored_article(row), int(row[1]))
            self._model, self._stored_state = model, state
        return self._model

    def _state(self) -> tuple[int, int]:
        """What changes when articles are placed or moved: their count and the sum of their stories' ids."""
        count, total = self.store.connection.execute(
            "SELECT count(*), coalesce(sum(story_id), 0) FROM story_members").fetchone()
        return int(count), int(total)

    def _new_model(self) -> StoryModel:
        return StoryModel(self.entity_weight, self.threshold, self.words_weight)

    def _signals(self, rows: list[tuple[int, str, str]]) -> list[StoryArticle]:
        """Each article's vector (its passages' mean), names and numbers, and date."""
        ids = [aid for aid, _, _ in rows]
        bodies = self.store.article_bodies(ids)
        marks = ",".join("?" * len(ids))
        passages: dict[int, list[int]] = {}
        for pid, aid in self.store.connection.execute(
                f"SELECT id, article_id FROM passages WHERE article_id IN ({marks})", ids).fetchall():
            passages.setdefault(int(aid), []).append(int(pid))
        vectors = self.library.vectors_for([p for group in passages.values() for p in group])
        dim = self.library.encoder.dim
        out = []
        for aid, title, day in rows:
            found = [vectors[p] for p in passages.get(aid, []) if p in vectors]
            mean = np.mean(found, axis=0) if found else np.zeros(dim, dtype=np.float32)
            norm = float(np.linalg.norm(mean)) or 1.0
            text = f"{title}\n{bodies.get(aid, '')}"
            out.append(StoryArticle(aid, (mean / norm).astype(np.float32), story_terms(text), day or "",
                                    story_words(text)))
        return out


def _stored_article(row: tuple) -> StoryArticle:
    """An article as ``story_members`` keeps it: (article id, story id, vector, terms, words, date)."""
    aid, _, vector, terms, counts, day = row
    return StoryArticle(int(aid), np.frombuffer(bytes(vector), dtype=np.float32), frozenset(terms.split()), day,
                        _words_of(counts))


def _story_ids(clusters: list[list[int]], before: dict[int, int]) -> dict[int, int]:
    """A story id for each settled cluster's articles (``before``: the window's articles and
    their stories so far). A story's id stays its first article's id: a cluster keeps the id
    most of its articles had when that article is among them, or outside the window (a story
    that goes on); larger clusters choose first; else it takes its first article's id."""
    taken: set[int] = set()
    out: dict[int, int] = {}
    for members in sorted(clusters, key=lambda m: (-len(m), min(m))):
        own = set(members)
        votes = Counter(before[a] for a in members)
        eligible = [sid for sid in votes if sid not in taken and (sid in own or sid not in before)]
        story = min(eligible, key=lambda sid: (-votes[sid], sid)) if eligible else min(members)
        taken.add(story)
        out.update((a, story) for a in members)
    return out


def _words_text(counts: Counter) -> str:
    """Word counts as stored: "stem:count" separated by spaces."""
    return " ".join(f"{t}:{c}" for t, c in sorted(counts.items()))


def _words_of(text: str) -> Counter:
    """Word counts from their stored form."""
    return Counter({t: int(c) for t, _, c in (item.rpartition(":") for item in text.split()) if t})


def digest(index: StoryIndex, scopes: list[int | None], since: str, until: str, limit: int = 15) -> list[Story]:
    """The period's stories, most covered first: by how many publishers reported them, then how
    many articles, then the newest report."""
    stories = index.stories(scopes, since=since, until=until)
    ranked = sorted(stories, key=lambda s: (len(s.publishers), len(s.articles), s.dates[1]), reverse=True)
    return ranked[:limit]
