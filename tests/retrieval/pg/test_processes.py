"""Several processes on one PostgreSQL library: changes seen within 2 s, servers kept apart,
an ingest killed mid-way leaving the library consistent."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from config.settings import PROJECT_ROOT, Settings
from retrieval.errors import ModelMismatchError
from retrieval.pg.library import PgLibrary
from tests.helpers import HashEncoder, doc


def worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.retrieval.pg.worker", *args], cwd=PROJECT_ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.fixture
def library(pg_url, tmp_path):
    library = PgLibrary.from_settings(Settings(data_dir=tmp_path, database_url=pg_url), HashEncoder())
    yield library
    library.close()


def ask(process: subprocess.Popen, question: str, guild: int = 0) -> list[str]:
    process.stdin.write(json.dumps({"question": question, "guild": guild}) + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def until_seen(process, question: str, condition, guild: int = 0, limit: float = 2.0) -> float:
    """Seconds until the other process's answer meets ``condition`` (fails after ``limit``)."""
    started = time.monotonic()
    while not condition(ask(process, question, guild)):
        assert time.monotonic() - started < limit, "not seen by the other process within the limit"
        time.sleep(0.02)
    return time.monotonic() - started


def test_adds_and_removals_reach_another_process_within_two_seconds(library, pg_url):
    other = worker("ask", pg_url)
    try:
        assert other.stdout.readline().strip() == "ready"
        question = "lighthouse keeper counted seals"
        assert "u-seals" not in ask(other, question)  # now cached in the other process
        library.add_documents([doc("The lighthouse keeper counted 412 seals on the rocks.", url="u-seals")])
        added = until_seen(other, question, lambda urls: "u-seals" in urls)
        article = next(a for a in library.articles() if a.url == "u-seals")
        library.remove(article.id)
        removed = until_seen(other, question, lambda urls: "u-seals" not in urls)
        print(f"seen by the other process: added after {added * 1000:.0f} ms, removed after {removed * 1000:.0f} ms")
    finally:
        other.stdin.close()
        other.wait(10)


def test_servers_are_kept_apart_across_processes(library, pg_url):
    library.add_documents([doc("Our club's regatta on the lake is on Saturday.", url="u-regatta")], guild_id=42)
    other = worker("ask", pg_url)
    try:
        assert other.stdout.readline().strip() == "ready"
        assert "u-regatta" in ask(other, "club regatta lake Saturday", guild=42)
        assert "u-regatta" not in ask(other, "club regatta lake Saturday", guild=43)
        assert "u-regatta" not in ask(other, "club regatta lake Saturday", guild=0)
    finally:
        other.stdin.close()
        other.wait(10)


def test_an_ingest_killed_mid_way_leaves_the_library_consistent(library, pg_url):
    ingest = worker("ingest", pg_url, "400")
    while int(ingest.stdout.readline()) < 64:  # some batches committed, more under way
        pass
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(10)
    articles = library.store.count("articles")
    assert 64 <= articles < 400 and articles % 16 == 0  # whole batches only
    report = library.doctor()
    assert report.healthy, report.problems
    assert library.vectors.count() == library.store.count("passages")
    again = worker("ingest", pg_url, "400")
    assert again.wait(120) == 0
    assert library.store.count("articles") == 400 and library.doctor().healthy


def test_a_process_never_answers_from_the_vectors_of_two_models_while_another_reindexes(pg_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    first = PgLibrary.from_settings(settings, HashEncoder(name="model-a", salt="model-a"))
    first.add_documents([doc(f"Report {n}: the harbour crane number {n} lifted {n * 7} containers today.",
                             title=f"Crane {n}", url=f"u{n}") for n in range(300)])
    first.close()
    serving = worker("ask", pg_url, "model-a")
    try:
        assert serving.stdout.readline().strip() == "ready"
        question = "crane number 42 lifted containers"
        expected = ask_dense(serving, question)
        assert "u42" in expected
        PgLibrary.prepare_reindex(settings)
        reindexing = PgLibrary.from_settings(settings, HashEncoder(name="model-b", salt="model-b"))
        done = threading.Event()
        thread = threading.Thread(target=lambda: (reindexing.reindex(), done.set()))
        thread.start()
        answers = []
        while not done.is_set():
            answers.append(ask_dense(serving, question))
        thread.join()
        answers.append(ask_dense(serving, question))
        refused = [i for i, a in enumerate(answers) if isinstance(a, dict)]
        assert refused and refused == list(range(refused[0], len(answers)))  # once refused, always refused
        assert all(a == expected for a in answers[:refused[0]])  # before: the old model's answer, unmixed
        assert "reindexed with 'model-b'" in answers[-1]["error"]
        print(f"{refused[0]} answers before the reindex was heard, {len(refused)} refused")
        reindexing.close()
    finally:
        serving.stdin.close()
        serving.wait(10)


def test_a_process_of_the_old_model_cannot_write_once_the_library_is_another_model_s(pg_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    old = PgLibrary.from_settings(settings, HashEncoder(name="model-a"))
    old.add_documents([doc("The ferry sails at noon.", url="u1")])
    PgLibrary.prepare_reindex(settings)
    new = PgLibrary.from_settings(settings, HashEncoder(name="model-b", salt="b"))
    new.reindex()
    with pytest.raises(ModelMismatchError, match="nothing was written"):
        old.add_documents([doc("The ferry is late today.", url="u2")])
    assert [a.url for a in new.articles()] == ["u1"]
    for library in (old, new):
        library.close()


def ask_dense(process: subprocess.Popen, question: str):
    process.stdin.write(json.dumps({"question": question, "guild": 0, "mode": "dense"}) + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())
