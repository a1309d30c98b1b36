"""Every command, driven through simcord against the real bot (fake embedding model)."""

import discord
import pytest
from discord import app_commands
from simcord import assert_error

from bot.embeds import NO_ANSWER_TEXT
from bot.service import CooldownError
from retrieval.errors import ArticleNotFoundError, BadInputError

TIKHORETSK_Q = "Where did the North Korean containers go?"
STORY = ("Harbour strike ends\n\nSource: Port Gazette\n\n"
         "Dock workers at the Lindholm harbour ended their strike on Tuesday after the port agreed to a pay rise. "
         "The strike had lasted nine days and stranded forty cargo ships in the bay.\n")


def reply(result):
    """The message a command finally produced (a follow-up after a defer)."""
    return result.followups[-1] if result.followups else result.response


async def add_story(admin, channel, name="strike.txt", data=STORY.encode(), **options):
    """Upload a story and wait for its import job to end (the reply is edited to the result)."""
    result = await admin.slash(channel, "library add", file=(name, data), **options)
    await admin._env.bot.service.jobs.wait_idle()
    return result


async def test_ask_answers_with_cited_passage_and_buttons(env, channel, member):
    result = await member.slash(channel, "ask", question=TIKHORETSK_Q)
    message = reply(result)
    assert result.acknowledged and not message.ephemeral
    embed = message.embeds[0]
    assert embed.title == TIKHORETSK_Q
    first = embed.fields[0].value
    assert "Tikhoretsk" in first and "**" in first
    assert "North Korea provided Russia with weapons" in first.split("\n— ")[1]
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful", "More results", "Timeline", "Follow"]


async def test_a_question_about_the_articles_is_answered_from_their_citations(env, channel, member):
    message = reply(await member.slash(channel, "ask", question="Who wrote the BBC article?"))
    assert message.embeds[0].description.endswith("was written by Matt Murphy.")
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful", "More results"]  # nothing to follow or date


async def test_asking_for_the_news_lists_stories_with_no_timeline_or_follow(env, channel, member):
    message = reply(await member.slash(channel, "ask", question="What's the latest news?"))
    embed = message.embeds[0]
    assert embed.fields and "North Korea" in embed.fields[0].value
    assert "held none; the latest, of" in embed.footer.text  # the seeds are of 2024, asked today
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful", "More results"]


async def test_results_option_limits_passages(env, channel, member):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q, results=1))
    assert len(message.embeds[0].fields) == 1


async def test_no_answer_reply_is_honest(env, channel, member):
    message = reply(await member.slash(channel, "ask", question="How do I bake banana bread?"))
    assert message.embeds[0].description == NO_ANSWER_TEXT
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Helpful", "Not helpful", "Follow"]  # feedback and following a "not in the library" too


async def test_no_answer_under_filters_names_them(env, channel, member):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q, source="Reuters"))
    assert message.embeds[0].description == ("I found nothing to answer this: no article matches the filters in"
                                             " force (source: Reuters).")


async def test_ask_by_author_keeps_that_writer_s_articles_and_offers_bylines(env, channel, member):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q, author="Matt Murphy"))
    assert all("Matt Murphy" in field.value for field in message.embeds[0].fields)
    assert [c["value"] for c in await member.autocomplete(channel, "ask", "author", "murph")] == ["Matt Murphy"]


async def test_feedback_is_stored_and_counted(env, guild, channel, member, admin):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q))
    clicked = await member.click(message.message, label="Helpful")
    assert clicked.ephemeral and "Thanks" in clicked.response.content
    await admin.click(message.message, label="Not helpful")
    await member.click(message.message, label="Not helpful")  # a second vote replaces the first
    stats = env.bot.service.activity.stats(guild.id)
    assert (stats.helpful, stats.not_helpful) == (0, 2)


async def test_more_results_shows_the_next_passages(env, channel, member):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q, results=2))
    shown = {f.value for f in message.embeds[0].fields}
    more = await member.click(message.message, label="More results")
    extra = reply(more)
    assert extra.ephemeral
    assert extra.embeds[0].fields[0].name.startswith("3. ")
    assert not shown & {f.value for f in extra.embeds[0].fields}


async def test_cooldown_is_polite_and_expires(env, channel, member):
    for _ in range(3):
        await member.slash(channel, "ask", question=TIKHORETSK_Q)
    refused = await member.slash(channel, "ask", question=TIKHORETSK_Q)
    assert refused.ephemeral and "Try again in" in refused.response.content
    assert_error(env, CooldownError)
    await env.advance_time(61)
    assert reply(await member.slash(channel, "ask", question=TIKHORETSK_Q)).embeds


