"""/feeds: follow RSS/Atom feeds into this server's library (Manage Server), and the poll loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import require_bot_can_post, require_manage_guild
from bot.client import NO_MENTIONS, NewsBot, choices_or_none
from bot.embeds import escape, feed_line, story_notice, trim
from retrieval.poller import PollReport

logger = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedCommands(commands.GroupCog, group_name="feeds", group_description="Follow news feeds"):
    """The feed commands (Manage Server, checked here too) and the loop that polls every feed."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._loop: asyncio.Task | None = None
        super().__init__()

    async def cog_load(self) -> None:
        """Start polling (unless ``NEWSBOT_FEED_CHECK_SECONDS`` is 0: then cron runs ``newsbot feeds poll``)."""
        if self.bot.settings.feed_check_seconds > 0:
            self._loop = asyncio.create_task(self._poll_forever(), name="newsbot-feeds")

    async def cog_unload(self) -> None:
        """Stop polling."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every feed command needs Manage Server, checked here too."""
        return require_manage_guild(interaction)

    @app_commands.command(name="add",
                          description="Follow an RSS or Atom feed: its new articles join this server's library")
    @app_commands.describe(url="The feed's address", channel="Post a short notice of new stories here",
                           include="Only entries naming one of these words (comma-separated)",
                           exclude="Never entries naming one of these words (comma-separated)")
    async def add(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 1000],
                  channel: discord.TextChannel | None = None, include: str = "", exclude: str = "") -> None:
        if channel is not None:
            require_bot_can_post(channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        feed, entries = await self.bot.service.follow(url.strip(), interaction.guild_id,
                                                      channel.id if channel else None)
        if include or exclude:
            await self.bot.service.read(self.bot.service.feeds.set_filters, feed.id, interaction.guild_id,
                                        include, exclude)
        minutes = self.bot.settings.feed_interval_minutes
        notices = f" Notices go to {channel.mention}." if channel else ""
        await interaction.followup.send(
            trim(f"Following `{feed.id}` **{escape(feed.title or feed.url)}** ({entries} entries now). Its newest "
                 f"articles join this server's library within a minute, then it is checked every {minutes:g} "
                 f"minutes.{notices}", 2000), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="list", description="The feeds this server follows")
    async def list_(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        feeds = await self.bot.service.read(self.bot.service.feeds_with_filters, interaction.guild_id)
        text = "\n".join(feed_line(f, rules) for f, rules in feeds) or (
            "This server follows no feeds. Add one with `/feeds add`.")
        await interaction.followup.send(embed=discord.Embed(title="Feeds", description=trim(text, 4096)),
                                                ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="filter", description="Keep only a feed's entries naming some words, or drop some")
    @app_commands.describe(include="Only entries naming one of these words (comma-separated; empty: all)",
                           exclude="Never entries naming one of these words (comma-separated)")
    async def filter(self, interaction: discord.Interaction, feed: int, include: str = "", exclude: str = "") -> None:
        await interaction.response.defer(ephemeral=True)
        rules = await self.bot.service.read(self.bot.service.feeds.set_filters, feed, interaction.guild_id,
                                            include, exclude)
        said = "; ".join(x for x in (f"only {', '.join(rules.include)}" if rules.include else "",
                                     f"never {', '.join(rules.exclude)}" if rules.exclude else "") if x)
        await interaction.followup.send(f"Feed `{feed}` now takes {escape(said) or 'every entry'}.", ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="remove", description="Stop following a feed (its articles stay)")
    async def remove(self, interaction: discord.Interaction, feed: int) -> None:
        await interaction.response.defer(ephemeral=True)
        removed = await self.bot.service.read(self.bot.service.feeds.remove, feed, interaction.guild_id)
        await interaction.followup.send(
            f"Stopped following `{removed.id}` **{escape(removed.title or removed.url)}**; its articles stay in the"
            " library.", ephemeral=True, allowed_mentions=NO_MENTIONS)

    @filter.autocomplete("feed")
    @remove.autocomplete("feed")
    async def _own_feeds(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        if not interaction.permissions.manage_guild:
            return []
        feeds = await choices_or_none(interaction, self.bot.service.read(self.bot.service.feeds.list,
                                                                         interaction.guild_id))
        return [app_commands.Choice(name=trim(f"{f.title or f.url} ({f.id})", 100), value=f.id)
                for f in feeds if current.lower() in (f.title + f.url).lower()][:25]

    async def poll_once(self) -> list[PollReport]:
        """Poll the feeds that are due and post, per channel, one notice line per new story."""
        service = self.bot.service
        reports = await service.poll_due()
        if any(report.added and report.feed.channel_id for report in reports):
            notices = await service.run_feed_work(service.story_notices, reports)
            for channel_id, stories in notices.items():
                await self._notify(channel_id, story_notice(stories))
        if any(report.added for report in reports):
            self.bot.dispatch("new_articles")  # followed questions hear of them
        return reports

    async def _poll_forever(self) -> None:
        """Poll, wait, again; an error never ends the loop."""
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged with its trace; the next round tries again
                logger.exception("feed polling round failed")
            await asyncio.sleep(self.bot.settings.feed_check_seconds)

    async def _notify(self, channel_id: int, text: str) -> None:
        """Post a notice in a channel (skipped, and logged, if the channel is gone)."""
        channel = self.bot.get_channel(channel_id)
        try:
            channel = channel or await self.bot.fetch_channel(channel_id)
            await channel.send(text, allowed_mentions=NO_MENTIONS, suppress_embeds=True)
        except discord.HTTPException as exc:
            logger.warning("cannot post a feed notice in channel %s: %s", channel_id, exc)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(FeedCommands(bot))
