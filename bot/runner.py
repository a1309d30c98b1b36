"""Starting the bot: settings in, one-line errors out, the token never shown."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import discord

from bot.client import NewsBot, ShardedNewsBot
from bot.metrics import start_metrics
from bot.service import NewsService
from config.settings import Settings, unknown_variables
from retrieval.backend import open_library
from retrieval.ingest import ensure_seeded

logger = logging.getLogger(__name__)


def point_at_api(api_base: str) -> None:
    """Send discord.py's REST calls to ``api_base`` (an API proxy, or a test server).

    The gateway address then comes from that API's ``/gateway/bot`` answer.
    """
    discord.http.Route.BASE = api_base.rstrip("/")


def build_bot(settings: Settings, library) -> NewsBot | ShardedNewsBot:
    """A bot serving ``library``, always sharded: the shards the settings name, or as many as Discord
    recommends (one for a small bot; past 2,500 servers Discord refuses a single connection)."""
    point_at_api(settings.discord_api_base)
    return ShardedNewsBot(settings, NewsService(settings, library))


def settle_heap() -> None:
    """Take everything loaded so far out of the garbage collector's rounds (``gc.freeze``).

    torch, the tokenizer, discord.py and the library leave a great many long-lived objects, and
    a full collection walks them all: 100-190 ms in our test process, on whichever thread
    happens to allocate, the event loop's included. Frozen, they are skipped; a full
    collection then walks only what the bot made since it started.
    """
    gc.collect()
    gc.freeze()
    logger.info("%d objects frozen out of garbage collection", gc.get_freeze_count())


async def serve(settings: Settings) -> None:
    """Open the library and run the bot until it is stopped."""
    for warning in unknown_variables(dict(os.environ)):
        logger.warning("%s", warning)
    library = open_library(settings)
    ensure_seeded(library, settings.seeds_dir, settings.max_file_bytes)
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    metrics = None
    try:
        async with build_bot(settings, library) as bot:
            if settings.metrics_port is not None:
                metrics = await start_metrics(bot, settings.metrics_host, settings.metrics_port)
            # the model and the keyword postings loaded before the first question
            await asyncio.to_thread(bot.service.searcher.warm)
            settle_heap()
            await bot.start(token)
    finally:
        if metrics is not None:
            await metrics.stop()
        library.close()


def run_bot(settings: Settings) -> int:
    """``newsbot run``: start the bot; return the exit status.

    A missing or rejected token gives one line that says what to do, never a traceback.
    """
    return _with_discord(settings, lambda: serve(settings))


def sync_bot(settings: Settings, guild_id: int | None) -> int:
    """``newsbot sync [--guild ID]``: publish the slash commands; return the exit status."""
    async def publish() -> None:
        library = open_library(settings)
        try:
            count = await sync_commands(settings, library, guild_id)
        finally:
            library.close()
        where = f"to server {guild_id} (visible now)" if guild_id else "globally (Discord may take up to an hour)"
        print(f"published {count} commands {where}")

    return _with_discord(settings, publish)


def _with_discord(settings: Settings, work: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Run ``work`` against Discord, turning a missing or rejected token and an unreachable Discord
    into one line and an exit status."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print("newsbot: error: no Discord token: set DISCORD_TOKEN in the environment or in .env "
              "(see README, 'Running the bot')", file=sys.stderr)
        return 2
    try:
        asyncio.run(work())
    except discord.LoginFailure:
        print("newsbot: error: Discord rejected the token: copy a fresh one from the Developer Portal "
              "(Bot → Reset Token) into DISCORD_TOKEN", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("newsbot: error: enable the Message Content intent in the Developer Portal, or unset "
              "NEWSBOT_MESSAGE_CONTENT_INTENT", file=sys.stderr)
        return 2
    except (discord.GatewayNotFound, OSError) as exc:
        print(f"newsbot: error: cannot reach Discord at {settings.discord_api_base}: {type(exc).__name__}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


async def sync_commands(settings: Settings, library, guild_id: int | None) -> int:
    """Log in over REST only and publish the slash commands: globally (Discord may take up to an
    hour to show them) or to one server (at once). Returns how many were published."""
    point_at_api(settings.discord_api_base)
    quiet = settings.model_copy(update={"feed_check_seconds": 0.0, "dev_guild_id": None})
    bot = NewsBot(quiet, NewsService(quiet, library))
    async with bot:
        await bot.login(settings.discord_token.get_secret_value().strip())  # loads the cogs (setup_hook)
        if guild_id is None:
            return len(await bot.tree.sync())
        guild = discord.Object(guild_id)
        bot.tree.copy_global_to(guild=guild)
        return len(await bot.tree.sync(guild=guild))
