"""Imports as background jobs: uploads and links run on workers of their own, one per server at a time.

Questions, settings and buttons never wait behind an import: the jobs' blocking work runs on
its own thread pool (``NEWSBOT_IMPORT_WORKERS``), never the question pool. Each server has a
queue (``NEWSBOT_IMPORT_QUEUE`` waiting at most) and one job running; a job counts its progress
as it goes, can be cancelled between batches, and calls ``on_change`` on the event loop when it
starts, after each batch and when it ends, so the cog can edit its progress message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal

from retrieval.errors import BadInputError, NewsbotError
from retrieval.ingest import IngestReport

logger = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed", "cancelled"]


class JobCancelled(NewsbotError):
    """The job was cancelled by an admin; what it had added stays."""


@dataclasses.dataclass(slots=True, eq=False)
class ImportJob:
    """One import: what it is, whose it is and how far it got."""

    id: int
    guild_id: int
    name: str
    user_id: int
    state: State = "queued"
    total: int = 0  # documents to add, once parsed (0: not known yet)
    done: int = 0  # documents handled so far
    report: IngestReport | None = None
    error: str = ""
    queued_at: float = dataclasses.field(default_factory=time.time)
    started_at: float = 0.0
    ended_at: float = 0.0
    cancel_requested: bool = False
    on_progress: Callable[[ImportJob], None] | None = None  # told (from the worker) after each batch

    @property
    def finished(self) -> bool:
        """True once the job ended, whatever the outcome."""
        return self.state in ("done", "failed", "cancelled")

    def advance(self, count: int) -> None:
        """Count ``count`` more documents handled (called from the worker thread).

        Raises:
            JobCancelled: an admin cancelled the job; the import stops between two batches.
        """
        self.done += count
        if self.on_progress is not None:
            self.on_progress(self)
        if self.cancel_requested:
            raise JobCancelled(f"{self.name}: cancelled after {self.done} of {self.total or '?'} documents.")


Work = Callable[[ImportJob], Awaitable[IngestReport]]
Listener = Callable[[ImportJob], Awaitable[None]]


class ImportJobs:
    """The import queues of every server and the tasks running them."""

    def __init__(self, max_queued: int) -> None:
        """Accept at most ``max_queued`` waiting jobs per server (the running one not counted)."""
        self.max_queued = max_queued
        self._ids = itertools.count(1)
        self._queues: dict[int, deque[tuple[ImportJob, Work, Listener]]] = {}
        self._running: dict[int, ImportJob] = {}
        self._tasks: set[asyncio.Task] = set()
        self._recent: deque[ImportJob] = deque(maxlen=50)

    def submit(self, guild_id: int, name: str, user_id: int, work: Work, on_change: Listener) -> ImportJob:
        """Queue a job for a server; it starts at once when the server runs none.

        Raises:
            BadInputError: the server's queue is full.
        """
        queue = self._queues.setdefault(guild_id, deque())
        if len(queue) >= self.max_queued:
            raise BadInputError(f"{len(queue)} imports are already waiting in this server; "
                                "try again when one has finished (`/library jobs`).")
        job = ImportJob(next(self._ids), guild_id, name, user_id)
        loop = asyncio.get_running_loop()
        job.on_progress = lambda moved: loop.call_soon_threadsafe(self._spawn, _tell(on_change, moved))
        queue.append((job, work, on_change))
        if guild_id not in self._running:
            self._start_next(guild_id)
        return job

    def position(self, job: ImportJob) -> int:
        """The job's place in its server's queue (1: next), or 0 when it is not waiting."""
        for place, (queued, _, _) in enumerate(self._queues.get(job.guild_id, ()), start=1):
            if queued is job:
                return place
        return 0

    def jobs(self, guild_id: int) -> list[ImportJob]:
        """A server's jobs: running, then waiting, then the latest finished (newest first)."""
        running = [self._running[guild_id]] if guild_id in self._running else []
        waiting = [job for job, _, _ in self._queues.get(guild_id, ())]
        finished = [job for job in reversed(self._recent) if job.guild_id == guild_id][:5]
        return running + waiting + finished

    def cancel(self, guild_id: int, job_id: int) -> ImportJob:
        """Cancel a server's waiting job, or ask its running one to stop after the current batch.

        Raises:
            BadInputError: the server has no such job waiting or running.
        """
        queue = self._queues.get(guild_id, deque())
        for entry in list(queue):
            if entry[0].id == job_id:
                queue.remove(entry)
                job = entry[0]
                job.state, job.ended_at, job.error = "cancelled", time.time(), "cancelled before it started"
                self._recent.append(job)
                self._spawn(entry[2](job))
                return job
        running = self._running.get(guild_id)
        if running is None or running.id != job_id:
            raise BadInputError(f"No import `{job_id}` is waiting or running in this server.")
        running.cancel_requested = True
        return running

    async def wait_idle(self) -> None:
        """Wait until every job has ended (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def close(self) -> None:
        """Stop the running tasks (their worker threads finish the current batch)."""
        for task in list(self._tasks):
            task.cancel()

    def _start_next(self, guild_id: int) -> None:
        queue = self._queues.get(guild_id)
        if not queue:
            self._queues.pop(guild_id, None)
            return
        job, work, on_change = queue.popleft()
        self._running[guild_id] = job
        self._spawn(self._run(job, work, on_change))

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: ImportJob, work: Work, on_change: Listener) -> None:
        job.state, job.started_at = "running", time.time()
        await _tell(on_change, job)
        try:
            job.report = await work(job)
            job.state = "done"
        except JobCancelled as exc:
            job.state, job.error = "cancelled", str(exc)
        except NewsbotError as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 — a bug: logged with an id, the queue goes on
            job.state, job.error = "failed", "an internal error (logged)"
            logger.error("import job %s (%s) failed", job.id, job.name, exc_info=exc)
        job.ended_at = time.time()
        self._recent.append(job)
        del self._running[job.guild_id]
        self._start_next(job.guild_id)
        await _tell(on_change, job)


async def _tell(listener: Listener, job: ImportJob) -> None:
    """Call a listener; its failure (Discord down, say) never stops the queue."""
    try:
        await listener(job)
    except Exception:  # noqa: BLE001
        logger.exception("could not report the progress of import %s", job.id)
