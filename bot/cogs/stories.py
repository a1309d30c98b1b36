"""/story: the story behind a question (every publisher's report of it), or the latest stories; /digest."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import require_bot_can_post, require_manage_guild
from bot.client import NO_MENTIONS, NewsBot
from bot.embeds import digest_embed, stories_embed, story_embed

logger = logging.getLogger(__name__)


class Stories(commands.Cog):
    """Stories: the same event across publishers and days; digests, asked for or scheduled."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._loop: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Post the scheduled digests (checked as often as the feeds; never when that is 0)."""
        if self.bot.settings.feed_check_seconds > 0:
            self._loop = asyncio.create_task(self._digests_forever(), name="newsbot-digests")

    async def cog_unload(self) -> None:
        """Stop posting digests."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def _digests_forever(self) -> None:
        while True:
            try:
                await self.post_due_digests()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged; the next round tries again
                logger.exception("posting scheduled digests failed")
            await asyncio.sleep(max(self.bot.settings.feed_check_seconds, 60.0))

    async def post_due_digests(self, now: float | None = None) -> int:
        """Post every digest whose day or week has passed; return how many were posted."""
        service = self.bot.service
        due = await service.read(service.digests.due, now)
        today = datetime.date.today()
        for schedule in due:
            since = (today - datetime.timedelta(days=schedule.days)).isoformat()
            stories = await service.digest(schedule.guild_id, since, today.isoformat())
            channel = self.bot.get_channel(schedule.channel_id)
            try:
                channel = channel or await self.bot.fetch_channel(schedule.channel_id)
                await channel.send(embed=digest_embed(stories, since, today.isoformat()), allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:
                logger.warning("cannot post the digest in channel %s: %s", schedule.channel_id, exc)
        return len(due)

    @app_commands.command(name="digest-schedule", description="Post a digest of the news in a channel daily or weekly")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(require_manage_guild)
    async def digest_schedule(self, interaction: discord.Interaction, channel: discord.TextChannel,
                              every: Literal["daily", "weekly", "off"]) -> None:
        if every != "off":
            require_bot_can_post(channel)
        await interaction.response.defer(ephemeral=True)
        await self.bot.service.read(self.bot.service.digests.set, interaction.guild_id, channel.id, every)
        said = "will no longer get a digest" if every == "off" else f"gets a {every} digest of the stories"
        await interaction.followup.send(f"{channel.mention} {said}.", ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="story", description="The story behind a question, or the latest stories")
    @app_commands.describe(about="A question or a few words about the story (empty: the latest stories)",
                           private="Only you see the reply")
    async def story(self, interaction: discord.Interaction, about: app_commands.Range[str, 0, 1000] = "",
                    private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        found = await self.bot.service.story(interaction.guild_id, about.strip())
        if not found:
            text = ("I found no story about that in the library." if about else "The library holds no stories yet.")
            await interaction.followup.send(text, ephemeral=private, allowed_mentions=NO_MENTIONS)
            return
        embed = story_embed(found[0]) if about else stories_embed(found)
        await interaction.followup.send(embed=embed, ephemeral=private, allowed_mentions=NO_MENTIONS)


    @app_commands.command(name="digest", description="The period's stories, most covered first, with their sources")
    @app_commands.describe(days="How many days back (default 1: today and yesterday's news)",
                           private="Only you see the reply")
    async def digest(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 31] = 1,
                     private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        today = interaction.created_at.date()
        since = (today - datetime.timedelta(days=days)).isoformat()
        stories = await self.bot.service.digest(interaction.guild_id, since, today.isoformat())
        await interaction.followup.send(embed=digest_embed(stories, since, today.isoformat()), ephemeral=private,
                                        allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Stories(bot))
