"""Bot fixtures: the real bot on a fake-model library, driven by simcord."""

from __future__ import annotations

import gc

import discord
import pytest

from bot.client import NewsBot
from bot.runner import settle_heap
from bot.service import NewsService
from config.settings import Settings
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.ingest import ensure_seeded
from tests.conftest import SEEDS_DIR
from tests.helpers import HashEncoder


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "botdata", seeds_dir=SEEDS_DIR, cooldown_seconds=60,
                    cooldown_questions=3, min_score=0.05, owner_ids=[1], fetch_allow="127.0.0.1",
                    feed_check_seconds=0)


@pytest.fixture
def bot_library(bot_settings):
    library = EmbeddedLibrary(bot_settings.data_dir, HashEncoder())
    ensure_seeded(library, SEEDS_DIR, bot_settings.max_file_bytes)
    yield library
    library.close()


@pytest.fixture
def simcord_bot(bot_settings, bot_library) -> NewsBot:
    return NewsBot(bot_settings, NewsService(bot_settings, bot_library))


@pytest.fixture
async def env(simcord_env):
    await simcord_env.bot.tree.sync()
    yield simcord_env
    await simcord_env.bot.service.close_web()


@pytest.fixture
def guild(env):
    return env.create_guild(name="Newsroom")


@pytest.fixture
def channel(guild):
    return guild.create_text_channel("general")


@pytest.fixture
def admin(env, guild):
    role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("admin"), roles=[role])


@pytest.fixture
def member(env, guild):
    return guild.add_member(env.create_user("reader"))


@pytest.fixture
def settled_heap():
    """The heap as ``serve`` leaves it before connecting (:func:`bot.runner.settle_heap`), for
    tests that measure event-loop stalls; thawed afterwards for the other tests."""
    settle_heap()
    yield
    gc.unfreeze()
