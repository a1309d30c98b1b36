"""Settings, activity and feeds: their portable SQL works on every store."""

import time

import pytest

from retrieval.activity import Activity
from retrieval.errors import BadInputError
from retrieval.feed_store import RETRY_ATTEMPTS, FeedStore


@pytest.fixture
def store(library):
    """The library's store."""
    return library.store


def test_settings_channels_questions_feedback_and_stats(store):
    activity = Activity(store)
    assert activity.update(42, results=3, min_score=0.3).results == 3
    activity.set_channel(42, 7, True)
    activity.set_channel(42, 7, True)
    assert activity.channel_enabled(42, 7) and activity.settings(42).channels == [7]
    first = activity.record_question(42, "Where did the boats go?", True, 0.8, 2)
    second = activity.record_question(42, "What about the ferry?", False, 0.1, 0)
    assert second == first + 1 and activity.question(first).question == "Where did the boats go?"
    activity.record_feedback(first, 99, True)
    activity.record_feedback(first, 99, False)  # replaces
    stats = activity.stats(42)
    assert (stats.asked, stats.answered, stats.helpful, stats.not_helpful) == (2, 1, 0, 1)
    assert stats.latest_unanswered[0][1] == "What about the ferry?" and sum(a + u for _, a, u in stats.per_day) == 2


def test_feeds_follow_claim_mark_and_retry(store):
    feeds = FeedStore(store)
    feed = feeds.add("https://a.example/feed", 42, "A", channel_id=7)
    with pytest.raises(BadInputError, match="already followed"):
        feeds.add("https://a.example/feed", 42)
    assert [f.id for f in feeds.claim_due(600)] == [feed.id] and feeds.claim_due(600) == []
    feeds.polled(feed, next_poll=time.time() - 1, etag='"v1"', title="A news", added=2)
    assert feeds.get(feed.id).etag == '"v1"' and feeds.get(feed.id).added == 2
    feeds.mark(feed.id, {"a": "added", "b": "retry"})
    assert feeds.unseen(feed.id, ["a", "b", "c"]) == {"b", "c"} and feeds.pending(feed.id)
    for _ in range(RETRY_ATTEMPTS - 1):
        feeds.mark(feed.id, {"b": "retry"})
    assert feeds.unseen(feed.id, ["b"]) == set() and not feeds.pending(feed.id)
    assert feeds.remove(feed.id, 42).title == "A news" and feeds.list(42) == []


def test_feed_filters_and_their_counts_are_kept(library):
    from retrieval.feed_store import FeedStore

    feeds = FeedStore(library.store)
    feed = feeds.add("https://a.example/feed", 7)
    feeds.set_filters(feed.id, 7, "strike, ferry", "football")
    feeds.count_unposted(feed.id, filtered=2, folded=1)
    feeds.set_filters(feed.id, 7, "strike", "")  # the counts survive new filters
    rules = feeds.filters(feed.id)
    assert (rules.include, rules.exclude, rules.filtered, rules.folded) == (("strike",), (), 2, 1)


def test_digest_schedules_are_due_once_a_period(library):
    from retrieval.digests import DigestSchedules

    schedules = DigestSchedules(library.store)
    schedules.set(7, 70, "daily")
    schedules.set(7, 71, "weekly")
    now = schedules.list(7)[0].last_sent
    assert schedules.due(now + 3600) == []
    assert [s.channel_id for s in schedules.due(now + 86_401)] == [70]
    assert schedules.due(now + 86_402) == []
    assert schedules.set(7, 71, "off") is None and [s.channel_id for s in schedules.list(7)] == [70]


def test_a_logged_question_keeps_its_asking_day(library):
    from retrieval.records import Filters

    activity = Activity(library.store)
    qid = activity.record_question(7, "Where did the ships go?", True, 0.9, 3,
                                   Filters(sources=("Herald",), as_of="2024-05-03"))
    logged = activity.question(qid)
    assert logged.filters.as_of == "2024-05-03" and logged.filters.sources == ("Herald",)
