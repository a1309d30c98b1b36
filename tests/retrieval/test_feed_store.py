"""Followed feeds and seen entries in the store."""

import time

import pytest

from retrieval.errors import BadInputError
from retrieval.feed_store import MAX_FEEDS_PER_SERVER, RETRY_ATTEMPTS, FeedStore


@pytest.fixture
def feeds(library):
    return FeedStore(library.store)


def test_follow_list_and_remove_per_scope(feeds):
    mine = feeds.add("https://a.example/feed", 7, "A news", channel_id=99)
    feeds.add("https://a.example/feed", None)  # the same feed for the global library is another feed
    assert [f.url for f in feeds.list(7)] == ["https://a.example/feed"] and mine.channel_id == 99
    assert len(feeds.list(every=True)) == 2
    with pytest.raises(BadInputError, match="already followed"):
        feeds.add("https://a.example/feed", 7)
    with pytest.raises(BadInputError, match="No feed"):
        feeds.remove(mine.id, 8)  # another server's
    assert feeds.remove(mine.id, 7).title == "A news" and feeds.list(7) == []


def test_a_server_follows_a_bounded_number_of_feeds(feeds):
    for n in range(MAX_FEEDS_PER_SERVER):
        feeds.add(f"https://a.example/{n}", 7)
    with pytest.raises(BadInputError, match="remove one first"):
        feeds.add("https://a.example/one-more", 7)


def test_due_feeds_and_the_poll_record(feeds):
    feed = feeds.add("https://a.example/feed", None)
    assert [f.id for f in feeds.due()] == [feed.id]  # a new feed is polled at once
    feeds.polled(feed, next_poll=time.time() + 600, etag='"v1"', modified="Tue", title="Renamed", added=3)
    assert feeds.due() == []
    again = feeds.get(feed.id)
    assert (again.etag, again.modified, again.title, again.added, again.failures) == ('"v1"', "Tue", "Renamed", 3, 0)
    feeds.polled(again, next_poll=time.time() - 1, error="HTTP 500")
    failing = feeds.get(feed.id)
    assert failing.failures == 1 and failing.last_error == "HTTP 500" and failing.etag == '"v1"'
    assert [f.id for f in feeds.due()] == [feed.id]


def test_entries_seen_and_retried_a_bounded_number_of_times(feeds):
    feed = feeds.add("https://a.example/feed", None)
    feeds.mark(feed.id, {"a": "added", "b": "retry", "c": "skipped", "d": "failed"})
    assert feeds.unseen(feed.id, ["a", "b", "c", "d", "e"]) == {"b", "e"}
    for _ in range(RETRY_ATTEMPTS - 1):
        feeds.mark(feed.id, {"b": "retry"})
    assert feeds.unseen(feed.id, ["b"]) == set()  # given up after its attempts


def test_due_feeds_are_taken_once_for_a_lease(feeds):
    feed = feeds.add("https://a.example/feed", None)
    assert [f.id for f in feeds.claim_due(600)] == [feed.id]
    assert feeds.claim_due(600) == []  # another process asking now gets nothing
    assert [f.id for f in feeds.claim_due(600, now=time.time() + 601)] == [feed.id]  # the lease ran out


def test_filters_match_whole_words_and_phrases_any_case(feeds):
    from retrieval.feed_store import FeedFilter

    rules = FeedFilter(include=("strike", "port authority"), exclude=("football",))
    assert rules.keeps("Harbour STRIKE enters day 3")
    assert rules.keeps("The Port Authority met the union")
    assert not rules.keeps("Strikers win the football cup")  # "strikers" is not "strike"; football excluded
    assert not rules.keeps("Weather: sunny")
    assert FeedFilter().keeps("anything at all")


def test_filters_are_per_feed_and_server_and_count_what_was_not_posted(feeds):
    feed = feeds.add("https://a.example/feed", 7)
    with pytest.raises(BadInputError, match="No feed"):
        feeds.set_filters(feed.id, 8, "strike", "")
    assert feeds.set_filters(feed.id, 7, " Strike, strike ,ferry", "").include == ("strike", "ferry")
    feeds.count_unposted(feed.id, filtered=2)
    feeds.count_unposted(feed.id, folded=3)
    rules = feeds.filters(feed.id)
    assert (rules.filtered, rules.folded, rules.include) == (2, 3, ("strike", "ferry"))
