import pytest

from retrieval.headlines import asks_for_headlines, story_hit
from retrieval.records import Article
from retrieval.stories import Story


@pytest.mark.parametrize("question", [
    "What's the latest news?", "What happened this week?", "What happened on Friday?", "What's new?",
    "Any news today?", "What are the top stories?", "What happened in March 2024?",
])
def test_a_question_naming_no_topic_asks_for_the_news(question):
    assert asks_for_headlines(question)


@pytest.mark.parametrize("question", [
    "What happened to the bridge this week?", "What's the latest on Ukraine?",
    "Is there anything new about the floods?", "Who won the election?", "When is the new bridge opening?",
])
def test_a_question_about_something_is_searched(question):
    assert not asks_for_headlines(question)


def article(id, source, date, title="T"):
    return Article(id=id, title=title, source=source, author="", date=date, url=f"https://x/{id}", path="")


def test_a_story_shows_its_central_article_s_opening_and_other_publishers_newest_first():
    central = article(1, "Daily", "2024-01-02", "Flood")
    story = Story(7, "Flood", [central, article(2, "Daily", "2024-01-03"), article(3, "Post", "2024-01-03"),
                               article(4, "Wire", "2024-01-04")])
    hit = story_hit(story, "The river rose. Boats came.\n\nMore later.", central)
    assert hit.text == "The river rose. Boats came." and hit.highlight == "The river rose."
    assert [a.id for a in hit.also_reported_by] == [4, 3]  # one per other publisher
    assert story_hit(story, "x", central, max_also=1).also_reported_by == [story.articles[3]]
