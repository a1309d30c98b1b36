"""/library add url: and /feeds, driven through simcord against a local web server."""

import pytest
from discord import app_commands
from simcord import assert_error

from retrieval.errors import BadInputError
from retrieval.fetch import FetchError
from tests.web_server import LocalSite, sample_story


def reply(result):
    return result.followups[-1] if result.followups else result.response


@pytest.fixture
async def site():
    server = LocalSite()
    await server.start()
    for number in (1, 2):
        server.add_story(sample_story(number, paragraphs=[
            f"Lighthouse keepers on the island of Skarvik counted {number * 100} seals this spring, "
            "the highest number since records began.",
            "Biologists say the colder water brought more fish close to the shore."]))
    yield server
    await server.stop()


async def test_library_add_by_link_fetches_the_page_into_this_server(env, guild, channel, admin, site):
    message = reply(await admin.slash(channel, "library add", url=f"{site.base}/news/story-1"))
    assert message.ephemeral and "added 1" in message.content
    articles = env.bot.service.library.articles([guild.id])
    assert any(a.guild_id == guild.id and a.url == f"{site.base}/news/story-1" for a in articles)
    failed = reply(await admin.slash(channel, "library add", url=f"{site.base}/news/missing"))
    assert "failed 1" in failed.content and "HTTP 404" in failed.content


async def test_library_add_needs_a_file_or_a_link(env, channel, admin):
    result = await admin.slash(channel, "library add", title="Nothing")
    assert result.ephemeral and "Attach an article file" in reply(result).content
    assert_error(env, BadInputError)


async def test_feeds_add_polls_posts_a_notice_and_answers_from_the_new_articles(env, guild, channel, admin, site):
    url = site.add_feed("seals", "Skarvik news", ["story-2", "story-1"])
    added = reply(await admin.slash(channel, "feeds add", url=url, channel=channel))
    assert added.ephemeral and "Following" in added.content and "Skarvik news" in added.content
    reports = await env.bot.get_cog("FeedCommands").poll_once()  # the loop's round (no loop under simcord)
    assert [len(r.added) for r in reports] == [2]
    await env.settle()
    notice = channel.history()[-1].content  # the two reports of one strike are one story: one line
    assert notice.count("\n• ") == 1 and "(2 reports, from Skarvik news)" in notice
    assert f"<{site.base}/news/story-" in notice
    listed = reply(await admin.slash(channel, "feeds list"))
    assert "Skarvik news" in listed.embeds[0].description and "2 added" in listed.embeds[0].description
    asked = reply(await admin.slash(channel, "ask", question="How many seals did the Skarvik lighthouse keepers count?"))
    assert "seals" in asked.embeds[0].fields[0].value
    feed_id = env.bot.service.feeds.list(guild.id)[0].id
    removed = reply(await admin.slash(channel, "feeds remove", feed=feed_id))
    assert "Stopped following" in removed.content and env.bot.service.feeds.list(guild.id) == []


async def test_feeds_add_refuses_what_is_not_a_feed_and_members_without_manage_server(env, channel, admin,
                                                                                      member, site):
    result = await admin.slash(channel, "feeds add", url=f"{site.base}/news/story-1")
    assert "not a feed" in reply(result).content
    assert_error(env, FetchError)
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == "feeds")
    channel.guild.set_command_permissions(command, {member: True})  # an admin widened the defaults
    refused = await member.slash(channel, "feeds list")
    assert refused.ephemeral and "Manage Server" in reply(refused).content
    assert_error(env, app_commands.MissingPermissions)
