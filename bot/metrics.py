"""Operators' eyes: Prometheus metrics and a health check on an optional HTTP port.

With ``NEWSBOT_METRICS_PORT`` set, each bot process serves ``/metrics`` (Prometheus text format)
and ``/healthz`` (200 only when the gateway is connected and the library answers; 503 with the
reason otherwise). Every series carries the shard it belongs to: a question's shard is its
server's (Discord's rule: ``(guild_id >> 22) % shard_count``), so a sharded deployment shows
which shard is slow or failing. docs/deploy.md has a scrape configuration and the alerts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from config.secrets import redact

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The bot's counters, histograms and gauges, in a registry of their own."""

    def __init__(self, shard_count: int | None = None) -> None:
        """``shard_count``: the bot's shards (None: one unsharded connection, shard "0")."""
        self.shard_count = shard_count or 1
        self.registry = CollectorRegistry()
        self.questions = Counter("newsbot_questions", "Questions asked, by outcome (answered, unanswered, error)",
                                 ["shard", "outcome"], registry=self.registry)
        self.latency = Histogram("newsbot_question_seconds", "Time to answer a question, from asking to the answer",
                                 ["shard"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.ingested = Counter("newsbot_ingested_articles", "Articles from uploads, links and feeds, by outcome",
                                ["shard", "source", "outcome"], registry=self.registry)
        self.polls = Counter("newsbot_feed_polls", "Feed polls, by outcome (ok, not_modified, failed)",
                             ["shard", "outcome"], registry=self.registry)
        self.gateway = Gauge("newsbot_gateway_latency_seconds", "Heartbeat latency of each gateway shard",
                             ["shard"], registry=self.registry)
        self.ready = Gauge("newsbot_ready", "1 when the gateway and the library are ready", registry=self.registry)

    def shard_of(self, guild_id: int | None) -> str:
        """The shard a server belongs to ("0" outside servers)."""
        return str((guild_id >> 22) % self.shard_count) if guild_id else "0"

    def question(self, guild_id: int | None, answered: bool | None, seconds: float) -> None:
        """Count one question (``answered`` None: it failed) and its latency."""
        shard = self.shard_of(guild_id)
        outcome = "error" if answered is None else "answered" if answered else "unanswered"
        self.questions.labels(shard, outcome).inc()
        if answered is not None:
            self.latency.labels(shard).observe(seconds)

    def ingest(self, guild_id: int | None, source: str, outcomes: dict[str, int]) -> None:
        """Count articles from ``source`` (upload, link, feed) by outcome (added, updated, unchanged, failed)."""
        for outcome, count in outcomes.items():
            if count:
                self.ingested.labels(self.shard_of(guild_id), source, outcome).inc(count)

    def poll(self, guild_id: int | None, outcome: str) -> None:
        """Count one feed poll."""
        self.polls.labels(self.shard_of(guild_id), outcome).inc()

    def exposition(self, latencies: list[tuple[int, float]]) -> bytes:
        """The Prometheus text of every series, with each shard's gateway latency as of now."""
        for shard, seconds in latencies:
            if seconds == seconds and seconds != float("inf"):  # NaN / inf before the first heartbeat
                self.gateway.labels(str(shard)).set(seconds)
        return generate_latest(self.registry)


Check = Callable[[], Awaitable[str | None]]  # None when healthy, else the reason


class MetricsServer:
    """``/metrics`` and ``/healthz`` on a port of their own (aiohttp, on the bot's event loop)."""

    def __init__(self, metrics: Metrics, latencies: Callable[[], list[tuple[int, float]]], checks: list[Check]
                 ) -> None:
        """Serve ``metrics``; ``latencies`` gives each shard's heartbeat latency; ``checks`` must all pass
        for ``/healthz`` to say ready."""
        self.metrics, self.latencies, self.checks = metrics, latencies, checks
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0: any free port); return the port."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        logger.info("metrics and health check on http://%s:%d (/metrics, /healthz)", host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        await self._health_reason()  # keeps newsbot_ready current
        body = self.metrics.exposition(self.latencies())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, request: web.Request) -> web.Response:
        reason = await self._health_reason()
        return web.Response(status=503 if reason else 200, text=f"not ready: {reason}\n" if reason else "ready\n")

    async def _health_reason(self) -> str | None:
        for check in self.checks:
            try:
                reason = await asyncio.wait_for(check(), 5.0)
            except Exception as exc:  # a failing check is a reason, never a 500
                reason = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            if reason:
                self.metrics.ready.set(0)
                return reason
        self.metrics.ready.set(1)
        return None


def shard_latencies(bot: Any) -> list[tuple[int, float]]:
    """Each shard's heartbeat latency (one unsharded connection is shard 0)."""
    return list(bot.latencies) if hasattr(bot, "latencies") else [(0, bot.latency)]


async def start_metrics(bot: Any, host: str, port: int) -> MetricsServer:
    """Serve the bot's metrics and health check (the gateway and the library must both be ready)."""
    server = MetricsServer(bot.service.metrics, lambda: shard_latencies(bot),
                           [gateway_check(bot), bot.service.library_health])
    await server.start(host, port)
    return server


def gateway_check(bot: Any) -> Check:
    """Ready when the bot is logged in and every shard it runs is connected."""
    async def check() -> str | None:
        if bot.is_closed() or not bot.is_ready():
            return "the gateway is not connected"
        return None
    return check
