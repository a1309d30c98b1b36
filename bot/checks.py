"""Permission checks shared by the cogs (enforced in code, whatever the command's default permissions)."""

from __future__ import annotations

import discord
from discord import app_commands

from retrieval.errors import BadInputError


def require_manage_guild(interaction: discord.Interaction) -> bool:
    """Refuse members without Manage Server, even if an admin widened the command in the client.

    Raises:
        NoPrivateMessage: outside a server.
        MissingPermissions: the member lacks Manage Server.
    """
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


def can_post(channel: discord.abc.GuildChannel) -> bool:
    """True when the bot may see ``channel``, post in it and embed links there."""
    me = channel.guild.me
    if me is None:  # no member cache: Discord will say so when posting
        return True
    allowed = channel.permissions_for(me)
    return allowed.view_channel and allowed.send_messages and allowed.embed_links


def require_bot_can_post(channel: discord.abc.GuildChannel) -> None:
    """Refuse a channel chosen for answers or notices where the bot could not post them.

    Raises:
        BadInputError: the bot lacks View Channel, Send Messages or Embed Links there.
    """
    if not can_post(channel):
        raise BadInputError(f"I can't post in {channel.mention}: give me View Channel, Send Messages and "
                            "Embed Links there, then try again.")
