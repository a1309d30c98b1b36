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
        self.replies: dict[str, dict[str, Any]] = {}  # interaction token -> the last follow-up or edit
        self.originals: dict[str, dict[str, Any]] = {}  # interaction token -> its original response
        self.expired: set[str] = set()  # tokens past their life: Discord answers 401
        self.sent_at: dict[str, float] = {}  # interaction id -> when it was dispatched (this clock)
        self.acked_at: dict[str, float] = {}  # interaction id -> when its first callback arrived
        self.files: dict[str, bytes] = {}  # attachment path -> its bytes (the fake CDN)
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway)
        app.router.add_get("/attachments/{name:.*}", self.attachment)
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
            self.commands = [{"description": "", "type": 1, **c, "id": str(next(self.ids)),
                              "application_id": APP_ID, "version": "1"} for c in body]
            return reply_json(self.commands)
        if path.startswith("/interactions/") and path.endswith("/callback"):
            self.callbacks.append(body)
            interaction_id = path.split("/")[2]
            self.acked_at.setdefault(interaction_id, time.monotonic())
            resource: dict[str, Any] = {"type": body["type"]}
            if body["type"] in (4, 5):  # a message, or the "thinking…" placeholder
                resource["message"] = self.originals[path.split("/")[3]] = self._message(body.get("data") or {})
            return reply_json({"interaction": {"id": interaction_id, "type": 2,
                                               "response_message_loading": body["type"] == 5},
                               "resource": resource})
        if path in {f"/channels/{c}/messages" for c in CHANNELS.values()} and request.method == "POST":
            message = self._message(body)
            self.messages.append(message)
            return reply_json(message)
        if path.startswith(f"/webhooks/{APP_ID}/"):
            return self._webhook(request.method, path, body)
        return reply_json({"message": f"not in the fake: {request.method} {path}", "code": 0},
                                 status=404)

    def _webhook(self, method: str, path: str, body: Any) -> web.Response:
        """Follow-ups (POST) and the original response (GET, PATCH, DELETE ``messages/@original``)."""
        token = path.split("/")[3]
        if token in self.expired:
            return reply_json({"message": "Invalid Webhook Token", "code": 50027}, status=401)
        if path.endswith("/messages/@original"):
            original = self.originals.get(token)
            if original is None:
                return reply_json({"message": "Unknown Message", "code": 10008}, status=404)
            if method == "DELETE":
                del self.originals[token]
                return web.Response(status=204)
            if method == "PATCH":
                original.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
                original["allowed_mentions"] = body.get("allowed_mentions")
                self.replies[token] = original
                self.followup_arrived.set()
            return reply_json(original)
        message = self._message(body or {})
        self.followups.append(message)
        self.replies[token] = message
        self.followup_arrived.set()
        return reply_json(message)

    async def attachment(self, request: web.Request) -> web.Response:
        """The fake CDN: an uploaded file's bytes."""
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

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
        """The guilds a shard serves (both on one shard; one on each of two shards when sharded)."""
        return [g for g in (GUILD_ID, OTHER_GUILD_ID) if self.shard_of(g) == shard]

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
                "roles": [{"id": guild, "name": "@everyone", "permissions": str(1024 | 2048 | 16384 | 65536), "position": 0, "color": 0,
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

    async def slash(self, name: str, *, manage_guild: bool = False, guild: str = "", user_id: str = USER_ID,
                    **options: Any) -> str:
        """Send an application-command interaction, as a member of a guild; return its token.

        ``name`` may be "group sub" for a subcommand; an option whose value is :data:`THE_CHANNEL`
        is the guild's text channel, one whose value is ``(file name, bytes)`` an attachment served
        by the fake CDN; ``manage_guild`` gives the member the Manage Server permission; ``guild``
        (default the first) is sent on the shard that serves it.
        """
        guild = guild or GUILD_ID
        data, resolved = self._command_data(name, guild, options)
        data["resolved"] = resolved
        return await self._interact(2, data, guild, user_id, manage_guild)

    async def autocomplete(self, name: str, focused: str, current: str, *, manage_guild: bool = False,
                           user_id: str = USER_ID, **options: Any) -> str:
        """Send an autocomplete interaction for option ``focused`` typed as ``current``; return its id."""
        data, _ = self._command_data(name, GUILD_ID, {**options, focused: current})
        leaf = data["options"][0]["options"] if " " in name else data["options"]
        for option in leaf:
            option["focused"] = option["name"] == focused
        token = await self._interact(4, data, GUILD_ID, user_id, manage_guild)
        return token.removeprefix("token-")

    async def click(self, message: dict[str, Any], label: str, *, user_id: str = USER_ID) -> str:
        """Click the button labelled ``label`` under a message the bot sent; return the token."""
        button = next(c for row in message["components"] for c in row["components"] if c.get("label") == label)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._interact(3, data, GUILD_ID, user_id, False, message=message)

    def _command_data(self, name: str, guild: str, options: dict[str, Any]) -> tuple[dict, dict]:
        channel_id = CHANNELS[guild]
        group, _, sub = name.partition(" ")
        command = next(c for c in self.commands if c["name"] == group)
        resolved: dict[str, Any] = {"channels": {channel_id: {**self._channel(guild), "permissions": ALL_PERMISSIONS}}}
        data_options = []
        for key, value in options.items():
            if isinstance(value, tuple):  # an attachment
                attachment_id = str(next(self.ids))
                self.files[f"{attachment_id}/{value[0]}"] = value[1]
                resolved.setdefault("attachments", {})[attachment_id] = {
                    "id": attachment_id, "filename": value[0], "size": len(value[1]),
                    "url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{value[0]}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{value[0]}"}
                data_options.append({"name": key, "type": 11, "value": attachment_id})
                continue
            kind = 7 if value is THE_CHANNEL else 5 if isinstance(value, bool) else 3 if isinstance(value, str) else 4
            data_options.append({"name": key, "type": kind, "value": channel_id if value is THE_CHANNEL else value})
        if sub:
            data_options = [{"name": sub, "type": 1, "options": data_options}]
        return {"id": command["id"], "name": group, "type": 1, "guild_id": guild, "options": data_options}, resolved

    def _channel(self, guild: str) -> dict[str, Any]:
        return {"id": CHANNELS[guild], "type": 0, "name": "general", "guild_id": guild, "position": 0,
                "permission_overwrites": []}

    async def _interact(self, kind: int, data: dict[str, Any], guild: str, user_id: str, manage_guild: bool,
                        message: dict[str, Any] | None = None) -> str:
        interaction_id = str(next(self.ids))
        payload = {
            "id": interaction_id, "application_id": APP_ID, "type": kind, "token": f"token-{interaction_id}",
            "version": 1, "guild_id": guild, "channel_id": CHANNELS[guild], "channel": self._channel(guild),
            "member": {"user": user(user_id, f"reader-{user_id[-3:]}"), "roles": [],
                       "joined_at": "2026-01-01T00:00:00+00:00",
                       "permissions": str(2147483648 | (32 if manage_guild else 0)), "deaf": False, "mute": False,
                       "flags": 0},
            "data": data, "app_permissions": ALL_PERMISSIONS, "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": guild}, "context": 0,
            "attachment_size_limit": 26214400}
        if message is not None:
            payload["message"] = message
        self.sent_at[interaction_id] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload, shard=self.shard_of(guild))
        return f"token-{interaction_id}"

    async def job_result(self, token: str, timeout: float = 120.0) -> dict[str, Any]:
        """The message an import job ends on (✅, ❌ or 🛑), edited into the interaction's reply."""
        deadline = time.monotonic() + timeout
        while not self.replies.get(token, {}).get("content", "").startswith(("✅", "❌", "🛑")):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the import never ended: {self.replies.get(token)}")
            await asyncio.sleep(0.05)
        return self.replies[token]

    def slowest_ack(self) -> float:
        """The longest time from sending an interaction to its first callback, in seconds (inf if
        one was never acknowledged)."""
        return max((self.acked_at.get(i, float("inf")) - sent for i, sent in self.sent_at.items()), default=0.0)

    def largest_heartbeat_gap(self) -> float:
        """The longest time between two heartbeats, in seconds."""
        gaps = [b - a for a, b in zip(self.heartbeats, self.heartbeats[1:])]
        return max(gaps, default=0.0)


def snowflake_now() -> int:
    """A Discord id for this moment (milliseconds since Discord's epoch, shifted by 22 bits)."""
    import time

    return (int(time.time() * 1000) - 1_420_070_400_000) << 22