async def test_mentions_in_articles_and_questions_never_ping(env, channel, member, admin):
    story = STORY.replace("Dock workers", "@everyone @here <@&123> <@1> Dock workers")
    await add_story(admin, channel, data=story.encode())
    await member.slash(channel, "ask", question="@everyone when did the Lindholm harbour strike end?")
    sends = [r for r in env.http_requests if r.method in {"POST", "PATCH"} and isinstance(r.json, dict)
             and ("embeds" in r.json or "content" in r.json)]
    assert sends
    for request in sends:
        body = request.json.get("data", request.json)
        assert body.get("allowed_mentions") == {"parse": []}, request.path


async def test_library_add_then_ask_finds_it_only_in_that_server(env, guild, channel, member, admin):
    added = await add_story(admin, channel, author="R. Writer", date="3 May 2024")
    assert added.ephemeral and "added 1" in reply(added).content
    answer = reply(await member.slash(channel, "ask", question="When did the Lindholm harbour strike end?"))
    top = answer.embeds[0].fields[0]
    assert "Harbour strike ends" in top.name and "Port Gazette · R. Writer · 2024-05-03" in top.value

    other = env.create_guild(name="Elsewhere")
    other_channel = other.create_text_channel("general")
    outsider = other.add_member(env.create_user("outsider"))
    elsewhere = reply(await outsider.slash(other_channel, "ask", question="When did the Lindholm harbour strike end?"))
    assert all("Harbour strike" not in f.name for f in elsewhere.embeds[0].fields)


async def test_library_list_show_remove(env, guild, channel, admin):
    await add_story(admin, channel)
    listing = reply(await admin.slash(channel, "library list")).embeds[0].description
    assert "Harbour strike ends" in listing and "(server)" in listing and "(global)" in listing
    own = env.bot.service.library.articles([guild.id])[0]
    shown = reply(await admin.slash(channel, "library show", article=own.id)).embeds[0]
    assert shown.title == "Harbour strike ends" and "Dock workers" in shown.description
    removed = reply(await admin.slash(channel, "library remove", article=own.id))
    assert removed.ephemeral and "Removed" in removed.content
    assert env.bot.service.library.articles([guild.id]) == []


async def test_autocomplete_offers_titles_and_only_own_for_remove(env, guild, channel, admin):
    await add_story(admin, channel)
    show_choices = await admin.autocomplete(channel, "library show", "article", "")
    remove_choices = await admin.autocomplete(channel, "library remove", "article", "")
    assert any("North Korea" in c["name"] for c in show_choices)
    assert [c["name"].rsplit(" (", 1)[0] for c in remove_choices] == ["Harbour strike ends"]


async def test_admin_cannot_remove_global_or_other_servers_articles(env, guild, channel, admin):
    seed = env.bot.service.library.articles([None])[0]
    refused = reply(await admin.slash(channel, "library remove", article=seed.id))
    assert refused.ephemeral and "No article" in refused.content
    assert_error(env, ArticleNotFoundError)
    other = env.create_guild(name="Elsewhere")
    other_channel = other.create_text_channel("general")
    role = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    other_admin = other.add_member(env.create_user("other-admin"), roles=[role])
    await add_story(admin, channel)
    mine = env.bot.service.library.articles([guild.id])[0]
    assert "No article" in reply(await other_admin.slash(other_channel, "library remove", article=mine.id)).content
    assert "No article" in reply(await other_admin.slash(other_channel, "library show", article=mine.id)).content
    listing = reply(await other_admin.slash(other_channel, "library list")).embeds[0].description
    assert "Harbour strike" not in listing
    assert len(env.errors) == 3


@pytest.mark.parametrize("name, data, error", [
    ("story.pdf", b"%PDF-1.4", "Unsupported file type"),
    ("empty.txt", b"", "file is empty"),
    ("binary.txt", b"\x00\x01\x02\x03" * 50, "binary"),
])
async def test_bad_attachments_get_an_ephemeral_error_and_nothing_is_stored(env, guild, channel, admin, name,
                                                                            data, error):
    result = await add_story(admin, channel, name=name, data=data)
    assert result.ephemeral and error in reply(result).content
    assert env.bot.service.library.articles([guild.id]) == []
    if name.endswith(".pdf"):  # refused before any import starts: the command's error path
        assert_error(env, BadInputError)
    else:  # found by the import job: its private progress message says why
        assert reply(result).content.startswith("❌ Import")


