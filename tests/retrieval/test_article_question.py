import pytest

from retrieval.article_question import (
    about_article,
    about_writer,
    article_fact,
    mentions_writing,
    named_authors,
    named_sources,
    without_names,
)
from retrieval.records import Article


@pytest.mark.parametrize(("question", "detail", "topic"), [
    ("Who wrote the BBC article?", "author", "BBC"),
    ("Who is the author of the article about the river floods?", "author", "river floods"),
    ("Which reporter wrote about the budget?", "author", "budget"),
    ("Which outlet reported on the North Korean shipments?", "source", "North Korean shipments"),
    ("Who published the piece on the bridge?", "source", "bridge"),
    ("Where was the story about the floods published?", "source", "floods"),
    ("When was the story about the floods published?", "date", "floods"),
    ("What day was this article published?", "date", ""),
])
def test_a_question_about_an_article_names_the_detail_and_its_topic(question, detail, topic):
    about = about_article(question)
    assert about is not None and (about.detail, about.topic) == (detail, topic)


@pytest.mark.parametrize("question", [
    "Who wrote the letter to the UN?",  # a letter is not an article
    "Who is the author of Harry Potter?",
    "Which journalist was arrested in Russia?",  # a journalist in the news
    "Which newspaper was sued by the president?",
    "When was the aid published?",
    "Who wrote the letter about the story?",  # the article noun is not what was written
])
def test_a_question_about_the_news_is_not_read_as_one_about_the_article(question):
    assert about_article(question) is None


def test_a_named_publisher_is_found_by_its_distinctive_words_only():
    sources = ["BBC News", "The New York Times", "Reuters", ""]
    assert named_sources("Who wrote the BBC article?", sources) == ("BBC News",)
    assert named_sources("Who wrote the Times article?", sources) == ()  # "Times" alone is too general
    assert named_sources("Who wrote the New York Times article?", sources) == ("The New York Times",)
    assert named_sources("Who wrote the Times article?", ["The Times"]) == ("The Times",)
    assert named_sources("Did reutersx publish it?", sources) == ()


def test_the_named_publisher_leaves_the_topic():
    assert without_names("BBC floods", ["BBC News"]) == "floods"


def test_each_detail_is_said_of_the_article_or_said_to_be_missing():
    known = Article(id=1, title="Flood", source="Daily", author="Ann", date="2024-01-02", url="https://d/x", path="")
    unknown = Article(id=2, title="Bridge", source="", author="", date="", url="https://e/y", path="")
    assert article_fact("author", known) == "“Flood” (Daily, 2024-01-02) was written by Ann."
    assert article_fact("author", unknown) == "“Bridge” does not name its author."
    assert article_fact("source", known) == "“Flood” was published by Daily on 2024-01-02."
    assert article_fact("source", unknown) == "“Bridge” does not name its publisher (https://e/y)."
    assert article_fact("date", known) == "“Flood” (Daily) was published on 2024-01-02."
    assert article_fact("date", unknown) == "“Bridge” carries no date."


def test_a_writer_is_named_by_the_full_name_of_a_person_in_a_byline():
    bylines = ["By Matt Murphy and Jane Roe", "Ana Lee, Tom Reed", "Cher"]
    assert named_authors("what did matt murphy write?", bylines) == ("Matt Murphy",)
    assert named_authors("Which outlet ran Tom Reed's piece?", bylines) == ("Tom Reed",)
    assert named_authors("What did Murphy write?", bylines) == ()  # a surname alone names no one
    assert named_authors("What did Cher write?", bylines) == ()  # one word is too little to be sure


def test_a_question_about_a_writer_asks_the_detail_its_words_say():
    assert about_writer("Which newspaper does Matt Murphy write for?").detail == "source"
    assert about_writer("When did Matt Murphy write about the floods?").detail == "date"
    about = about_writer("What did Matt Murphy write about the floods?")
    assert about.detail == "author" and without_names(about.topic, ["Matt Murphy"]) == "floods"
    assert without_names("publisher's Murphy's", ["Matt Murphy"]) == "publisher's"


def test_only_questions_about_writing_are_matched_against_bylines():
    assert mentions_writing("What did Matt Murphy write about?")
    assert mentions_writing("Which stories by Matt Murphy mention Najin?")
    assert not mentions_writing("What did Matt Murphy say about the floods?")
