"""The service's bounds: a flood of questions is answered or politely refused, never piled up."""

import asyncio
import threading
import time

import pytest

from bot.service import BusyError, CooldownError, NewsService
from config.settings import Settings
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.records import Answer
from tests.helpers import HashEncoder


class SlowSearcher:
    """Stands in for the searcher: blocks a worker thread for a while, counts concurrency."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def ask(self, question, options, scopes):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.01)
        with self.lock:
            self.running -= 1
        return Answer(question, False, [], 10.0)


@pytest.fixture
def service(tmp_path):
    settings = Settings(data_dir=tmp_path, max_inflight_searches=4, cooldown_seconds=0)
    library = EmbeddedLibrary(tmp_path, HashEncoder())
    service = NewsService(settings, library)
    service.searcher = SlowSearcher()
    yield service
    service.close()
    library.close()


async def test_flood_of_500_questions_is_answered_or_refused_and_the_loop_stays_free(service, settled_heap):
    stalls = []

    async def watch():
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            stalls.append(loop.time() - before - 0.005)

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(service.ask(f"question {i}", 1) for i in range(500)), return_exceptions=True)
    watcher.cancel()
    answered = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, BusyError)]
    assert len(answered) + len(refused) == 500
    assert len(answered) >= service.max_queued and refused  # the queue filled, the rest were told to wait
    assert "ask again in a moment" in str(refused[0])
    assert service.searcher.peak <= 2  # the worker pool bounds the threads
    assert service._queued == 0
    assert max(stalls) < 0.1


def test_cooldown_counts_per_user(tmp_path):
    settings = Settings(data_dir=tmp_path, cooldown_questions=2, cooldown_seconds=60)
    service = NewsService(settings, EmbeddedLibrary(tmp_path, HashEncoder()))
    service.check_cooldown(1)
    service.check_cooldown(1)
    service.check_cooldown(2)
    with pytest.raises(CooldownError) as err:
        service.check_cooldown(1)
    assert 0 < err.value.retry_after <= 60
    service.close()


async def test_more_results_reaches_what_the_cut_off_hid(tmp_path):
    from tests.helpers import doc

    settings = Settings(data_dir=tmp_path, cooldown_seconds=0, relative_cutoff=0.95, min_score=0.0)
    library = EmbeddedLibrary(tmp_path, HashEncoder())
    library.add_documents([doc("The river flooded the valley and boats rescued families.", url="u1"),
                           doc("The river was calm and the valley quiet.", url="u2"),
                           doc("Boats are moored by the river all winter.", url="u3")])
    service = NewsService(settings, library)
    try:
        answer, qid = await service.ask("river flooded valley boats rescued families", 7, k=3)
        assert [h.article.url for h in answer.hits] == ["u1"]
        more = await service.more(qid, 7)
        assert {h.article.url for h in more.hits} == {"u2", "u3"}
    finally:
        service.close()
        library.close()
