"""SIGKILL during ingest, again and again: the library stays consistent and ends up complete."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from config.settings import PROJECT_ROOT
from retrieval.chunk import chunk_article
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.embedded.maintenance import doctor
from tests.conftest import need_eval_data
from tests.helpers import HashEncoder

INGEST = textwrap.dedent("""
    import sys
    from pathlib import Path
    from retrieval.ingest import ingest
    from retrieval.embedded.library import EmbeddedLibrary
    from tests.helpers import HashEncoder
    library = EmbeddedLibrary(Path(sys.argv[1]), HashEncoder())
    print(ingest(library, [Path(sys.argv[2])], max_bytes=20_000_000).summary(), flush=True)
""")


def start_ingest(data_dir, source):
    return subprocess.Popen([sys.executable, "-c", INGEST, str(data_dir), str(source)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def articles(data_dir) -> int:
    path = data_dir / "library.sqlite3"
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0
    finally:
        conn.close()


def wait_for_articles(data_dir, target, process) -> bool:
    """Wait until the library holds ``target`` articles; False if the process ended first."""
    while articles(data_dir) < target:
        if process.poll() is not None:
            return False
        time.sleep(0.01)
    return True


def snapshot(library):
    rows = library.store.connection.execute(
        "SELECT a.identity, a.content_hash, p.ord, p.text FROM articles a JOIN passages p ON p.article_id = a.id"
        " ORDER BY a.identity, p.ord").fetchall()
    return [tuple(r) for r in rows]


def assert_consistent(data_dir):
    library = EmbeddedLibrary(data_dir, HashEncoder(), repair=False)
    try:
        conn = library.store.connection
        for article_id, body, count in conn.execute(
                "SELECT a.id, a.body, (SELECT count(*) FROM passages p WHERE p.article_id = a.id) FROM articles a"):
            assert count == len(chunk_article(body)), f"article {article_id} is half-present"
        doctor(library)  # repairs vectors/keywords left behind by the kill
        assert doctor(library).healthy
        assert library.vectors.count == library.store.count("passages")
    finally:
        library.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_never_corrupts_the_library(tmp_path):
    bbc = need_eval_data("bbc-news", "bbc")
    reference = start_ingest(tmp_path / "reference", bbc)
    assert reference.wait(600) == 0

    rng = random.Random(20261123)
    data_dir = tmp_path / "killed"
    kills = 0
    while kills < 20:
        process = start_ingest(data_dir, bbc)
        # a random moment while it writes: after 1-80 more articles are in, plus up to 50 ms
        if not wait_for_articles(data_dir, articles(data_dir) + rng.randint(1, 80), process):
            break  # everything is in: later runs would only find it unchanged
        time.sleep(rng.uniform(0, 0.05))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        assert_consistent(data_dir)
    assert kills >= 20, f"the ingest finished after only {kills} kills"

    final = start_ingest(data_dir, bbc)
    assert final.wait(600) == 0
    assert_consistent(data_dir)
    a, b = EmbeddedLibrary(tmp_path / "reference", HashEncoder()), EmbeddedLibrary(data_dir, HashEncoder())
    assert snapshot(a) == snapshot(b)
    assert a.vectors.count == b.vectors.count
