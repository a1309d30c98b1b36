"""Starting the bot: one-line errors, and the token never shown."""

import asyncio
import logging
import threading

import pytest

from bot.runner import point_at_api, run_bot, settle_heap, sync_bot
from config.settings import DISCORD_API, Settings
from tests.bot.fake_discord import FakeDiscord
from tests.conftest import SEEDS_DIR
from tests.helpers import HashEncoder

SECRET = "MTIzNDU2Nzg5.secret-token-value.xyz"


@pytest.fixture
def fake_in_thread():
    """The fake Discord on its own event loop, since run_bot runs its own."""
    loop = asyncio.new_event_loop()
    server = FakeDiscord()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    point_at_api(DISCORD_API)


def test_no_token_is_one_line(tmp_path, capsys):
    assert run_bot(Settings(data_dir=tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DISCORD_TOKEN" in err


def test_rejected_token_is_one_line_and_never_shown(tmp_path, capsys, caplog, fake_in_thread, monkeypatch):
    monkeypatch.setattr("retrieval.embedded.library.make_encoder", lambda *a, **k: HashEncoder())
    caplog.set_level(logging.DEBUG)
    settings = Settings(data_dir=tmp_path, seeds_dir=SEEDS_DIR, discord_token=SECRET,
                        discord_api_base=fake_in_thread.api_base)
    assert run_bot(settings) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "rejected the token" in captured.err
    everything = captured.out + captured.err + caplog.text + repr(settings) + str(settings.model_dump())
    assert SECRET not in everything
    assert any(path == "/users/@me" for _, path, _ in fake_in_thread.requests)


def test_sync_publishes_the_commands_and_says_where(tmp_path, capsys, fake_in_thread, monkeypatch):
    monkeypatch.setattr("retrieval.embedded.library.make_encoder", lambda *a, **k: HashEncoder())
    settings = Settings(data_dir=tmp_path, discord_token="fake-token", discord_api_base=fake_in_thread.api_base)
    assert sync_bot(settings, 42) == 0
    assert capsys.readouterr().out.startswith(f"published {len(fake_in_thread.commands)} commands to server 42")
    assert sync_bot(Settings(data_dir=tmp_path), None) == 2  # no token: one line, as for run


def test_settle_heap_takes_what_is_loaded_out_of_collections():
    import gc

    try:
        settle_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the test process: pytest, numpy, discord.py...
        gc.collect()
        # a full collection leaves them be (a few may still be freed by other threads dropping the
        # last reference to them: the count only falls by those)
        assert gc.get_freeze_count() >= frozen - 1_000
    finally:
        gc.unfreeze()


def test_sharded_settings_build_a_sharded_bot(tmp_path):
    from bot.client import ShardedNewsBot
    from bot.runner import build_bot
    from config.settings import Settings
    from retrieval.embedded.library import EmbeddedLibrary
    from tests.helpers import HashEncoder

    library = EmbeddedLibrary(tmp_path / "lib", HashEncoder())
    try:
        sharded = build_bot(Settings(data_dir=tmp_path, shard_count=4, shard_ids="2,3"), library)
        assert isinstance(sharded, ShardedNewsBot) and sharded.shard_count == 4 and sharded.shard_ids == [2, 3]
        plain = build_bot(Settings(data_dir=tmp_path), library)  # sharded too: as many shards as Discord says
        assert isinstance(plain, ShardedNewsBot) and plain.shard_count is None
    finally:
        library.close()
