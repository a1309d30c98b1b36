"""/ask, answers in enabled channels, and the buttons under each answer."""

from __future__ import annotations

import logging
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NO_MENTIONS, NewsBot, choices_or_none, error_message
from bot.cogs.follows import FollowButton
from bot.embeds import answer_embed, timeline_embed, trim
from bot.service import MAX_RESULTS
from retrieval.errors import BadInputError
from retrieval.records import Answer, Filters, make_filters

logger = logging.getLogger(__name__)
HINT_EVERY = 3600.0  # seconds between two mention-mode hints in one channel
MENTIONS_OFF_HINT = ("I don't answer mentions in this channel. Use `/ask` here, or an admin can turn mention"
                     " answers on with `/settings channel`.")


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:fb:(?P<vote>up|down):(?P<qid>\d+)"):
    """Helpful / not helpful, stored per user; survives restarts (the id carries the question)."""

    def __init__(self, question_id: int, helpful: bool) -> None:
        super().__init__(discord.ui.Button(
            label="Helpful" if helpful else "Not helpful", emoji="👍" if helpful else "👎",
            style=discord.ButtonStyle.secondary,
            custom_id=f"nb:fb:{'up' if helpful else 'down'}:{question_id}"))
        self.question_id = question_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> FeedbackButton:
        return cls(int(match["qid"]), match["vote"] == "up")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("Thanks for the feedback!", ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            service = interaction.client.service
            await service.read(service.activity.record_feedback, self.question_id, interaction.user.id, self.helpful)
        except Exception as exc:  # the one error path, as for commands
            await interaction.client.report_error(interaction, exc)


class MoreButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"nb:more:(?P<qid>\d+)(?::(?P<offset>\d+))?"):
    """Shows the next page of passages for the same question, privately to whoever clicks; the page
    starts after the results already rendered (the offset lives in the button, so each page's button
    leads to the next)."""

    def __init__(self, question_id: int, offset: int | None = None) -> None:
        suffix = "" if offset is None else f":{offset}"
        super().__init__(discord.ui.Button(label="More results", style=discord.ButtonStyle.primary,
                                           custom_id=f"nb:more:{question_id}{suffix}"))
        self.question_id, self.offset = question_id, offset

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> MoreButton:
        return cls(int(match["qid"]), int(match["offset"]) if match["offset"] else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._more(interaction)
        except Exception as exc:  # the one error path, as for commands ("thinking…" never stays)
            await interaction.client.report_error(interaction, exc)

    async def _more(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = interaction.client.service
        offset = self.offset
        if offset is None:  # a button from before offsets: the results logged as shown
            logged = await service.read(service.activity.question, self.question_id)
            offset = logged.shown if logged else 0
        answer = await service.more(self.question_id, interaction.guild_id, offset)
        if answer is None or not answer.hits:
            await interaction.followup.send("There are no more results for this question.", ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
            return
        embed = answer_embed(answer, start=offset + 1)
        view = discord.ui.View(timeout=None)
        if offset + len(embed.fields) < MAX_RESULTS:
            view.add_item(MoreButton(self.question_id, offset + len(embed.fields)))
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)


class TimelineButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:tl:(?P<qid>\d+)"):
    """The key days of what the question is about, each with what happened, privately to whoever clicks."""

    def __init__(self, question_id: int) -> None:
        super().__init__(discord.ui.Button(label="Timeline", emoji="🗓️", style=discord.ButtonStyle.secondary,
                                           custom_id=f"nb:tl:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> TimelineButton:
        return cls(int(match["qid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            service = interaction.client.service
            question, entries = await service.timeline(self.question_id, interaction.guild_id)
            if not entries:
                await interaction.followup.send("I can't date this story from the library.", ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
                return
            await interaction.followup.send(embed=timeline_embed(question, entries), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
        except Exception as exc:  # the one error path, as for commands
            await interaction.client.report_error(interaction, exc)


def answer_view(answer: Answer, question_id: int, shown: int) -> discord.ui.View:
    """The buttons under an answer: feedback always (a wrong "not in the library" is worth hearing
    about too); "More results", starting after the ``shown`` results rendered, when answered;
    "Timeline" and "Follow" for a question about the news (not for one about the articles
    themselves, nor for "What's the latest news?", which names no topic)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(question_id, True))
    view.add_item(FeedbackButton(question_id, False))
    topical = answer.reply == "passages"
    if answer.answered:
        view.add_item(MoreButton(question_id, shown))
        if topical:
            view.add_item(TimelineButton(question_id))
    if topical:
        view.add_item(FollowButton(question_id))
    return view


class Ask(commands.Cog):
    """Questions: the /ask command and channel mode."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._hinted: dict[int, float] = {}  # channel id -> when the mention-mode hint was last posted
        self._menu = app_commands.ContextMenu(name="Ask newsbot about this message", callback=self.ask_about_message)

    async def cog_load(self) -> None:
        """Add the message menu (context menus cannot live inside a cog's class body)."""
        self.bot.tree.add_command(self._menu)

    async def cog_unload(self) -> None:
        """Remove the message menu."""
        self.bot.tree.remove_command(self._menu.name, type=self._menu.type)

    @app_commands.command(name="ask", description="Ask a question about the news library")
    @app_commands.describe(question="What do you want to know?", results="How many passages (1-10)",
                           source="Only articles from this publisher", author="Only articles by this writer",
                           since="Only articles from this date on",
                           until="Only articles up to this date", private="Only you see the answer")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000],
                  results: app_commands.Range[int, 1, 10] | None = None, source: str | None = None,
                  since: str | None = None, until: str | None = None, private: bool = False,
                  author: str | None = None) -> None:
        """Answer with cited passages."""
        # asked when the member asked: the interaction's own time (UTC day)
        filters = make_filters([source] if source else [], since, until, interaction.created_at.date().isoformat(),
                               [author] if author else [])
        self.bot.service.check_cooldown(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        await self.answer(interaction, question, filters, results, private)

    @ask.autocomplete("source")
    async def _sources(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await choices_or_none(interaction, self.bot.service.sources(interaction.guild_id, current))
        return [app_commands.Choice(name=trim(name, 100), value=name[:100]) for name in names]

    @ask.autocomplete("author")
    async def _authors(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await choices_or_none(interaction, self.bot.service.authors(interaction.guild_id, current))
        return [app_commands.Choice(name=trim(name, 100), value=name[:100]) for name in names]

    async def ask_about_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Ask newsbot about this message" menu: the message's text is the question; the answer
        is private (a member checking a claim should not post the check)."""
        text = message.content.strip() or " ".join(e.description or e.title or "" for e in message.embeds).strip()
        if not text:
            raise BadInputError("That message has no text to ask about.")
        self.bot.service.check_cooldown(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        await self.answer(interaction, text[:self.bot.settings.max_question_chars], Filters(
            as_of=interaction.created_at.date().isoformat()), None, True)

    async def answer(self, interaction: discord.Interaction, question: str, filters: Filters,
                     results: int | None, private: bool) -> None:
        """Answer a deferred interaction: search, render, record what was shown, reply."""
        service = self.bot.service
        answer, qid = await service.ask(question, interaction.guild_id, results, filters)
        why_not = "" if answer.answered else await service.why_not(filters, interaction.guild_id)
        embed = answer_embed(answer, why_not=why_not)
        await service.read(service.activity.set_shown, qid, len(embed.fields))  # as rendered
        await interaction.followup.send(embed=embed, view=answer_view(answer, qid, len(embed.fields)),
                                        ephemeral=private, allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer questions addressed to the bot in channels where channel mode is on."""
        if message.author.bot or message.guild is None or not self._addressed(message):
            return
        service = self.bot.service
        channel_id = getattr(message.channel, "parent_id", None) or message.channel.id
        enabled = await service.read(service.activity.channel_enabled, message.guild.id, channel_id)
        if not enabled:
            await self._hint(message, channel_id)
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", "", message.content).strip()
        if not question:  # a bare mention: how to ask, not "the question is empty"
            await message.reply("Ask me a question about the news after the mention, e.g. `@newsbot what happened"
                                " in the harbour strike?`, or use `/ask`.", mention_author=False,
                                allowed_mentions=NO_MENTIONS)
            return
        try:
            service.check_cooldown(message.author.id)
            answer, qid = await service.ask(question, message.guild.id,
                                            filters=Filters(as_of=message.created_at.date().isoformat()))
        except Exception as exc:  # the reply explains; unexpected errors are logged
            text = error_message(exc)
            if text is None:
                logger.exception("channel question failed")
                text = "Something went wrong on my side; the error has been logged."
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        await self._reply(message, answer, qid)

    async def _hint(self, message: discord.Message, channel_id: int) -> None:
        """Mentioned where mention mode is off: say how to ask, at most once an hour per channel."""
        now = time.monotonic()
        if now - self._hinted.get(channel_id, -HINT_EVERY) < HINT_EVERY:
            return
        self._hinted[channel_id] = now
        try:
            await message.reply(MENTIONS_OFF_HINT, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # no right to post here: nothing more to do
            logger.info("cannot hint in channel %s: %s", channel_id, exc)

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None:
            return False
        if me in message.mentions:
            return True
        resolved = message.reference.resolved if message.reference else None
        return isinstance(resolved, discord.Message) and resolved.author.id == me.id

    async def _reply(self, message: discord.Message, answer: Answer, qid: int) -> None:
        guild = await self.bot.service.read(self.bot.service.guild_settings, message.guild.id)
        style = guild.reply_style or self.bot.settings.reply_style
        embed = answer_embed(answer)
        await self.bot.service.read(self.bot.service.activity.set_shown, qid, len(embed.fields))  # as rendered
        view = answer_view(answer, qid, len(embed.fields))
        if style == "thread" and isinstance(message.channel, discord.TextChannel):
            thread = await message.create_thread(name=trim(answer.question, 100))
            await thread.send(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
        else:
            await message.reply(embed=embed, view=view, mention_author=False, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    """Register the cog and the persistent buttons."""
    bot.add_dynamic_items(FeedbackButton, MoreButton, TimelineButton)
    await bot.add_cog(Ask(bot))
