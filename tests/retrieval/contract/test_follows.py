"""Followed questions on every backend: matched by new articles only, once per story, within limits."""

import pytest

from retrieval import follows as follows_module
from retrieval.errors import BadInputError
from retrieval.follows import FollowStore
from retrieval.stories import StoryIndex
from tests.helpers import doc

QUESTION = "Where did the harbour strike ships go?"
ANSWER = "The harbour strike ships went to Lindholm port after the harbour strike ended."


@pytest.fixture
def follows(library, monkeypatch):
    monkeypatch.setattr(follows_module, "FLOOR", 0.1)  # the fake model's cosines are small
    library.add_documents([doc("The council passed the budget on Tuesday.", url="old")])
    stories = StoryIndex(library)
    stories.catch_up()
    return FollowStore(library, stories)


def arrive(library, follows, *docs, guild_id=None):
    library.add_documents(list(docs), guild_id=guild_id)
    follows.stories.catch_up()


def test_a_new_article_answering_better_is_a_match_once(library, follows):
    followed = follows.add(QUESTION, guild_id=7, channel_id=70)
    assert follows.matches() == []
    arrive(library, follows, doc(ANSWER, url="new", title="Strike ships"))
    found = follows.matches(record=True, today="2024-05-01")
    assert [(m.follow.id, m.url) for m in found] == [(followed.id, "new")]
    assert follows.matches() == []  # checked past it: nothing new
    arrive(library, follows, doc(ANSWER + " Crews rested.", url="copy"))  # the same story again
    assert follows.matches(record=True, today="2024-05-01") == []


def test_another_servers_articles_and_unrelated_ones_never_match(library, follows):
    follows.add(QUESTION, guild_id=7, channel_id=70)
    arrive(library, follows, doc(ANSWER, url="theirs"), guild_id=8)
    arrive(library, follows, doc("Football results from the weekend league.", url="sport"))
    assert follows.matches() == []


def test_daily_limit_per_question(library, follows, monkeypatch):
    monkeypatch.setattr(follows_module, "PER_QUESTION_PER_DAY", 1)
    monkeypatch.setattr(follows_module, "MARGIN", -1.0)  # every relevant story would count
    follows.add(QUESTION, guild_id=7, channel_id=70)
    arrive(library, follows, doc(ANSWER, url="a"), doc("Harbour strike ships sank in a storm far away.", url="b"))
    assert len(follows.matches(today="2024-05-01")) == 1


def test_list_and_remove_are_per_server(library, follows):
    mine = follows.add(QUESTION, guild_id=7, channel_id=70)
    follows.add("Who won the election?", guild_id=8, user_id=5)
    assert [f.question for f in follows.list(7)] == [QUESTION]
    with pytest.raises(BadInputError):
        follows.remove(mine.id, 8)
    assert follows.remove(mine.id, 7).id == mine.id and follows.list(7) == []
    with pytest.raises(BadInputError):
        follows.add("   ", guild_id=7)
