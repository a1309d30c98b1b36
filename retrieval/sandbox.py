"""Parsing content from outside in worker processes, each document under hard limits.

Pages, feeds and uploaded files are parsed by libraries (trafilatura, lxml, feedparser, YAML) and
expressions written for honest input. A hostile document can make any of them slow or greedy, and
a thread does not help: Python code holds the GIL, so a parse on a thread stalls the bot's event
loop just the same. Here each document is parsed in a worker process with an address-space limit
(``RLIMIT_AS``) and a deadline: a worker past its deadline is killed and a fresh one started, a
worker out of memory or crashed is replaced, and the caller gets a :class:`SandboxError` saying
which; the rest of the batch goes on. Workers are started with ``spawn`` (never ``fork``: the bot
process has threads) and kept warm between documents.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from config.settings import Settings
from retrieval.errors import BadInputError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SandboxError(BadInputError):
    """A document went over a limit of its worker (time, memory) or crashed it."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one document may take in its worker."""

    seconds: float = 20.0
    memory_bytes: int = 768 << 20  # address space of the whole worker process (an idle one takes about 190 MB)


def sandbox_from_settings(settings: Settings) -> Sandbox:
    """The operator's parser workers (``NEWSBOT_PARSE_SECONDS``, ``_MEMORY_MB``, ``_WORKERS``)."""
    return Sandbox(Limits(settings.parse_seconds, settings.parse_memory_mb << 20), settings.parse_workers)


class Sandbox:
    """A few worker processes that run parsing functions, one document at a time each.

    ``run`` blocks the calling thread (waiting on a pipe releases the GIL); ``run_async`` waits
    on a thread so the event loop goes on. Functions and their arguments are pickled: they must
    be defined at module level and take plain data.
    """

    def __init__(self, limits: Limits = Limits(), workers: int = 2) -> None:
        """Prepare ``workers`` processes (started at first use)."""
        self.limits = limits
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(workers):
            self._idle.put(None)  # a place for a worker, started when first needed
        self._closed = False
        self._lock = threading.Lock()
        self._all: list[_Worker] = []

    def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in a worker, under the limits.

        Raises:
            SandboxError: the document took too long, needed too much memory, or crashed the worker.
            Exception: whatever ``func`` raised (a :class:`BadInputError` for a bad document).
        """
        if self._closed:
            raise SandboxError("the parser workers are shut down")
        worker = self._idle.get()
        try:
            if worker is None or not worker.alive():
                worker = self._start()
            return worker.call(func, args, kwargs, self.limits)
        except SandboxError:
            worker = None  # killed or dead: the next caller starts a fresh one
            raise
        finally:
            self._idle.put(worker)

    async def run_async(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """:meth:`run` on a thread, so the event loop is never held while a document is parsed."""
        return await asyncio.to_thread(self.run, func, *args, **kwargs)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._all.clear()

    def _start(self) -> _Worker:
        worker = _Worker(self.limits.memory_bytes)
        with self._lock:
            self._all = [w for w in self._all if w.alive()] + [worker]
        return worker


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, memory_bytes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, memory_bytes), daemon=True,
                                       name="newsbot-parser")
        self.process.start()
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def call(self, func: Callable[..., T], args: tuple, kwargs: dict, limits: Limits) -> T:
        started = time.monotonic()
        try:
            self.conn.send((func, args, kwargs))
            if not self.conn.poll(limits.seconds):
                self.stop()
                raise SandboxError(f"parsing took longer than {limits.seconds:g} s (stopped)")
            kind, value = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.process.join(2)  # the pipe closes a moment before the process is reaped
            code = self.process.exitcode
            self.stop()
            raise SandboxError(f"the parser stopped (exit code {code}) after {time.monotonic() - started:.1f} s"
                               ) from None
        if kind == "ok":
            return value
        if kind == "memory":
            self.stop()  # a worker that ran out of memory may be left in a bad state
            raise SandboxError(f"parsing needed more than {limits.memory_bytes // (1 << 20)} MB (stopped)")
        raise value

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def serve(conn: Connection, memory_bytes: int) -> None:
    """A worker's loop: limit its own memory, then run what it is sent until the pipe closes."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):  # no rlimit on this system: the deadline still holds
        pass
    while True:
        try:
            func, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", func(*args, **kwargs)))
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # sent back to be raised in the caller, with its message
            conn.send(("error", exc if _picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}")))


def _picklable(exc: Exception) -> bool:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True
