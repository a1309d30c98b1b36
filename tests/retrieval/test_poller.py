"""Polling feeds from a local server into a library: new entries only, conditional requests,
backoff for dead feeds, a hostile feed never holding up the others."""

import random
import time

import pytest

from config.allow_list import AllowList
from retrieval.feed_store import FeedStore
from retrieval.fetch import Fetcher, FetchPolicy
from retrieval.poller import FeedPoller, next_poll_time
from tests.web_server import LocalSite, sample_story


@pytest.fixture
async def site():
    server = LocalSite()
    server.drip_seconds = 0.2
    await server.start()
    for number in range(1, 8):
        server.add_story(sample_story(number, date=f"2024-05-{number:02d}"))
    yield server
    await server.stop()


@pytest.fixture
async def poller(library, site):
    async with Fetcher(FetchPolicy(allow=AllowList.parse("127.0.0.1"), timeout=2.0, backoff=0.01)) as fetcher:
        yield FeedPoller(library, FeedStore(library.store), fetcher, interval=600, max_new=50, deadline=5.0)


async def test_new_entries_are_added_once_and_a_304_costs_nothing(site, poller, library):
    feed = poller.feeds.add(site.add_feed("harbour", "Harbour news", ["story-2", "story-1"]), None)
    report = await poller.poll(feed)
    assert report.new == 2 and len(report.added) == 2 and not report.failed
    assert {a.url for a in library.articles()} == {f"{site.base}/news/story-1", f"{site.base}/news/story-2"}
    assert library.articles()[0].source == "Harbour Gazette" and library.articles()[0].date == "2024-05-02"
    again = await poller.poll(poller.feeds.get(feed.id))
    assert again.not_modified and site.requests.count("/news/story-1") == 1
    site.feeds["harbour"] = ("Harbour news", ["story-3", "story-2", "story-1"])
    third = await poller.poll(poller.feeds.get(feed.id))
    assert third.new == 1 and third.added == [("Harbour strike day 3: talks resume", f"{site.base}/news/story-3")]
    assert poller.feeds.get(feed.id).added == 3 and poller.feeds.get(feed.id).title == "Harbour news"


async def test_articles_go_to_the_following_servers_library(site, poller, library):
    feed = poller.feeds.add(site.add_feed("harbour", "Harbour news", ["story-1"]), 42)
    await poller.poll(feed)
    assert [a.guild_id for a in library.articles([42])] == [42] and library.articles([None]) == []


async def test_only_the_newest_entries_of_a_long_feed_are_taken(site, poller):
    poller.max_new = 3
    feed = poller.feeds.add(site.add_feed("long", "Long", [f"story-{n}" for n in range(1, 8)]), None)
    report = await poller.poll(feed)
    assert report.new == 7 and report.skipped == 4
    assert [link.rsplit("-", 1)[1] for _, link in report.added] == ["7", "6", "5"]
    assert (await poller.poll(poller.feeds.get(feed.id))).not_modified


async def test_an_entry_whose_page_fails_falls_back_to_the_feeds_text_or_is_given_up(site, poller, library):
    site.gone = {"story-1", "story-2"}
    with_text = site.add_feed("harbour", "Harbour news", ["story-1"]) + "?summaries=1"
    report = await poller.poll(poller.feeds.add(with_text, None))
    assert len(report.added) == 1 and "Lindholm" in library.store.article_body(library.articles()[0].id)
    bare = await poller.poll(poller.feeds.add(site.add_feed("bare", "Bare", ["story-2"]), None))
    assert bare.added == [] and bare.failed == [(f"{site.base}/news/story-2", "the server answered HTTP 404")]


async def test_a_page_that_fails_for_a_passing_reason_is_tried_again_at_the_next_poll(site, poller):
    site.busy = {"story-1"}
    feed = poller.feeds.add(site.add_feed("harbour", "Harbour news", ["story-1"]), None)
    first = await poller.poll(feed)
    assert first.added == [] and "HTTP 503" in first.failed[0][1]
    site.busy = set()
    second = await poller.poll(poller.feeds.get(feed.id))  # unchanged feed, read again for the retry
    assert not second.not_modified and len(second.added) == 1


async def test_a_dead_feed_backs_off_and_a_malformed_one_says_why(site, poller):
    dead = poller.feeds.add(f"{site.base}/status/500", None)
    report = await poller.poll(dead)
    assert "HTTP 500" in report.error
    first = poller.feeds.get(dead.id)
    assert first.failures == 1 and first.next_poll > time.time() + 600
    broken = await poller.poll(poller.feeds.add(f"{site.base}/malformed.xml", None))
    assert "not an RSS or Atom feed" in broken.error


async def test_a_slow_feed_does_not_hold_up_the_others(site, poller):
    good = poller.feeds.add(site.add_feed("harbour", "Harbour news", ["story-1"]), None)
    slow = poller.feeds.add(f"{site.base}/drip.xml", None)
    started = time.monotonic()
    reports = {r.feed.id: r for r in await poller.poll_many([slow, good])}
    assert len(reports[good.id].added) == 1 and "no complete answer" in reports[slow.id].error
    assert time.monotonic() - started < 4


def test_next_poll_doubles_per_failure_up_to_a_day_with_jitter():
    rng = random.Random(1)
    waits = [next_poll_time(0, 600, failures, rng) for failures in (0, 1, 2, 20)]
    assert 540 <= waits[0] <= 660 and 1080 <= waits[1] <= 1320 and 2160 <= waits[2] <= 2640
    assert 0.9 * 86400 <= waits[3] <= 1.1 * 86400


async def test_a_feed_of_thousands_of_entries_takes_only_the_newest(site, poller):
    for number in range(8, 3008):
        site.add_story(sample_story(number, date=f"2023-{1 + number % 12:02d}-{1 + number % 28:02d}"))
    poller.max_new = 5
    feed = poller.feeds.add(site.add_feed("huge", "Huge", [f"story-{n}" for n in range(1, 3008)]), None)
    started = time.monotonic()
    report = await poller.poll(feed)
    assert report.entries == 3007 and len(report.added) == 5 and report.skipped == 3002
    assert sum(path.startswith("/news/") for path in site.requests) == 5
    assert time.monotonic() - started < 30
    assert (await poller.poll(poller.feeds.get(feed.id))).not_modified


async def test_keyword_filters_leave_entries_out_and_count_them(site, poller, library):
    site.add_story(sample_story(8, title="Ferry timetable changes for the winter"))
    feed = poller.feeds.add(site.add_feed("mixed", "Mixed", ["story-8", "story-2", "story-1"]), None)
    poller.feeds.set_filters(feed.id, None, include="strike, ferry", exclude="day 1")
    report = await poller.poll(feed)
    assert report.new == 3 and report.filtered == 1
    assert sorted(title for title, _ in report.added) == ["Ferry timetable changes for the winter",
                                                         "Harbour strike day 2: talks resume"]
    rules = poller.feeds.filters(feed.id)
    assert rules.include == ("strike", "ferry") and rules.exclude == ("day 1",) and rules.filtered == 1
    assert "filtered 1" in report.summary()
