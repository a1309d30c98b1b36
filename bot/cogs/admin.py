"""/settings and /stats for server admins."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import questions_chart
from bot.checks import require_bot_can_post, require_manage_guild
from bot.client import NO_MENTIONS, NewsBot
from bot.embeds import escape, trim


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCommands(commands.GroupCog, group_name="settings", group_description="newsbot settings for this server"):
    """Per-server settings; every command needs Manage Server."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        service = self.bot.service
        gs = await service.read(service.guild_settings, interaction.guild_id)
        defaults = self.bot.settings
        channels = ", ".join(f"<#{c}>" for c in gs.channels) or "none"
        text = (f"**Results per answer:** {gs.results or defaults.results}\n"
                f"**No-answer threshold:** {gs.min_score if gs.min_score is not None else defaults.min_score:.2f}\n"
                f"**Reply style in channels:** {gs.reply_style or defaults.reply_style}\n"
                f"**Channels answering mentions:** {channels}")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="channel", description="Answer questions addressed to the bot in a channel")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel, enabled: bool) -> None:
        if enabled:
            require_bot_can_post(channel)
        await interaction.response.defer(ephemeral=True)
        service = self.bot.service
        await service.read(service.activity.set_channel, interaction.guild_id, channel.id, enabled)
        state = "will now answer" if enabled else "will no longer answer"
        await interaction.followup.send(f"I {state} questions addressed to me in {channel.mention}.",
                                        ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="results", description="Default number of passages per answer")
    async def results(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 10]) -> None:
        await self._update(interaction, f"Answers now show {count} passages.", results=count)

    @app_commands.command(name="threshold", description="How sure the bot must be before answering (0-1)")
    async def threshold(self, interaction: discord.Interaction, value: app_commands.Range[float, 0.0, 1.0]) -> None:
        await self._update(interaction, f"The no-answer threshold is now {value:.2f}.", min_score=value)

    @app_commands.command(name="reply-style", description="Answer in a reply or in a new thread")
    async def reply_style(self, interaction: discord.Interaction, style: Literal["reply", "thread"]) -> None:
        await self._update(interaction, f"Channel answers now come as a {style}.", reply_style=style)

    async def _update(self, interaction: discord.Interaction, message: str, **values: object) -> None:
        await interaction.response.defer(ephemeral=True)
        service = self.bot.service
        await service.read(service.activity.update, interaction.guild_id, **values)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


class Stats(commands.Cog):
    """/stats."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="Questions, answers, feedback and the gaps to fill")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(require_manage_guild)
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = self.bot.service
        stats = await service.read(service.activity.stats, interaction.guild_id)
        chart = await service.read(questions_chart, stats.per_day)
        library = await service.read(service.library.describe)
        gaps = "\n".join(f"• {day}: {escape(trim(q, 150))}" for day, q in stats.latest_unanswered) or "none"
        embed = discord.Embed(title="newsbot statistics", colour=discord.Colour.blurple())
        embed.add_field(name="Questions", value=str(stats.asked))
        embed.add_field(name="Answered", value=str(stats.answered))
        embed.add_field(name="Not in the library", value=str(stats.unanswered))
        embed.add_field(name="Feedback", value=f"👍 {stats.helpful} · 👎 {stats.not_helpful}")
        embed.add_field(name="Latest unanswered questions", value=trim(gaps, 1024), inline=False)
        embed.add_field(name="Library (all servers)", value=library, inline=False)
        embed.set_image(url="attachment://questions.png")
        await interaction.followup.send(embed=embed, file=discord.File(_bytes_io(chart), "questions.png"),
                                        ephemeral=True, allowed_mentions=NO_MENTIONS)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


async def setup(bot: NewsBot) -> None:
    """Register the cogs."""
    await bot.add_cog(SettingsCommands(bot))
    await bot.add_cog(Stats(bot))
