"""Hearing other processes' library changes: ``LISTEN newsbot_library`` on a connection of its own.

Every library change commits with ``NOTIFY newsbot_library, '<generation>'``; the listener keeps
the newest generation heard, which keys the answer cache, so a change made on another machine
is seen within milliseconds of its commit. A change of the library's model (a reindex) is heard
on ``newsbot_model``, and read again at every reconnection, so a process whose model is no longer
the library's stops answering at once. While the listening connection is down (it reconnects by
itself) both are read from the database at every question instead.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from config.secrets import redact, url_secrets
from retrieval.pg.db import first_value
from retrieval.pg.store import CHANNEL, GENERATION_SQL, MODEL_CHANNEL, MODEL_KEY

logger = logging.getLogger(__name__)


class GenerationListener:
    """A thread that listens for library changes and remembers the newest generation."""

    def __init__(self, url: str, start_generation: int, model: str = "") -> None:
        self.url = url
        self.generation = start_generation
        self.model = model  # the library's model as last heard ("" while unset)
        self.listening = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsbot-listen", daemon=True)
        self._thread.start()

    def heard(self, generation: int) -> None:
        """Record a generation (from a notification, or a change this process made)."""
        self.generation = max(self.generation, generation)

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {MODEL_CHANNEL}")
                    self.heard(int(first_value(conn.execute(GENERATION_SQL))))
                    row = conn.execute("SELECT value FROM meta WHERE key = %s", (MODEL_KEY,)).fetchone()
                    self.model = row[0] if row else ""
                    self.listening, backoff = True, 0.5
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            if notice.channel == MODEL_CHANNEL:
                                self.model = notice.payload
                            else:
                                self.heard(int(notice.payload))
            except (psycopg.Error, ValueError) as exc:
                if not self._stop.is_set():
                    logger.warning("library change listener lost its connection (%s); reconnecting",
                                   redact(str(exc), url_secrets(self.url)))
            finally:
                self.listening = False
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
