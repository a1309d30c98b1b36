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
        self.ids = itertools.count(910_000_000_000_000_000)
        self.sequence = itertools.count(1)
        self.requests: list[tuple[str, str, Any]] = []
        self.followups: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []  # posted in the channel (not replies to interactions)
        self.callbacks: list[dict[str, Any]] = []
        self.heartbeats: list[float] = []
        self.commands: list[dict[str, Any]] = []
        self.ready = asyncio.Event()
        self.followup_arrived = asyncio.Event()
        self.socket: web.WebSocketResponse | None = None
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
        if self.socket is not None:
            await self.socket.close()
        await self.runner.cleanup()

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
        if path == f"/channels/{CHANNEL_ID}/messages" and request.method == "POST":
            message = self._message(body)
            self.messages.append(message)
            return reply_json(message)
        if path.startswith(f"/webhooks/{APP_ID}/"):
            message = self._message(body)
            self.followups.append(message)
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
        self.socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 1:
                self.heartbeats.append(time.monotonic())
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                await self._ready(socket)
        return socket

    async def _ready(self, socket: web.WebSocketResponse) -> None:
        await self.dispatch("READY", {
            "v": 10, "user": user(BOT_ID, "newsbot", bot=True), "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": "fake-session", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": APP_ID, "flags": 0}, "private_channels": [], "relationships": []})
        await self.dispatch("GUILD_CREATE", {
            "id": GUILD_ID, "name": "Newsroom", "icon": None, "owner_id": USER_ID, "unavailable": False,
            "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "2048", "position": 0, "color": 0,
                       "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": CHANNEL_ID, "type": 0, "name": "general", "position": 0,
                          "permission_overwrites": [], "guild_id": GUILD_ID}],
            "members": [{"user": user(BOT_ID, "newsbot", bot=True), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "flags": 0,
                         "deaf": False, "mute": False}],
            "threads": [], "emojis": [], "stickers": [], "features": [], "member_count": 2, "large": False,
            "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "joined_at": "2026-01-01T00:00:00+00:00", "premium_tier": 0, "preferred_locale": "en-US",
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "system_channel_flags": 0})
        self.ready.set()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.socket.send_json({"op": 0, "t": event, "s": next(self.sequence), "d": data})

    async def slash(self, name: str, *, manage_guild: bool = False, **options: Any) -> str:
        """Send an application-command interaction, as a member of the guild; return its id.

        ``name`` may be "group sub" for a subcommand; an option whose value is :data:`THE_CHANNEL`
        is the guild's text channel; ``manage_guild`` gives the member the Manage Server permission.
        """
        group, _, sub = name.partition(" ")
        command = next(c for c in self.commands if c["name"] == group)
        data_options = [{"name": k, "type": 7 if v is THE_CHANNEL else 3 if isinstance(v, str) else 4,
                         "value": CHANNEL_ID if v is THE_CHANNEL else v} for k, v in options.items()]
        if sub:
            data_options = [{"name": sub, "type": 1, "options": data_options}]
        interaction_id = str(next(self.ids))
        channel = {"id": CHANNEL_ID, "type": 0, "name": "general", "guild_id": GUILD_ID, "position": 0,
                   "permission_overwrites": []}
        await self.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": APP_ID, "type": 2, "token": f"token-{interaction_id}",
            "version": 1, "guild_id": GUILD_ID, "channel_id": CHANNEL_ID, "channel": channel,
            "member": {"user": user(USER_ID, "reader"), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00",
                       "permissions": str(2147483648 | (32 if manage_guild else 0)), "deaf": False, "mute": False,
                       "flags": 0},
            "data": {"id": command["id"], "name": group, "type": 1, "guild_id": GUILD_ID, "options": data_options,
                     "resolved": {"channels": {CHANNEL_ID: {**channel, "permissions": ALL_PERMISSIONS}}}},
            "app_permissions": ALL_PERMISSIONS, "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0,
            "attachment_size_limit": 26214400})
        return interaction_id

    def largest_heartbeat_gap(self) -> float:
        """The longest time between two heartbeats, in seconds."""
        gaps = [b - a for a, b in zip(self.heartbeats, self.heartbeats[1:])]
        return max(gaps, default=0.0)
