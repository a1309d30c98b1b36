"""Two bot processes, shards 0 and 1 of 2, on the fake Discord gateway and one PostgreSQL library."""

import asyncio
import os
import sys
import time

from config.settings import PROJECT_ROOT
from tests.bot.fake_discord import GUILD_ID, OTHER_GUILD_ID, USER_ID, FakeDiscord
from tests.conftest import MODEL_CACHE
from tests.web_server import LocalSite, sample_story


async def reply(fake: FakeDiscord, token: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while token not in fake.replies:
        assert time.monotonic() < deadline, "no reply"
        await asyncio.sleep(0.05)
    return fake.replies[token]


async def test_an_article_added_on_shard_0_is_answered_on_shard_1_only_when_global(pg_url, tmp_path):
    fake, site = FakeDiscord(), LocalSite()
    await fake.start()
    await site.start()
    site.add_story(sample_story(1, title="Skarvik lighthouse keepers count 412 seals", paragraphs=[
        "Lighthouse keepers on the island of Skarvik counted 412 grey seals this spring, the most since 1911."]))
    site.add_story(sample_story(2, title="Skarvik ferry stops for the winter", paragraphs=[
        "The ferry to Skarvik will not sail between December and March while the old pier is repaired."]))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "DISCORD_TOKEN": "fake-token", "NEWSBOT_DISCORD_API_BASE": fake.api_base,
           "NEWSBOT_DATABASE_URL": pg_url, "NEWSBOT_DEV_GUILD_ID": GUILD_ID, "NEWSBOT_OWNER_IDS": f"[{USER_ID}]",
           "NEWSBOT_MODEL_CACHE_DIR": MODEL_CACHE, "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
           "NEWSBOT_COOLDOWN_SECONDS": "0", "NEWSBOT_FEED_CHECK_SECONDS": "0", "NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--shard-count", "2", "--shard-ids", str(shard), cwd=PROJECT_ROOT,
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=open(tmp_path / f"shard{shard}.log", "w")) for shard in (0, 1)]
    try:
        await asyncio.wait_for(fake.ready.wait(), 90)
        while not fake.commands:
            await asyncio.sleep(0.05)
        assert fake.shard_of(OTHER_GUILD_ID) == 0 and fake.shard_of(GUILD_ID) == 1

        added = await fake.job_result(await fake.slash("library add", guild=OTHER_GUILD_ID, manage_guild=True,
                                                   url=f"{site.base}/news/story-1", **{"global": True}))
        assert "added 1" in added["content"] and "global library" in added["content"]
        answer = await reply(fake, await fake.slash("ask", guild=GUILD_ID,
                                                    question="How many seals did the Skarvik keepers count?"))
        assert answer["embeds"], answer["content"]
        assert "412 grey seals" in answer["embeds"][0]["fields"][0]["value"]

        own = await fake.job_result(await fake.slash("library add", guild=OTHER_GUILD_ID, manage_guild=True,
                                                 url=f"{site.base}/news/story-2"))
        assert "added 1" in own["content"] and "this server's library" in own["content"]
        refused = await reply(fake, await fake.slash("ask", guild=GUILD_ID,
                                                     question="When will the Skarvik ferry not sail?"))
        assert "couldn't find" in refused["embeds"][0]["description"]
        mine = await reply(fake, await fake.slash("ask", guild=OTHER_GUILD_ID,
                                                  question="When will the Skarvik ferry not sail?"))
        assert "December and March" in mine["embeds"][0]["fields"][0]["value"]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)
        await site.stop()
        await fake.stop()
