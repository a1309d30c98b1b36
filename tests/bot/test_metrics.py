"""Operators' eyes: /metrics and /healthz scraped from a running bot against the fake Discord."""

import aiohttp
import pytest

from bot.metrics import Metrics, MetricsServer, start_metrics
from tests.bot.fake_discord import GUILD_ID
from tests.bot.test_end_to_end import connected_bot, e2e_library, fake, wait_for  # noqa: F401 (fixtures)


async def scrape(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


def value(text: str, series: str) -> float:
    """The value of one series line (``name{labels}``) of the Prometheus text."""
    return float(next(line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(series + " ")))


async def test_a_running_bot_is_healthy_and_counts_its_questions_by_shard(fake, e2e_library, tmp_path):  # noqa: F811
    async with connected_bot(fake, e2e_library, tmp_path) as bot:
        server = await start_metrics(bot, "127.0.0.1", 0)
        try:
            assert await scrape(server.port, "/healthz") == (200, "ready\n")
            await fake.slash("ask", question="Where did the North Korean containers go?")
            await wait_for(lambda: fake.followups)
            status, text = await scrape(server.port, "/metrics")
            assert status == 200
            shard = bot.service.metrics.shard_of(int(GUILD_ID))
            assert value(text, f'newsbot_questions_total{{outcome="answered",shard="{shard}"}}') == 1
            assert value(text, f'newsbot_question_seconds_count{{shard="{shard}"}}') == 1
            assert value(text, 'newsbot_gateway_latency_seconds{shard="0"}') >= 0
            assert value(text, "newsbot_ready") == 1
        finally:
            await server.stop()


async def test_health_says_what_is_not_ready_and_never_fails_itself():
    metrics = Metrics()

    async def gateway():
        return "the gateway is not connected"

    async def broken():
        raise RuntimeError("cannot connect to postgresql://newsbot:hunter22@db/newsbot")

    for checks, reason in (([gateway], "the gateway is not connected"), ([broken], "postgresql://newsbot:***@db")):
        server = MetricsServer(metrics, lambda: [], checks)
        port = await server.start("127.0.0.1", 0)
        try:
            status, text = await scrape(port, "/healthz")
            assert status == 503 and reason in text and "hunter22" not in text
            assert value((await scrape(port, "/metrics"))[1], "newsbot_ready") == 0
        finally:
            await server.stop()


@pytest.mark.parametrize(("guild_id", "shards", "shard"), [(None, 4, "0"), (81384788765712384, 1, "0"),
                                                           (81384788765712384, 4, str((81384788765712384 >> 22) % 4))])
def test_a_server_s_shard_is_discord_s(guild_id, shards, shard):
    assert Metrics(shards).shard_of(guild_id) == shard


def test_ingest_and_polls_are_counted_by_outcome():
    metrics = Metrics()
    metrics.ingest(None, "upload", {"added": 2, "failed": 1, "unchanged": 0})
    metrics.poll(None, "failed")
    text = metrics.exposition([(0, 0.05)]).decode()
    assert value(text, 'newsbot_ingested_articles_total{outcome="added",shard="0",source="upload"}') == 2
    assert value(text, 'newsbot_feed_polls_total{outcome="failed",shard="0"}') == 1
    assert 'outcome="unchanged"' not in text and value(text, 'newsbot_gateway_latency_seconds{shard="0"}') == 0.05
