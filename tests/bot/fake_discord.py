"""A small fake Discord (REST and gateway) on 127.0.0.1, for end-to-end tests of the real client.

It answers the calls discord.py makes to log in, connect, sync commands and answer
interactions, and records what the bot sent and when its heartbeats arrived. ``StallMonitor``
measures the event loop's longest stall (used by the tests and by ``benchmarks/load.py``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = APP_ID
GUILD_ID = "900000000000000002"
CHANNEL_ID = "900000000000000003"
USER_ID = "900000000000000004"
HEARTBEAT_MS = 1000
ALL_PERMISSIONS = str((1 << 50) - 1)


THE_CHANNEL = object()  # as a slash option's value: the guild's text channel
OTHER_GUILD_ID = str(int(GUILD_ID) + (1 << 22))  # on the other shard of two
CHANNELS = {GUILD_ID: CHANNEL_ID, OTHER_GUILD_ID: str(int(CHANNEL_ID) + (1 << 22))}


class StallMonitor:
    """Measures how late the event loop wakes a 10 ms sleeper: the longest stall of the loop."""

    def __init__(self) -> None:
        self.largest = 0.0
        self.task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.largest = max(self.largest, loop.time() - before - 0.01)


def reply_json(data: Any, status: int = 200) -> web.Response:
    """JSON with the exact content type discord.py checks for."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def user(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