async def test_too_large_attachment_is_refused(env, guild, channel, admin):
    env.bot.settings.max_file_bytes = 1_000
    result = await add_story(admin, channel, data=b"x " * 2_000)
    assert result.ephemeral and "too large" in reply(result).content
    assert env.bot.service.library.articles([guild.id]) == []
    assert_error(env, BadInputError)


async def test_members_without_manage_server_are_refused_even_if_allowed_in_the_client(env, guild, channel, member):
    assert member.available_commands(channel) == ("ask", "digest", "follow add", "follow list", "follow remove", "help", "story")
    for command in await env.bot.tree.fetch_commands():
        if command.name in {"library", "settings", "stats"}:
            guild.set_command_permissions(command, {member: True})  # an admin widened the defaults
    for name, options in [("library add", {"file": ("a.txt", STORY.encode())}), ("library remove", {"article": 1}),
                          ("settings results", {"count": 3}), ("settings channel", {"channel": channel, "enabled": True}),
                          ("stats", {})]:
        result = await member.slash(channel, name, **options)
        assert result.ephemeral and "Manage Server" in reply(result).content, name
        assert_error(env, app_commands.MissingPermissions)
    assert env.bot.service.library.articles([guild.id]) == []
    assert env.bot.service.activity.settings(guild.id).results is None


async def test_settings_commands(env, guild, channel, admin):
    await admin.slash(channel, "settings results", count=2)
    await admin.slash(channel, "settings threshold", value=0.5)
    await admin.slash(channel, "settings reply-style", style="thread")
    await admin.slash(channel, "settings channel", channel=channel, enabled=True)
    shown = reply(await admin.slash(channel, "settings show"))
    assert shown.ephemeral
    for text in ("Results per answer:** 2", "threshold:** 0.50", "channels:** thread", f"<#{channel.id}>"):
        assert text in shown.content, text


async def test_channel_mode_answers_mentions_only_where_enabled(env, guild, channel, admin, member):
    quiet = guild.create_text_channel("quiet")
    await admin.slash(channel, "settings channel", channel=channel, enabled=True)
    bot_id = env.bot.user.id
    await member.send(quiet, f"<@{bot_id}> {TIKHORETSK_Q}")
    hint = quiet.last_message  # where mention mode is off: how to ask, not an answer
    assert hint.author.id == bot_id and "/ask" in hint.content and not hint.embeds
    await member.send(quiet, f"<@{bot_id}> and again?")
    assert quiet.last_message.author.id == member.id  # the hint once an hour per channel, not per mention
    await member.send(channel, f"<@{bot_id}> {TIKHORETSK_Q}")
    answer = channel.last_message
    assert answer.author.id == bot_id and "Tikhoretsk" in answer.embeds[0].fields[0].value
    await member.send(channel, TIKHORETSK_Q)  # not addressed to the bot
    assert channel.last_message.author.id == member.id
    await member.send(channel, "And how many containers were there?", reply_to=answer)
    assert channel.last_message.author.id == bot_id


async def test_channel_mode_can_answer_in_a_thread(env, guild, channel, admin, member):
    await admin.slash(channel, "settings channel", channel=channel, enabled=True)
    await admin.slash(channel, "settings reply-style", style="thread")
    await member.send(channel, f"<@{env.bot.user.id}> {TIKHORETSK_Q}")
    threads = channel.threads
    assert len(threads) == 1 and threads[0].last_message.embeds


async def test_stats_counts_and_chart(env, guild, channel, admin, member):
    await member.slash(channel, "ask", question=TIKHORETSK_Q)
    await member.slash(channel, "ask", question="How do I bake banana bread?")
    result = reply(await admin.slash(channel, "stats"))
    embed = result.embeds[0]
    values = {f.name: f.value for f in embed.fields}
    assert (values["Questions"], values["Answered"], values["Not in the library"]) == ("2", "1", "1")
    assert "banana bread" in values["Latest unanswered questions"]
    assert "passages" in values["Library (all servers)"] and "exact search" in values["Library (all servers)"]
    attachment = result.attachments[0]
    assert attachment.filename == "questions.png"
    assert (await attachment.read()).startswith(b"\x89PNG")


