"""/library: list, show, add and remove articles (Manage Server)."""

from __future__ import annotations

from pathlib import PurePath

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import require_manage_guild
from bot.client import NO_MENTIONS, NewsBot, choices_or_none
from bot.embeds import escape, job_line, job_status, trim
from bot.jobs import ImportJob
from bot.progress import ImportProgress
from retrieval.dates import parse_date
from retrieval.errors import ArticleNotFoundError, BadInputError
from retrieval.ingest import IngestReport
from retrieval.parsers import SUPPORTED_SUFFIXES
from retrieval.records import Article, Document

PAGE_SIZE = 10
ADD_SUFFIXES = sorted(s for s in SUPPORTED_SUFFIXES if s and s != ".text")


def article_line(article: Article) -> str:
    """One line of the library list."""
    scope = "server" if article.guild_id else "global"
    date = article.date or "undated"
    return trim(f"`{article.id}` **{escape(article.title or 'Untitled')}** — {escape(article.source or '?')}, "
                f"{date} ({scope})", 300)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class LibraryCommands(commands.GroupCog, group_name="library", group_description="Manage the article library"):
    """The library commands; every one needs Manage Server, checked here as well as by Discord."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every library command needs Manage Server, checked here too."""
        return require_manage_guild(interaction)

    @app_commands.command(name="list", description="List the articles this server can search")
    async def list_(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 10_000] = 1) -> None:
        await interaction.response.defer(ephemeral=True)
        articles = await self.bot.service.articles(interaction.guild_id, offset=(page - 1) * PAGE_SIZE,
                                                   limit=PAGE_SIZE)
        text = "\n".join(article_line(a) for a in articles) or "No articles on this page."
        embed = discord.Embed(title=f"Library — page {page}", description=trim(text, 4096))
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="show", description="Show one article")
    async def show(self, interaction: discord.Interaction, article: int) -> None:
        await interaction.response.defer(ephemeral=True)
        found = await self.bot.service.article(article, interaction.guild_id)
        if found is None:
            raise ArticleNotFoundError(f"No article with id {article} in this server's library.")
        body = await self.bot.service.read(self.bot.service.library.store.article_body, found.id)
        embed = discord.Embed(title=trim(found.title or "Untitled", 256), description=trim(escape(body), 1500),
                              url=found.url if found.url.startswith(("http://", "https://")) else None)
        for name, value in (("Source", found.source), ("Author", found.author), ("Date", found.date),
                            ("Passages", str(found.passages)), ("Scope", "server" if found.guild_id else "global")):
            if value:
                embed.add_field(name=name, value=trim(escape(value), 1024))
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="add",
                          description="Add an article to this server: a file (txt, md, html, jsonl) or a link")
    @app_commands.describe(file="An article file", url="The article's link: fetched when no file is given",
                           date="Publication date, e.g. 2024-09-20 or 20 September 2024",
                           to_global="Add it to the global library every server searches (the bot's owner only)")
    @app_commands.rename(to_global="global")
    async def add(self, interaction: discord.Interaction, file: discord.Attachment | None = None,
                  url: str | None = None, title: str | None = None, source: str | None = None,
                  author: str | None = None, date: str | None = None, to_global: bool = False) -> None:
        if file is None and not url:
            raise BadInputError("Attach an article file or give its link with `url:`.")
        if to_global and not await self.bot.is_owner(interaction.user):
            raise BadInputError("Only the bot's owner can add to the global library.")
        if date and not parse_date(date):
            raise BadInputError(f"I can't read the date {date!r}; try 2024-09-20.")
        if url and not url.startswith(("http://", "https://")):
            raise BadInputError("The url must start with http:// or https://.")
        if file is not None:
            self._check_file(file)
        await interaction.response.defer(ephemeral=True, thinking=True)
        meta = Document(text="", title=title or "", source=source or "", author=author or "",
                        date=parse_date(date) if date else "", url=url or "")
        scope = None if to_global else interaction.guild_id
        service = self.bot.service
        if file is None:
            name = url

            async def work(job: ImportJob) -> IngestReport:
                report = await service.add_url(url, scope, meta, job)
                self.bot.dispatch("new_articles")  # followed questions hear of them
                return report
        else:
            name, data = file.filename, await self._read(file)

            async def work(job: ImportJob) -> IngestReport:
                report = await service.add_file(file.filename, data, scope, meta, job)
                self.bot.dispatch("new_articles")  # followed questions hear of them
                return report
        where = "the global library" if to_global else "this server's library"
        progress = ImportProgress(interaction)
        job = service.jobs.submit(interaction.guild_id, f"{name} → {where}", interaction.user.id, work, progress)
        if job.state == "queued":
            await progress.show(job_status(job, service.jobs.position(job)))

    @app_commands.command(name="jobs", description="Imports running or waiting in this server, and the latest ones")
    async def jobs(self, interaction: discord.Interaction) -> None:
        jobs = self.bot.service.jobs
        lines = [job_line(job, jobs.position(job)) for job in jobs.jobs(interaction.guild_id)]
        text = "\n".join(lines) or "No imports are running or waiting. Add articles with `/library add`."
        await interaction.response.send_message(embed=discord.Embed(title="Imports", description=trim(text, 4096)),
                                                ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="cancel", description="Cancel an import (what it added so far stays)")
    async def cancel(self, interaction: discord.Interaction, job: int) -> None:
        cancelled = self.bot.service.jobs.cancel(interaction.guild_id, job)
        when = "now" if cancelled.state == "cancelled" else "after the batch it is adding"
        await interaction.response.send_message(f"Import `{cancelled.id}` stops {when}.", ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    def _check_file(self, file: discord.Attachment) -> None:
        suffix = PurePath(file.filename).suffix.lower()
        if suffix not in ADD_SUFFIXES:
            raise BadInputError(f"Unsupported file type `{suffix or 'none'}`: use {', '.join(ADD_SUFFIXES)}.")
        limit = self.bot.settings.max_file_bytes
        if file.size > limit:
            raise BadInputError(f"The file is too large ({file.size:,} bytes; the limit is {limit:,}).")

    @staticmethod
    async def _read(file: discord.Attachment) -> bytes:
        try:
            return await file.read()
        except discord.HTTPException as exc:
            raise BadInputError(f"I couldn't download the attachment ({exc.status}); nothing was added.") from None

    @app_commands.command(name="remove", description="Remove one of this server's articles")
    async def remove(self, interaction: discord.Interaction, article: int) -> None:
        await interaction.response.defer(ephemeral=True)
        removed = await self.bot.service.remove(article, interaction.guild_id)
        await interaction.followup.send(f"Removed `{removed.id}` **{escape(removed.title)}**.", ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)

    @show.autocomplete("article")
    async def _visible_titles(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._choices(interaction, current, own_only=False)

    @remove.autocomplete("article")
    async def _own_titles(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._choices(interaction, current, own_only=True)

    async def _choices(self, interaction: discord.Interaction, current: str,
                       own_only: bool) -> list[app_commands.Choice[int]]:
        if not interaction.permissions.manage_guild:
            return []
        articles = await choices_or_none(interaction, self.bot.service.articles(
            interaction.guild_id, own_only=own_only, title_like=current, limit=25))
        return [app_commands.Choice(name=trim(f"{a.title or 'Untitled'} ({a.id})", 100), value=a.id)
                for a in articles]


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(LibraryCommands(bot))
