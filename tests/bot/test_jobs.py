"""Import jobs: one per server at a time, a bounded queue, progress, cancelling, failures."""

import asyncio

import pytest

from bot.embeds import job_line, job_report, job_status
from bot.jobs import ImportJob, ImportJobs
from retrieval.errors import BadInputError, NewsbotError
from retrieval.ingest import IngestReport
from retrieval.parsers import ParseFailure


def recorder():
    seen: list[tuple[int, str, int]] = []

    async def listen(job: ImportJob) -> None:
        seen.append((job.id, job.state, job.done))

    return seen, listen


def work_until(release: asyncio.Event, added: int = 1):
    async def work(job: ImportJob) -> IngestReport:
        await release.wait()
        job.total = added
        await asyncio.to_thread(job.advance, added)
        return IngestReport(added=added)

    return work


async def test_one_job_per_server_at_a_time_others_wait_in_order():
    jobs, release = ImportJobs(max_queued=5), asyncio.Event()
    seen, listen = recorder()
    first = jobs.submit(1, "a.txt", 9, work_until(release), listen)
    second = jobs.submit(1, "b.txt", 9, work_until(release), listen)
    elsewhere = jobs.submit(2, "c.txt", 9, work_until(release), listen)
    await asyncio.sleep(0)
    assert (first.state, second.state, elsewhere.state) == ("running", "queued", "running")
    assert jobs.position(second) == 1 and jobs.position(first) == 0
    release.set()
    await jobs.wait_idle()
    assert [j.state for j in (first, second, elsewhere)] == ["done", "done", "done"]
    order = [(job_id, state) for job_id, state, _ in seen if state in ("running", "done")]
    assert order.index((first.id, "done")) < order.index((second.id, "running"))


async def test_a_full_queue_refuses_politely():
    jobs, release = ImportJobs(max_queued=1), asyncio.Event()
    _, listen = recorder()
    jobs.submit(1, "a.txt", 9, work_until(release), listen)
    jobs.submit(1, "b.txt", 9, work_until(release), listen)
    with pytest.raises(BadInputError, match="already waiting"):
        jobs.submit(1, "c.txt", 9, work_until(release), listen)
    release.set()
    await jobs.wait_idle()


async def test_progress_is_told_after_each_batch():
    jobs = ImportJobs(max_queued=5)
    seen, listen = recorder()

    async def work(job: ImportJob) -> IngestReport:
        job.total = 128
        for _ in range(2):
            await asyncio.to_thread(job.advance, 64)
        return IngestReport(added=128)

    job = jobs.submit(1, "big.jsonl", 9, work, listen)
    await jobs.wait_idle()
    await asyncio.sleep(0.05)  # progress reports are scheduled from the worker thread
    told = [state for job_id, state, _ in seen if job_id == job.id]
    assert told.count("running") == 3  # when it started, then after each of the two batches
    assert "done" in told and job.done == 128


async def test_cancelling_a_running_job_stops_it_between_batches_and_keeps_its_report():
    jobs, release = ImportJobs(max_queued=5), asyncio.Event()
    _, listen = recorder()
    report = IngestReport(added=64)

    async def work(job: ImportJob) -> IngestReport:
        job.report = report
        await release.wait()
        await asyncio.to_thread(job.advance, 64)
        return IngestReport(added=999)

    job = jobs.submit(1, "big.jsonl", 9, work, listen)
    await asyncio.sleep(0)
    assert jobs.cancel(1, job.id) is job and job.state == "running"
    release.set()
    await jobs.wait_idle()
    assert job.state == "cancelled" and job.report is report
    assert "cancelled" in job_status(job) and "added 64" in job_status(job)


async def test_cancelling_another_servers_job_is_refused():
    jobs, release = ImportJobs(max_queued=5), asyncio.Event()
    _, listen = recorder()
    job = jobs.submit(1, "a.txt", 9, work_until(release), listen)
    with pytest.raises(BadInputError, match="No import"):
        jobs.cancel(2, job.id)
    release.set()
    await jobs.wait_idle()


async def test_a_failing_job_says_why_and_the_queue_goes_on(caplog):
    jobs = ImportJobs(max_queued=5)
    _, listen = recorder()

    async def refused(job: ImportJob) -> IngestReport:
        raise NewsbotError("file is empty")

    async def broken(job: ImportJob) -> IngestReport:
        raise RuntimeError("disk on fire")

    first = jobs.submit(1, "a.txt", 9, refused, listen)
    second = jobs.submit(1, "b.txt", 9, broken, listen)
    third = jobs.submit(1, "c.txt", 9, work_until(_set_event()), listen)
    await jobs.wait_idle()
    assert (first.state, first.error) == ("failed", "file is empty")
    assert second.state == "failed" and "disk on fire" not in second.error  # details only in the log
    assert "disk on fire" in caplog.text
    assert third.state == "done"


async def test_a_listener_that_fails_never_stops_the_queue():
    jobs = ImportJobs(max_queued=5)

    async def unreachable(job: ImportJob) -> None:
        raise ConnectionError("Discord is down")

    job = jobs.submit(1, "a.txt", 9, work_until(_set_event()), unreachable)
    await jobs.wait_idle()
    assert job.state == "done"


def test_the_final_message_lists_failures():
    job = ImportJob(3, 1, "feed.jsonl", 9, state="done", report=IngestReport(
        added=2, failures=[ParseFailure("discord:1/feed.jsonl:4", "line 4: no text")]))
    text = job_report(job)
    assert text.startswith("✅ Imported `3` **feed.jsonl**: added 2") and "line 4: no text" in text
    assert job_line(job).endswith("by <@9>")
    assert "2nd in this server's queue" in job_status(ImportJob(4, 1, "x", 9), position=2)


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event
