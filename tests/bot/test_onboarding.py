"""Onboarding and reach, through simcord: /help, the welcome, channel checks, private answers, the
message menu, publisher autocomplete and imports as jobs."""

import asyncio

import discord

from tests.bot.test_commands import STORY, TIKHORETSK_Q, add_story, reply


async def test_help_is_private_and_shows_this_servers_setup(env, guild, channel, admin, member):
    await admin.slash(channel, "settings channel", channel=channel, enabled=True)
    shown = reply(await member.slash(channel, "help"))
    assert shown.ephemeral
    embed = shown.embeds[0]
    setup = next(f.value for f in embed.fields if f.name == "In this server")
    assert f"<#{channel.id}>" in setup and "articles" in setup and "publishers include" in setup
    assert "For admins (Manage Server)" not in [f.name for f in embed.fields]
    for_admin = reply(await admin.slash(channel, "help")).embeds[0]
    assert "For admins (Manage Server)" in [f.name for f in for_admin.fields]


async def test_welcome_on_join_goes_to_a_channel_the_bot_may_post_in(env, guild):
    locked = guild.create_text_channel("announcements", overwrites={
        env.bot.user: discord.PermissionOverwrite(send_messages=False)})
    open_channel = guild.create_text_channel("general")
    await env.bot.get_cog("Help").on_guild_join(env.bot.get_guild(guild.id))
    assert locked.last_message is None
    assert "/ask" in open_channel.last_message.content


async def test_a_channel_the_bot_cannot_post_in_is_refused(env, guild, channel, admin):
    locked = guild.create_text_channel("locked", overwrites={
        env.bot.user: discord.PermissionOverwrite(send_messages=False)})
    refused = reply(await admin.slash(channel, "settings channel", channel=locked, enabled=True))
    assert refused.ephemeral and "I can't post in" in refused.content
    assert env.bot.service.activity.settings(guild.id).channels == []
    env.errors  # noqa: B018 — the refusal is reported through the error path: acknowledged here


async def test_private_ask_is_seen_only_by_the_asker(env, channel, member):
    result = await member.slash(channel, "ask", question=TIKHORETSK_Q, private=True)
    assert result.ephemeral and reply(result).embeds[0].fields


async def test_ask_about_a_message_answers_privately(env, guild, channel, member):
    posted = await member.send(channel, "Did North Korean containers really end up in Tikhoretsk?")
    result = await member.context_menu(channel, "Ask newsbot about this message", posted)
    answer = reply(result)
    assert answer.ephemeral and "Tikhoretsk" in answer.embeds[0].fields[0].value


async def test_source_autocomplete_offers_this_servers_publishers(env, guild, channel, admin, member):
    await add_story(admin, channel)
    choices = [c["value"] for c in await member.autocomplete(channel, "ask", "source", "gaz")]
    assert choices == ["Port Gazette"]
    elsewhere = env.create_guild(name="Elsewhere")
    outsider = elsewhere.add_member(env.create_user("outsider"))
    other_channel = elsewhere.create_text_channel("general")
    assert "Port Gazette" not in [c["value"] for c in await outsider.autocomplete(other_channel, "ask", "source", "")]


async def test_an_upload_is_a_job_whose_reply_ends_on_its_result(env, guild, channel, admin):
    result = await add_story(admin, channel)
    assert result.acknowledged and result.ephemeral
    assert reply(result).content.startswith("✅ Imported `1` **strike.txt")
    listed = reply(await admin.slash(channel, "library jobs")).embeds[0].description
    assert "✅ Imported `1`" in listed and f"<@{admin.id}>" in listed


async def test_a_second_upload_waits_its_turn_and_can_be_cancelled(env, guild, channel, admin, monkeypatch):
    service = env.bot.service
    release = asyncio.Event()
    original = service.add_file

    async def slow(*args, **kwargs):
        await env.external_wait(release.wait(), reason="the test holds the first import back")
        return await original(*args, **kwargs)

    monkeypatch.setattr(service, "add_file", slow)
    await admin.slash(channel, "library add", file=("one.txt", STORY.encode()))
    second = await admin.slash(channel, "library add", file=("two.txt", STORY.replace("nine", "ten").encode()))
    assert "waiting (next in this server's queue)" in reply(second).content
    listed = reply(await admin.slash(channel, "library jobs")).embeds[0].description
    assert listed.index("Importing `1`") < listed.index("`2` **two.txt")
    cancelled = reply(await admin.slash(channel, "library cancel", job=2))
    assert "stops now" in cancelled.content
    release.set()
    await service.jobs.wait_idle()
    assert reply(second).content.startswith("🛑 Import `2`")
    assert [a.title for a in service.library.articles([guild.id])] == ["Harbour strike ends"]


