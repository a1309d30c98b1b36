"""/story: the story behind a question (every publisher's report of it), or the latest stories; /digest."""

from __future__ import annotations

import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NO_MENTIONS, NewsBot
from bot.embeds import digest_embed, stories_embed, story_embed


class Stories(commands.Cog):
    """Stories: the same event across publishers and days."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

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