class FakeDiscord:
    """The fake server; ``await start()``, point the bot at ``api_base``, then drive it."""

    def __init__(self) -> None:
        self.ids = itertools.count(snowflake_now())  # ids made now: an interaction is asked today
        self.sequence = itertools.count(1)
        self.requests: list[tuple[str, str, Any]] = []
        self.followups: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []  # posted in the channel (not replies to interactions)
        self.callbacks: list[dict[str, Any]] = []
        self.heartbeats: list[float] = []
        self.commands: list[dict[str, Any]] = []
        self.ready = asyncio.Event()
        self.followup_arrived = asyncio.Event()
        self.sockets: dict[int, web.WebSocketResponse] = {}  # shard id -> its connection
        self.shard_count = 1
        self.replies: dict[str, dict[str, Any]] = {}  # interaction token -> the last follow-up
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for socket in self.sockets.values():
            await socket.close()
        await self.runner.cleanup()

    def shard_of(self, guild_id: str) -> int:
        """The shard Discord routes a guild's events to."""
        return (int(guild_id) >> 22) % self.shard_count

    # --- REST ---------------------------------------------------------------------------
    async def rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        self.requests.append((request.method, path, body))
        token_auth = path.startswith(("/interactions/", "/webhooks/"))  # interaction tokens, no bot auth
        if not token_auth and request.headers.get("Authorization") != "Bot fake-token":
            return reply_json({"message": "401: Unauthorized", "code": 0}, status=401)
        if path == "/users/@me":
            return reply_json(user(BOT_ID, "newsbot", bot=True))
        if path == "/oauth2/applications/@me":
            return reply_json({"id": APP_ID, "name": "newsbot", "icon": None, "description": "",
                                      "bot_public": True, "bot_require_code_grant": False,
                                      "owner": user(USER_ID, "owner"), "verify_key": "x", "flags": 0})
        if path == "/gateway/bot":
            return reply_json({"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                                      "session_start_limit": {"total": 1000, "remaining": 1000,
                                                              "reset_after": 0, "max_concurrency": 1}})
        if path.endswith("/commands") and request.method == "PUT":
            self.commands = [{**c, "id": str(next(self.ids)), "application_id": APP_ID, "version": "1"}
                             for c in body]
            return reply_json(self.commands)
        if path.startswith("/interactions/") and path.endswith("/callback"):
            self.callbacks.append(body)
            interaction_id = path.split("/")[2]
            resource: dict[str, Any] = {"type": body["type"]}
            if body["type"] == 4:
                resource["message"] = self._message(body.get("data") or {})
            return reply_json({"interaction": {"id": interaction_id, "type": 2,
                                               "response_message_loading": body["type"] == 5},
                               "resource": resource})
        if path in {f"/channels/{c}/messages" for c in CHANNELS.values()} and request.method == "POST":
            message = self._message(body)
            self.messages.append(message)
            return reply_json(message)
        if path.startswith(f"/webhooks/{APP_ID}/"):
            message = self._message(body)
            self.followups.append(message)
            self.replies[path.split("/")[3]] = message
            self.followup_arrived.set()
            return reply_json(message)
        return reply_json({"message": f"not in the fake: {request.method} {path}", "code": 0},
                                 status=404)

    @staticmethod
    async def _body(request: web.Request) -> Any:
        if request.content_type == "application/json":
            return await request.json()
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                if part.name == "payload_json":
                    return json.loads(await part.text())
        return None

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(next(self.ids)), "channel_id": CHANNEL_ID, "guild_id": GUILD_ID, "type": 0,
                "content": body.get("content") or "", "embeds": body.get("embeds") or [],
                "components": body.get("components") or [], "author": user(BOT_ID, "newsbot", bot=True),
                "attachments": [], "mentions": [], "mention_roles": [], "mention_everyone": False,
                "pinned": False, "tts": False, "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "flags": body.get("flags", 0), "allowed_mentions": body.get("allowed_mentions")}

    # --- gateway ------------------------------------------------------------------------
    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 1:
                self.heartbeats.append(time.monotonic())
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                shard, self.shard_count = payload["d"].get("shard") or [0, 1]
                self.sockets[shard] = socket
                await self._ready(shard)
        return socket

    def guilds_of(self, shard: int) -> list[str]:
        """The guilds a shard serves (one guild on each of two shards when sharded)."""
        guilds = [GUILD_ID] if self.shard_count == 1 else [GUILD_ID, OTHER_GUILD_ID]
        return [g for g in guilds if self.shard_of(g) == shard]

    async def _ready(self, shard: int) -> None:
        guilds = self.guilds_of(shard)
        await self.dispatch("READY", {
            "v": 10, "user": user(BOT_ID, "newsbot", bot=True), "guilds": [{"id": g, "unavailable": True} for g in guilds],
            "session_id": f"fake-session-{shard}", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": APP_ID, "flags": 0}, "private_channels": [], "relationships": [],
            "shard": [shard, self.shard_count]}, shard=shard)
        for guild in guilds:
            await self.dispatch("GUILD_CREATE", {
                "id": guild, "name": "Newsroom" if guild == GUILD_ID else "Harbour club", "icon": None,
                "owner_id": USER_ID, "unavailable": False,
                "roles": [{"id": guild, "name": "@everyone", "permissions": "2048", "position": 0, "color": 0,
                           "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
                "channels": [{"id": CHANNELS[guild], "type": 0, "name": "general", "position": 0,
                              "permission_overwrites": [], "guild_id": guild}],
                "members": [{"user": user(BOT_ID, "newsbot", bot=True), "roles": [],
                             "joined_at": "2026-01-01T00:00:00+00:00", "flags": 0, "deaf": False, "mute": False}],
                "threads": [], "emojis": [], "stickers": [], "features": [], "member_count": 2, "large": False,
                "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
                "joined_at": "2026-01-01T00:00:00+00:00", "premium_tier": 0, "preferred_locale": "en-US",
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "nsfw_level": 0, "system_channel_flags": 0}, shard=shard)
        if len(self.sockets) == self.shard_count:
            self.ready.set()

    async def dispatch(self, event: str, data: dict[str, Any], shard: int = 0) -> None:
        await self.sockets[shard].send_json({"op": 0, "t": event, "s": next(self.sequence), "d": data})

    async def slash(self, name: str, *, manage_guild: bool = False, guild: str = "", **options: Any) -> str:
        """Send an application-command interaction, as a member of a guild; return its token.

        ``name`` may be "group sub" for a subcommand; an option whose value is :data:`THE_CHANNEL`
        is the guild's text channel; ``manage_guild`` gives the member the Manage Server permission;
        ``guild`` (default the first) is sent on the shard that serves it.
        """
        guild = guild or GUILD_ID
        channel_id = CHANNELS[guild]
        group, _, sub = name.partition(" ")
        command = next(c for c in self.commands if c["name"] == group)
        data_options = [{"name": k, "type": 7 if v is THE_CHANNEL else 5 if isinstance(v, bool)
                         else 3 if isinstance(v, str) else 4, "value": channel_id if v is THE_CHANNEL else v}
                        for k, v in options.items()]
        if sub:
            data_options = [{"name": sub, "type": 1, "options": data_options}]
        interaction_id = str(next(self.ids))
        channel = {"id": channel_id, "type": 0, "name": "general", "guild_id": guild, "position": 0,
                   "permission_overwrites": []}
        await self.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": APP_ID, "type": 2, "token": f"token-{interaction_id}",
            "version": 1, "guild_id": guild, "channel_id": channel_id, "channel": channel,
            "member": {"user": user(USER_ID, "reader"), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00",
                       "permissions": str(2147483648 | (32 if manage_guild else 0)), "deaf": False, "mute": False,
                       "flags": 0},
            "data": {"id": command["id"], "name": group, "type": 1, "guild_id": guild, "options": data_options,
                     "resolved": {"channels": {channel_id: {**channel, "permissions": ALL_PERMISSIONS}}}},
            "app_permissions": ALL_PERMISSIONS, "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": guild}, "context": 0,
            "attachment_size_limit": 26214400}, shard=self.shard_of(guild))
        return f"token-{interaction_id}"

    def largest_heartbeat_gap(self) -> float:
        """The longest time between two heartbeats, in seconds."""
        gaps = [b - a for a, b in zip(self.heartbeats, self.heartbeats[1:])]
        return max(gaps, default=0.0)


def snowflake_now() -> int:
    """A Discord id for this moment (milliseconds since Discord's epoch, shifted by 22 bits)."""
    import time

    return (int(time.time() * 1000) - 1_420_070_400_000) << 22