@pytest.mark.parametrize("question", [
    "**bold** _it_ `code` > quote ||spoiler||", "@everyone @here <@123> <@&456> where are the containers?",
    "לאן הלכו המכולות?", "containers 🚢⚓️ where?", "a\u202eb containers\u0007", "x" * 1000,
])
async def test_odd_questions_get_a_reply_and_no_error(env, channel, member, question):
    message = reply(await member.slash(channel, "ask", question=question))
    assert message.embeds and len(message.embeds[0].title) <= 256
    assert env.errors == []


async def test_unreadable_attachment_is_an_ephemeral_error(env, guild, channel, admin, monkeypatch):
    async def broken(self, **kwargs):
        raise discord.HTTPException(type("R", (), {"status": 404, "reason": "Not Found"})(), "gone")

    monkeypatch.setattr(discord.Attachment, "read", broken)
    result = await add_story(admin, channel)
    assert result.ephemeral and "couldn't download" in reply(result).content
    assert env.bot.service.library.articles([guild.id]) == []
    assert_error(env, BadInputError)


async def test_more_results_pages_six_to_ten_then_eleven_to_fifteen(env, channel, member):
    from tests.helpers import doc

    nouns = ("apple bridge candle dolphin engine forest guitar hammer island jacket kettle ladder mirror needle"
             " orchard pillow quarry ribbon saddle tunnel umbrella violin wagon yacht zipper anchor basket cactus"
             " desert feather glacier helmet igloo jungle kayak lantern meadow nectar oyster parrot quartz rocket"
             " sunset tiger unicorn valley walnut xylophone yogurt zebra acorn boulder canyon dragon ember falcon"
             " garnet harbor iris jasmine koala lemon mango nutmeg olive pepper quince radish spinach tomato").split()
    env.bot.service.library.add_documents([  # twenty articles, each about containers in words of its own
        doc(f"Containers {' '.join(nouns[n * 3:n * 3 + 3])}.", title=f"Containers {nouns[n * 3]}",
            url=f"u-containers-{n}") for n in range(20)])
    env.bot.service.settings.keyword_floor = 0.0  # one shared word: counted in full, so all twenty are shown
    first = reply(await member.slash(channel, "ask", question="containers", results=5))
    assert [f.name.split(".")[0] for f in first.embeds[0].fields] == ["1", "2", "3", "4", "5"]
    second = reply(await member.click(first.message, label="More results"))
    assert [f.name.split(".")[0] for f in second.embeds[0].fields] == ["6", "7", "8", "9", "10"]
    third = reply(await member.click(second.message, label="More results"))
    assert [f.name.split(".")[0] for f in third.embeds[0].fields] == ["11", "12", "13", "14", "15"]
    seen = [f.value for page in (first, second, third) for f in page.embeds[0].fields]
    assert len(seen) == len(set(seen)) == 15  # nothing skipped, nothing repeated


async def test_an_error_after_a_public_defer_is_private_and_names_an_id_for_the_log(env, channel, member, monkeypatch,
                                                                                     caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("server closed the connection: db.internal:5432")

    monkeypatch.setattr(env.bot.service, "ask", broken)
    result = await member.slash(channel, "ask", question=TIKHORETSK_Q)
    message = reply(result)
    assert message.ephemeral and "error `" in message.content and "db.internal" not in message.content
    error_id = message.content.split("`")[1]
    assert any(error_id in record.getMessage() for record in caplog.records)  # the admin can find it
    assert not channel.history()  # the public "thinking…" placeholder is gone: nothing was posted
    assert_error(env, RuntimeError)


async def test_a_button_s_error_is_reported_privately_and_never_leaves_thinking(env, channel, member, monkeypatch):
    message = reply(await member.slash(channel, "ask", question=TIKHORETSK_Q))

    async def broken(*args, **kwargs):
        raise RuntimeError("the library is gone")

    monkeypatch.setattr(env.bot.service, "more", broken)
    clicked = await member.click(message.message, label="More results")
    shown = reply(clicked)
    assert shown.ephemeral and "Something went wrong on my side (error `" in shown.content


async def test_a_mention_is_a_question_with_no_traceback_and_a_bare_one_gets_a_hint(env, guild, channel, admin, member,
                                                                                    caplog):
    await admin.slash(channel, "settings channel", channel=channel, enabled=True)
    bot_id = env.bot.user.id
    before = len(channel.history())
    await member.send(channel, f"<@{bot_id}> sync")  # once the owner's command word: now just a question
    assert len(channel.history()) == before + 2 and channel.last_message.embeds
    await member.send(channel, f"<@{bot_id}>")
    assert "Ask me a question" in channel.last_message.content
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no CommandNotFound traceback per mention
