"""/follow: hear when new articles answer a question; the Follow button; delivering the notices."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import require_bot_can_post
from bot.client import NO_MENTIONS, NewsBot, choices_or_none
from bot.embeds import escape, follow_notice, trim
from retrieval.errors import BadInputError

logger = logging.getLogger(__name__)


class FollowButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:fw:(?P<qid>\d+)"):
    """Follow the answer's question: notices come to whoever clicks, by direct message."""

    def __init__(self, question_id: int) -> None:
        super().__init__(discord.ui.Button(label="Follow", emoji="🔔", style=discord.ButtonStyle.secondary,
                                           custom_id=f"nb:fw:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> FollowButton:
        return cls(int(match["qid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            service = interaction.client.service
            logged = await service.read(service.activity.question, self.question_id)
            if logged is None or logged.guild_id != interaction.guild_id:
                raise BadInputError("I no longer know that question; follow it with `/follow add`.")
            follow = await service.run(service.follows.add, logged.question, interaction.guild_id, None,
                                       interaction.user.id)
            await interaction.followup.send(f"Following `{follow.id}`: I'll message you when new articles answer "
                                            f"**{escape(trim(follow.question, 200))}** better.", ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
        except Exception as exc:  # the one error path, as for commands
            await interaction.client.report_error(interaction, exc)


@app_commands.guild_only()
class FollowCommands(commands.GroupCog, group_name="follow", group_description="Follow questions"):
    """Followed questions: add, list, remove; and the notices when new articles answer them."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add", description="Hear when new articles answer a question better")
    @app_commands.describe(question="The question to follow",
                           channel="Post the notices in this channel (Manage Server); else they come to you by DM")
    async def add(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500],
                  channel: discord.TextChannel | None = None) -> None:
        if channel is not None:
            if not interaction.permissions.manage_guild:
                raise BadInputError("Only members with Manage Server can send notices to a channel; "
                                    "leave `channel:` out to get them by direct message.")
            require_bot_can_post(channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = self.bot.service
        follow = await service.run(service.follows.add, question, interaction.guild_id,
                                   channel.id if channel else None, None if channel else interaction.user.id)
        where = channel.mention if channel else "you by direct message"
        await interaction.followup.send(
            f"Following `{follow.id}`: when new articles answer **{escape(trim(follow.question, 200))}** better than "
            f"the library does now, a notice goes to {where} (once per story, a few a day at most).",
            ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="list", description="The questions this server follows")
    async def list_(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        follows = await self.bot.service.read(self.bot.service.follows.list, interaction.guild_id)
        lines = [f"`{f.id}` {escape(trim(f.question, 150))} → " + (f"<#{f.channel_id}>" if f.channel_id
                                                                   else f"<@{f.user_id}> by DM") for f in follows]
        text = "\n".join(lines) or "This server follows no questions. Follow one with `/follow add`."
        await interaction.followup.send(embed=discord.Embed(title="Followed questions", description=trim(text, 4096)),
                                        ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="remove", description="Stop following a question")
    async def remove(self, interaction: discord.Interaction, follow: int) -> None:
        await interaction.response.defer(ephemeral=True)
        mine = await self.bot.service.read(self.bot.service.follows.list, interaction.guild_id)
        found = next((f for f in mine if f.id == follow), None)
        if found is not None and found.user_id != interaction.user.id and not interaction.permissions.manage_guild:
            raise BadInputError("That question was followed by someone else; only they or an admin can remove it.")
        removed = await self.bot.service.read(self.bot.service.follows.remove, follow, interaction.guild_id)
        await interaction.followup.send(f"Stopped following `{removed.id}`.", ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)

    @remove.autocomplete("follow")
    async def _follows(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        follows = await choices_or_none(interaction, self.bot.service.read(self.bot.service.follows.list,
                                                                           interaction.guild_id))
        return [app_commands.Choice(name=trim(f"{f.question} ({f.id})", 100), value=f.id)
                for f in follows if current.lower() in f.question.lower()][:25]

    @commands.Cog.listener()
    async def on_new_articles(self) -> None:
        """New articles arrived (an import or a feed poll): send what answers followed questions."""
        try:
            await self.deliver()
        except Exception:  # logged; the next arrival tries again
            logger.exception("delivering followed-question notices failed")

    async def deliver(self) -> int:
        """Send every due notice (to its channel, or its follower by DM); return how many were sent."""
        service = self.bot.service
        matches = await service.run_feed_work(service.follows.matches, record=True)
        sent = 0
        for match in matches:
            try:
                if match.follow.channel_id:
                    target = self.bot.get_channel(match.follow.channel_id) or await self.bot.fetch_channel(
                        match.follow.channel_id)
                else:
                    target = self.bot.get_user(match.follow.user_id) or await self.bot.fetch_user(match.follow.user_id)
                await target.send(follow_notice(match), allowed_mentions=NO_MENTIONS, suppress_embeds=True)
                sent += 1
            except discord.HTTPException as exc:
                logger.info("cannot deliver the notice of follow %s: %s", match.follow.id, exc)
        return sent


async def setup(bot: NewsBot) -> None:
    """Register the cog and the persistent button."""
    bot.add_dynamic_items(FollowButton)
    await bot.add_cog(FollowCommands(bot))
