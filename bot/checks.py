"""Permission checks shared by the cogs (enforced in code, whatever the command's default permissions)."""

from __future__ import annotations

import discord
from discord import app_commands


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
