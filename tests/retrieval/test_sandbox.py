import os
import time

import pytest

from retrieval.errors import BadInputError
from retrieval.sandbox import Limits, Sandbox, SandboxError


def bad_document(text: str) -> None:
    raise BadInputError(f"cannot use {text}")


def crash() -> None:
    os._exit(3)


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(Limits(seconds=3.0, memory_bytes=512 << 20), workers=1)
    yield box
    box.close()


def test_a_function_runs_in_another_process_and_the_worker_is_kept(sandbox):
    first = sandbox.run(os.getpid)
    assert first != os.getpid() and sandbox.run(os.getpid) == first


def test_a_document_past_its_deadline_is_stopped_and_the_next_one_gets_a_fresh_worker(sandbox):
    before = sandbox.run(os.getpid)
    started = time.monotonic()
    with pytest.raises(SandboxError, match="longer than 3 s"):
        sandbox.run(time.sleep, 60)
    assert time.monotonic() - started < 10
    assert sandbox.run(os.getpid) != before


def test_a_document_over_the_memory_limit_is_stopped(sandbox):
    with pytest.raises(SandboxError, match="more than 512 MB"):
        sandbox.run(bytearray, 1 << 30)
    assert sandbox.run(len, "still working") == 13


def test_a_crashed_worker_is_reported_and_replaced(sandbox):
    with pytest.raises(SandboxError, match="exit code 3"):
        sandbox.run(crash)
    assert sandbox.run(len, "again") == 5


def test_the_function_s_own_error_reaches_the_caller_and_the_worker_stays(sandbox):
    before = sandbox.run(os.getpid)
    with pytest.raises(BadInputError, match="cannot use this"):
        sandbox.run(bad_document, "this")
    assert sandbox.run(os.getpid) == before


async def test_waiting_for_a_worker_leaves_the_event_loop_free(sandbox):
    import asyncio

    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await sandbox.run_async(time.sleep, 0.5)
    ticker.cancel()
    assert ticks >= 20