async def test_a_failing_autocomplete_offers_nothing_and_logs_the_error_once(env, guild, channel, member,
                                                                            monkeypatch, caplog):
    async def broken(guild_id, like):
        raise RuntimeError("the library is gone")

    monkeypatch.setattr(env.bot.service, "sources", broken)
    assert await member.autocomplete(channel, "ask", "source", "gaz") == []
    assert "the library is gone" in caplog.text and "error " in caplog.text
    assert "Ignoring exception" not in caplog.text


async def test_story_shows_every_publishers_report_of_the_event_behind_a_question(env, guild, channel, member):
    shown = reply(await member.slash(channel, "story", about=TIKHORETSK_Q))
    embed = shown.embeds[0]
    assert len(embed.fields) == 2 and "BBC" in embed.description  # both seed articles: one story
    latest = reply(await member.slash(channel, "story"))
    assert latest.embeds[0].title == "Latest stories" and "2 articles" in latest.embeds[0].description


async def test_the_timeline_button_shows_the_key_days_privately(env, guild, channel, member):
    answer = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q))
    labels = [c["label"] for row in answer.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful", "More results", "Timeline", "Follow"]
    shown = reply(await member.click(answer.message, label="Timeline"))
    assert shown.ephemeral and shown.embeds[0].title.startswith("Timeline: ")
    assert [f.name for f in shown.embeds[0].fields] == ["2024-09-20"]  # the dated seed article's day


async def test_follow_a_question_and_hear_when_an_upload_answers_it(env, guild, channel, admin, member, monkeypatch):
    from retrieval import follows as follows_module

    monkeypatch.setattr(follows_module, "FLOOR", 0.1)  # the fake model's cosines are small
    question = "When did the Lindholm harbour strike end?"
    added = reply(await admin.slash(channel, "follow add", question=question, channel=channel))
    assert added.ephemeral and f"<#{channel.id}>" in added.content
    refused = reply(await member.slash(channel, "follow add", question=question, channel=channel))
    assert "Manage Server" in refused.content
    env.errors  # noqa: B018 — the refusal went through the error path
    await add_story(admin, channel)  # the import job ends, then followed questions are matched
    await env.settle()
    notice = channel.history()[-1].content
    assert notice.startswith("🔔 New on a question you follow") and "Harbour strike ends" in notice
    listed = reply(await admin.slash(channel, "follow list")).embeds[0].description
    assert question in listed
    follow_id = env.bot.service.follows.list(guild.id)[0].id
    assert "Stopped following" in reply(await admin.slash(channel, "follow remove", follow=follow_id)).content


async def test_the_follow_button_follows_the_answers_question_by_dm(env, guild, channel, member):
    answer = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q))
    followed = reply(await member.click(answer.message, label="Follow"))
    assert followed.ephemeral and "message you" in followed.content
    [follow] = env.bot.service.follows.list(guild.id)
    assert follow.question == TIKHORETSK_Q and follow.user_id == member.id and follow.channel_id is None


async def test_digest_lists_the_periods_stories_most_covered_first(env, guild, channel, admin, member):
    await add_story(admin, channel, date="2025-12-31")  # simcord's interactions are made on 2026-01-01
    shown = reply(await member.slash(channel, "digest", days=3)).embeds[0]
    assert shown.title.startswith("Digest ") and "Harbour strike ends" in shown.description
    assert "Port Gazette" in shown.description and "North Korea" not in shown.description  # the seeds are older


async def test_a_scheduled_digest_is_posted_once_its_day_has_passed(env, guild, channel, admin):
    import time

    await add_story(admin, channel, date="2025-12-31")
    set_up = reply(await admin.slash(channel, "digest-schedule", channel=channel, every="daily"))
    assert "daily digest" in set_up.content
    cog = env.bot.get_cog("Stories")
    assert await cog.post_due_digests() == 0  # not a day yet
    assert await cog.post_due_digests(now=time.time() + 86_401) == 1
    await env.settle()
    assert channel.history()[-1].embeds[0].title.startswith("Digest ")
    assert await cog.post_due_digests(now=time.time() + 86_402) == 0  # posted: the next is a day later
