"""The Discord client: one bot, its cogs, its single app-command error handler."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from typing import TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.service import BusyError, CooldownError, NewsService
from config.settings import DISCORD_API, Settings
from retrieval.errors import BadInputError, NewsbotError

logger = logging.getLogger(__name__)

COGS = ("bot.cogs.ask", "bot.cogs.library", "bot.cogs.admin", "bot.cogs.feeds", "bot.cogs.help",
        "bot.cogs.stories", "bot.cogs.follows")
NO_MENTIONS = discord.AllowedMentions.none()
T = TypeVar("T")


def intents(settings: Settings) -> discord.Intents:
    """Gateway intents: guilds and guild messages; message content only if configured.

    Messages that mention the bot carry their content without the privileged intent,
    which is all channel mode needs.
    """
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.message_content = settings.message_content_intent
    return chosen


class NewsBotMixin:
    """What every newsbot client does, sharded or not: cogs, the gateway through an API proxy,
    closing the service, the one error handler."""

    settings: Settings
    service: NewsService

    def _setup_newsbot(self, settings: Settings, service: NewsService) -> None:
        self.settings = settings
        self.service = service
        self.tree.on_error = self.on_app_command_error

    async def login(self, token: str) -> None:
        """Log in over REST, then take the gateway address from the API's answer.

        discord.py would otherwise use its built-in gateway URL, which an API proxy
        (``NEWSBOT_DISCORD_API_BASE``) may not front.
        """
        await super().login(token)
        if self.settings.discord_api_base != DISCORD_API:
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def on_ready(self) -> None:
        """Connected: the metrics learn how many shards the bot has (Discord may have chosen)."""
        self.service.metrics.shard_count = getattr(self, "shard_count", None) or 1

    async def setup_hook(self) -> None:
        """Load the cogs; sync commands only to a configured development guild."""
        for cog in COGS:
            await self.load_extension(cog)
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            logger.info("synced commands to development guild %s", self.settings.dev_guild_id)

    async def close(self) -> None:
        """Disconnect (unloading the cogs stops the feed poller), then stop the HTTP client and workers."""
        await super().close()
        await self.service.close_web()
        self.service.close()

    async def process_commands(self, message: discord.Message) -> None:
        """No prefix commands: a mention is a question for the Ask cog, never a command (so no
        "command not found" per message). The owner syncs commands with ``newsbot sync``."""
        return

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        """Errors of app commands go to :meth:`report_error`."""
        await self.report_error(interaction, getattr(error, "original", error))

    async def report_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """The one error path of commands and buttons: a clear message, always private.

        After a public defer the "thinking…" placeholder is removed first, so an error is never
        posted to the channel. An unexpected error (the database, a bug) becomes one generic
        sentence with an id an admin can quote; the details go to the log under that id. The
        handler itself never fails silently: if even the reply fails, that is logged too.
        """
        message = error_message(error)
        if message is None:
            error_id = secrets.token_hex(4)
            logger.error("error %s in %s", error_id, describe(interaction),
                         exc_info=(type(error), error, error.__traceback__))
            message = f"Something went wrong on my side (error `{error_id}`; an admin can find it in the log)."
        try:
            if interaction.type is discord.InteractionType.autocomplete:  # no message: the choices stay empty
                return
            await send_private(interaction, message)
        except Exception:  # the interaction expired or Discord is down: at least the log knows
            logger.exception("could not tell the user about an error in %s", describe(interaction))



class NewsBot(NewsBotMixin, commands.Bot):
    """newsbot on Discord, one gateway connection."""

    def __init__(self, settings: Settings, service: NewsService) -> None:
        """Build the bot around a service; nothing connects until it starts."""
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(settings),
                         allowed_mentions=NO_MENTIONS, help_command=None,
                         owner_ids=set(settings.owner_ids) or None)
        self._setup_newsbot(settings, service)


class ShardedNewsBot(NewsBotMixin, commands.AutoShardedBot):
    """newsbot on Discord running some of the bot's gateway shards (discord.py's own sharding);
    several such processes, on several machines, share one PostgreSQL library."""

    def __init__(self, settings: Settings, service: NewsService) -> None:
        """Build the bot for the shards the settings name (all of ``shard_count`` by default)."""
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(settings),
                         allowed_mentions=NO_MENTIONS, help_command=None,
                         owner_ids=set(settings.owner_ids) or None, shard_count=settings.shard_count,
                         shard_ids=settings.shard_id_list or None)
        self._setup_newsbot(settings, service)


def error_message(error: BaseException) -> str | None:
    """What to tell the user about an error, or None for an unexpected one."""
    if isinstance(error, (app_commands.MissingPermissions, app_commands.NoPrivateMessage)):
        return "You need the **Manage Server** permission to do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're asking quickly! Try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, (BadInputError, BusyError, CooldownError, NewsbotError)):
        return str(error)
    return None


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def send_private(interaction: discord.Interaction, message: str) -> None:
    """Reply privately; after a public defer, the public "thinking…" placeholder is removed.

    Discord makes the first message after a defer the placeholder itself, public whatever it asks,
    and refuses messages once the placeholder is deleted. So the placeholder is first turned into
    a neutral line, the message is sent privately, and only then the placeholder is deleted.
    """
    public = False
    if interaction.response.is_done():
        try:
            public = not (await interaction.original_response()).flags.ephemeral
        except Exception:  # noqa: BLE001 — no placeholder to remove
            public = False
    if not public:
        await send_ephemeral(interaction, message)
        return
    await interaction.edit_original_response(content="…", embed=None, view=None)
    await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    try:
        await interaction.delete_original_response()
    except Exception:  # noqa: BLE001 — the private message is sent; a stray "…" is logged, not fatal
        logger.warning("could not remove the placeholder of %s", describe(interaction))


def describe(interaction: discord.Interaction) -> str:
    """The command or button an interaction came from, for the log."""
    command = getattr(interaction.command, "qualified_name", None)
    return f"/{command}" if command else f"component {(interaction.data or {}).get('custom_id', '?')}"


async def choices_or_none(interaction: discord.Interaction, choices: Awaitable[list[T]]) -> list[T]:
    """Autocomplete choices, or none when finding them failed: the failure goes through the one
    error path (logged with an id), never discord.py's "Ignoring exception" trace."""
    try:
        return await choices
    except Exception as exc:  # noqa: BLE001 — reported, then no choices
        await interaction.client.report_error(interaction, exc)
        return []
