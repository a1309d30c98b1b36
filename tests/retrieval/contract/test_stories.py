"""Stories kept by every backend: placed once, listed by scope, rebuilt the same, announced once."""

from retrieval.stories import StoryIndex
from tests.helpers import doc

QUAKE = "A magnitude 6.1 earthquake struck Sumatra in Indonesia on Monday, officials in Jakarta said."
BUDGET = "The Lindholm council passed the harbour budget on Tuesday after a long debate."


def test_every_article_joins_one_story_and_reports_of_one_event_share_it(library):
    library.add_documents([doc(QUAKE, url="a", source="Daily", date="2024-01-01", title="Quake hits Sumatra"),
                           doc(QUAKE + " Rescuers arrived.", url="b", source="Herald", date="2024-01-02"),
                           doc(BUDGET, url="c", source="Daily", date="2024-01-02")])
    index = StoryIndex(library, threshold=0.3)
    assert index.catch_up() == 3 and index.catch_up() == 0
    stories = index.stories([None])
    assert sorted(len(s.articles) for s in stories) == [1, 2]
    quake = next(s for s in stories if len(s.articles) == 2)
    assert quake.publishers == ["Daily", "Herald"] and quake.dates == ("2024-01-01", "2024-01-02")
    assert quake.title == "Quake hits Sumatra" or quake.title.startswith("A magnitude")
    assert index.stories([None], since="2024-01-02", story_ids=[quake.id])[0].articles[0].url == "b"


def test_a_servers_articles_are_seen_only_in_its_scope(library):
    library.add_documents([doc(QUAKE, url="a")])
    library.add_documents([doc(BUDGET, url="p")], guild_id=7)
    index = StoryIndex(library)
    index.catch_up()
    assert {a.url for s in index.stories([None]) for a in s.articles} == {"a"}
    assert {a.url for s in index.stories([None, 7]) for a in s.articles} == {"a", "p"}
    assert set(index.stories_of_links(["p", "a"], 7)) == {"p"}


def test_rebuilding_gives_the_stories_of_arrival_order(library):
    texts = [QUAKE, BUDGET, QUAKE + " Aid arrived.", BUDGET + " The mayor agreed.", "Storm floods the valley."]
    for number, text in enumerate(texts):
        library.add_documents([doc(text, url=f"u{number}")])
        StoryIndex(library).catch_up()  # a new process each time: the model is read back from the store
    index = StoryIndex(library)
    online = index.story_of([a.id for a in library.articles([None])])
    assert index.rebuild() == 5
    assert index.story_of(list(online)) == online


def test_a_story_is_announced_once_per_channel(library):
    library.add_documents([doc(QUAKE, url="a")])
    index = StoryIndex(library)
    index.catch_up()
    story = index.stories_of_links(["a"], None)["a"]
    assert index.first_notices(5, [story]) == [story]
    assert index.first_notices(5, [story]) == [] and index.first_notices(6, [story]) == [story]


def test_a_digest_ranks_the_periods_stories_by_publishers(library):
    from retrieval.stories import digest

    library.add_documents([doc(QUAKE, url="a", source="Daily", date="2024-01-02"),
                           doc(QUAKE + " Rescuers arrived.", url="b", source="Herald", date="2024-01-02"),
                           doc(BUDGET, url="c", source="Daily", date="2024-01-02"),
                           doc(BUDGET + " Long ago.", url="d", source="Daily", date="2023-01-02")])
    index = StoryIndex(library, threshold=0.3)
    index.catch_up()
    ranked = digest(index, [None], "2024-01-01", "2024-01-03")
    assert [len(s.publishers) for s in ranked] == [2, 1]
    assert all(a.date >= "2024-01-01" for s in ranked for a in s.articles)


def test_stories_settled_again_are_stored_and_seen_by_every_process(library):
    library.add_documents([doc(QUAKE, url="a"), doc(QUAKE + " Rescuers arrived.", url="b")])
    apart = StoryIndex(library, threshold=0.99, settle_window=0)  # online alone: each its own story
    apart.catch_up()
    assert len(apart.stories([None])) == 2
    library.add_documents([doc(BUDGET, url="c")])
    settling = StoryIndex(library, threshold=0.3)  # another process, which settles the window again
    settling.catch_up()
    ids = [a.id for a in library.articles([None])]
    stored = settling.story_of(ids)
    assert sorted(len(s.articles) for s in settling.stories([None])) == [1, 2]
    assert {aid: apart._current_model().story_of[aid] for aid in ids} == stored  # read back, not stale
