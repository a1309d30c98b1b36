"""The writers of a library's bylines, read for questions that name one ("What did Matt Murphy write?").

Listing the writers groups every article of the scopes by author: 1.2 ms for rtqa-dev's 496
articles (179 writers), 0.6-0.7 s for a million rows in SQLite (measured on a bare table in
memory). The list is read again when
the library has changed, at once while reading it is cheap, else at most every
:data:`REFRESH_SECONDS`: a feed poll changes a large library every few minutes, and a writer
whose first article came meanwhile is named by questions once the list is read again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

READ = 5_000  # the most prolific writers a question is matched against
SCOPES_KEPT = 64  # servers whose writers stay read
CHEAP_SECONDS = 0.02  # a list read faster than this is read again after every change
REFRESH_SECONDS = 600.0  # otherwise at most this often


class Bylines:
    """The writers of each scope set, kept while fresh enough (see the module)."""

    def __init__(self, read: Callable[[list[int | None], int], list[str]], version: Callable[[], tuple]) -> None:
        """Read writers with ``read(scopes, limit)``; ``version()`` says when the library changed."""
        self._read, self._version = read, version
        self._kept: OrderedDict[tuple, tuple[tuple, float, float, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def writers(self, scopes: Iterable[int | None]) -> list[str]:
        """The writers of ``scopes``' articles, most articles first."""
        key, version, now = tuple(scopes), self._version(), time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and (kept[0] == version or (kept[2] >= CHEAP_SECONDS and now - kept[1] < REFRESH_SECONDS)):
            return kept[3]
        started = time.monotonic()
        names = self._read(list(key), READ)
        with self._lock:
            self._kept[key] = (version, now, time.monotonic() - started, names)
            self._kept.move_to_end(key)
            while len(self._kept) > SCOPES_KEPT:
                self._kept.popitem(last=False)
        return names
