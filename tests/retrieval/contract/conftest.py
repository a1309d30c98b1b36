"""The contract suite's fixtures: every test here runs once per storage backend.

As Haystack runs one document-store suite against every store, ``library`` is parametrised over
the embedded library (SQLite, FTS5, FAISS in a temporary folder) and PostgreSQL (a real server
with pgvector, started once per test session from the pip wheel; a new database per test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from retrieval.backend import open_library
from retrieval.encoder import Encoder
from retrieval.library import Library
from tests.helpers import HashEncoder

BACKENDS = ["embedded", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings that choose one backend: a data directory, and for PostgreSQL a database URL."""
    if request.param == "postgresql":
        return Settings(data_dir=tmp_path / "data", database_url=request.getfixturevalue("pg_url"))
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def open_with(backend_settings: Settings) -> Iterator[Callable[[Encoder], Library]]:
    """Opens the backend's library (again) with a given model; everything opened is closed after the test."""
    opened: list[Library] = []

    def opener(encoder: Encoder) -> Library:
        opened.append(open_library(backend_settings, encoder))
        return opened[-1]

    yield opener
    for library in reversed(opened):
        library.close()


@pytest.fixture
def library(open_with: Callable[[Encoder], Library], encoder: HashEncoder) -> Library:
    """An empty library of the backend, on the fake model."""
    return open_with(encoder)
