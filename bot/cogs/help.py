"""/help (private, with this server's setup) and the short welcome when the bot joins a server."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import can_post
from bot.client import NO_MENTIONS, NewsBot
from bot.embeds import help_embed

logger = logging.getLogger(__name__)

WELCOME = ("👋 Hi! I answer questions about the news in my library, with cited passages. Try `/ask` (or `/help`"
           " to see how I'm set up here). Admins can add articles with `/library add`, follow feeds with"
           " `/feeds add`, and let me answer mentions in a channel with `/settings channel`.")


class Help(commands.Cog):
    """How to use the bot, and what it does in this server."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="How to ask, and how newsbot is set up in this server")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        service = self.bot.service
        setup = await service.read(service.server_setup, interaction.guild_id)
        admin = bool(interaction.guild_id and interaction.permissions.manage_guild)
        await interaction.followup.send(embed=help_embed(setup, admin), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Say hello once, in the system channel or the first channel the bot may post in."""
        candidates = [guild.system_channel, *sorted(guild.text_channels, key=lambda c: c.position)]
        channel = next((c for c in candidates if c is not None and can_post(c)), None)
        if channel is None:
            logger.info("joined %s: no channel to post the welcome in", guild.id)
            return
        try:
            await channel.send(WELCOME, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            logger.info("joined %s: the welcome could not be posted: %s", guild.id, exc)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Help(bot))
