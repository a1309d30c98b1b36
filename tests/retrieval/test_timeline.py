"""Timelines on a small library (fake model): key days from publication and named days, cited."""

from retrieval.stories import StoryIndex
from retrieval.timeline import timeline_for_question, timeline_for_story
from tests.helpers import doc

SPILL = [
    ("2010-04-21", "Rig explodes in the Gulf", "The Deepwater rig exploded on Tuesday and burned in the Gulf. "
                                               "Eleven rig workers are missing after the Gulf explosion."),
    ("2010-04-23", "Rig sinks", "The burning Deepwater rig sank in the Gulf on Thursday. "
                                "The rig explosion on 20 April left oil leaking into the Gulf."),
    ("2010-04-23", "Oil leak grows", "Oil from the sunken Deepwater rig spread across the Gulf. "
                                     "The rig exploded on Tuesday, officials recalled."),
    ("2010-05-02", "Obama visits the Gulf", "President Obama visited the Gulf coast on Sunday to see the oil."),
]
OTHER = ("2010-04-22", "Council budget", "The Lindholm council passed its harbour budget on Wednesday.")


def fill(library):
    for number, (day, title, text) in enumerate([*SPILL, OTHER]):
        library.add_documents([doc(text, url=f"u{number}", title=title, date=day, source="Wire")])


def test_the_busiest_and_most_named_days_are_chosen_with_what_happened(library):
    fill(library)
    entries = timeline_for_question(library, "the Deepwater rig explosion and Gulf oil leak", dates=2,
                                    sentences_per_date=1, since="2010-04-15", until="2010-04-30")
    assert [e.date for e in entries] == ["2010-04-20", "2010-04-23"]  # named three times; two reports
    assert "explo" in entries[0].sentences[0] and entries[0].citations
    assert all(e.citations[0].source == "Wire" for e in entries)


def test_the_window_bounds_the_days(library):
    fill(library)
    entries = timeline_for_question(library, "the Deepwater rig explosion and Gulf oil leak", dates=5,
                                    since="2010-04-22", until="2010-05-10")
    assert entries and all("2010-04-22" <= e.date <= "2010-05-10" for e in entries)
    assert all("council" not in " ".join(e.sentences).lower() for e in entries)


def test_a_storys_timeline_uses_its_articles(library):
    fill(library)
    index = StoryIndex(library, threshold=0.0)  # everything one story: the story's own days
    index.catch_up()
    story = index.stories([None])[0]
    entries = timeline_for_story(library, index, story.id, dates=10, sentences_per_date=2)
    assert len(entries) >= 4 and entries == sorted(entries, key=lambda e: e.date)
    assert timeline_for_story(library, index, 999_999) == []
