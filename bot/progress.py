"""The progress message of an import job: edited as the job goes, and the result posted in the
channel when the interaction's token has expired (Discord keeps it 15 minutes)."""

from __future__ import annotations

import asyncio
import logging
import time

import discord

from bot.client import NO_MENTIONS
from bot.embeds import job_report, job_status
from bot.jobs import ImportJob

logger = logging.getLogger(__name__)

TOKEN_LIFE = 15 * 60.0  # seconds Discord keeps an interaction's token
TOKEN_MARGIN = 30.0  # stop editing a little before Discord would refuse


class ImportProgress:
    """Keeps one admin informed about one import, through the interaction that started it."""

    def __init__(self, interaction: discord.Interaction, every: float = 5.0,
                 token_life: float = TOKEN_LIFE) -> None:
        """Edit ``interaction``'s private reply at most every ``every`` seconds while the job runs
        (made as the interaction arrives: its token's life counts from now)."""
        self.interaction = interaction
        self.every = every
        self.expires = time.monotonic() + token_life - TOKEN_MARGIN
        self.expired = False
        self._shown = ""
        self._shown_at = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self, job: ImportJob) -> None:
        """The job's listener: show its state (progress at most every ``every`` seconds); report
        once it has ended."""
        if job.finished:
            await self._finish(job)
        elif job.done == 0 or time.monotonic() - self._shown_at >= self.every:
            await self.show(job_status(job))

    async def show(self, text: str) -> None:
        """Edit the private reply to ``text`` (once per change; never after the token expired)."""
        async with self._lock:
            if text == self._shown or self._token_gone():
                return
            try:
                await self.interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
                self._shown, self._shown_at = text, time.monotonic()
            except discord.HTTPException as exc:  # 401/404: the token expired or the reply is gone
                logger.info("progress of an import can no longer be edited: %s", exc)
                self.expired = True

    async def _finish(self, job: ImportJob) -> None:
        text = job_report(job)
        await self.show(text)
        if self._shown == text:
            return
        # the token expired: the result goes to the channel the command was used in (no ping)
        channel = self.interaction.client.get_partial_messageable(
            self.interaction.channel_id, guild_id=self.interaction.guild_id)
        try:
            await channel.send(f"<@{job.user_id}> {text}"[:2000], allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            logger.warning("could not post the result of import %s in its channel: %s", job.id, exc)

    def _token_gone(self) -> bool:
        if not self.expired and time.monotonic() >= self.expires:
            self.expired = True
        return self.expired
