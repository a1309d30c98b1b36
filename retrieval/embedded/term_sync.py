"""Keeping the in-memory keyword postings (:mod:`retrieval.embedded.term_index`) in step with the store.

A catch-up reads, in one read transaction on its own connection, the library's generation
and the ids of its keyword rows, drops the rows that are gone and tokenises the new ones.
Questions never wait for it: while the postings are behind the store, FTS5 answers, and a
catch-up starts in a background thread. The postings are saved beside the database after a
catch-up that changed many rows, so a restart usually only reads a file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedded.term_index import FORMAT, MEMORY_LIMIT, SAVE_AFTER_ROWS, Postings, Scorer, merge
from retrieval.scoring.fts5_terms import TOKENIZE

logger = logging.getLogger(__name__)

_READ_CHUNK = 500


class TermIndex:
    """The postings of one library, caught up with its database on demand."""

    def __init__(self, db_path: Path, file: Path, limit: int = MEMORY_LIMIT) -> None:
        """Mirror the keyword rows of the database at ``db_path``, saved to ``file``.

        Args:
            db_path: the SQLite database.
            file: where the postings are saved.
            limit: above this many passages, nothing is held (FTS5 alone answers).
        """
        self.db_path = db_path
        self.file = file
        self.limit = limit
        self._scorer: Scorer | None = None
        self._too_large = -1  # the generation at which the library was found over the limit
        self._catching_up = threading.Lock()
        self._thread: threading.Thread | None = None
        self._unsaved = 0
        self.background = True  # catch up behind the questions (False: a one-question process)

    def scorer(self, generation: int) -> Scorer | None:
        """The scorer if the postings are at ``generation`` (else None, and a catch-up starts)."""
        scorer = self._scorer
        if scorer is not None and scorer.postings.generation == generation:
            return scorer
        if self.background and generation != self._too_large:
            self.catch_up_soon()
        return None

    def catch_up_soon(self) -> None:
        """Start a catch-up in the background unless one is running."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._catch_up_quietly, name="newsbot-terms", daemon=True)
        self._thread.start()

    def _catch_up_quietly(self) -> None:
        try:
            self.catch_up()
        except (sqlite3.Error, OSError, ValueError) as exc:  # FTS5 still answers; try again later
            logger.warning("keyword postings not caught up: %s", exc)

    def catch_up(self) -> bool:
        """Bring the postings in step with the database now.

        Returns:
            True when the postings are in step, False when the library is over the limit.
        """
        with self._catching_up:
            old = self._scorer.postings if self._scorer is not None else self._load()
            conn = sqlite3.connect(f"{self.db_path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                conn.execute("BEGIN")  # one snapshot: the generation and the rows agree
                generation = _generation(conn)
                if old.generation == generation:
                    self._scorer = self._scorer or Scorer(old)
                    return True
                if old.generation > generation:  # a file from a database restored since
                    old = Postings.empty()
                if conn.execute("SELECT count(*) FROM passages_fts_docsize").fetchone()[0] > self.limit:
                    self._scorer, self._too_large = None, generation
                    return False
                ids = np.array([r[0] for r in conn.execute("SELECT id FROM passages_fts_docsize")], dtype=np.int64)
                gone = np.setdiff1d(old.ids, ids)
                new = _rows(conn, np.setdiff1d(ids, old.ids).tolist())
            finally:
                conn.close()
            postings = merge(old, generation, gone, new)
            self._scorer = Scorer(postings)
            self._unsaved += len(gone) + len(new)
            if self._unsaved >= SAVE_AFTER_ROWS or not self.file.exists():
                self._save(postings)
            return True

    def _load(self) -> Postings:
        """The saved postings, or none (a missing, old or damaged file is rebuilt)."""
        if not self.file.exists():
            return Postings.empty()
        try:
            return load(self.file)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rebuilding the keyword postings: cannot read %s: %s", self.file, exc)
            return Postings.empty()

    def _save(self, postings: Postings) -> None:
        try:
            save(postings, self.file)
            self._unsaved = 0
        except OSError as exc:
            logger.warning("cannot save the keyword postings to %s: %s", self.file, exc)


def _generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _rows(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, int, str, str]]:
    """(passage id, server, title, text) of keyword rows."""
    out = []
    for start in range(0, len(ids), _READ_CHUNK):
        part = ids[start:start + _READ_CHUNK]
        out += conn.execute(
            "SELECT f.rowid, ifnull(a.guild_id, 0), f.title, f.text FROM passages_fts f"
            " LEFT JOIN passages p ON p.id = f.rowid LEFT JOIN articles a ON a.id = p.article_id"
            f" WHERE f.rowid IN ({','.join('?' * len(part))})", part).fetchall()
    return out


def save(postings: Postings, file: Path) -> None:
    """Write postings to ``file`` atomically (numpy arrays only, no pickle)."""
    names = list(postings.terms)
    sizes = [len(postings.terms[t][0]) for t in names]
    empty = (np.zeros(0, np.int32), np.zeros(0, np.float32))
    arrays: dict[str, Any] = {
        "meta": np.array([FORMAT, postings.generation], dtype=np.int64),
        "tokenize": np.array(TOKENIZE),
        "ids": postings.ids, "guilds": postings.guilds, "lengths": postings.lengths,
        "names": np.array(names, dtype=np.str_) if names else np.zeros(0, np.str_),
        "offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        "rows": np.concatenate([postings.terms[t][0] for t in names] or [empty[0]]),
        "weights": np.concatenate([postings.terms[t][1] for t in names] or [empty[1]]),
    }
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=file.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(file: Path) -> Postings:
    """Read postings written by :func:`save`.

    Raises:
        ValueError: the file is of another format or tokenizer, or damaged.
    """
    with np.load(file, allow_pickle=False) as data:
        meta = data["meta"]
        if int(meta[0]) != FORMAT or str(data["tokenize"]) != TOKENIZE:
            raise ValueError("made by another version")
        offsets, rows, weights = data["offsets"], data["rows"], data["weights"]
        names = data["names"].tolist()
        if len(offsets) != len(names) + 1 or offsets[-1] != len(rows) or len(rows) != len(weights):
            raise ValueError("inconsistent arrays")
        terms = {name: (rows[offsets[i]:offsets[i + 1]], weights[offsets[i]:offsets[i + 1]])
                 for i, name in enumerate(names)}
        return Postings(int(meta[1]), data["ids"], data["guilds"], data["lengths"], terms)
