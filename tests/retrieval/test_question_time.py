import datetime as dt

import pytest

from retrieval.question_time import time_lean, time_window

ASKED = dt.date(2022, 6, 16)  # a Thursday


@pytest.mark.parametrize(("question", "since", "until"), [
    ("What did the senators agree on this week?", "2022-06-09", "2022-06-16"),
    ("Who resigned yesterday?", "2022-06-14", "2022-06-16"),
    ("What happened today in Kyiv?", "2022-06-15", "2022-06-16"),
    ("What did the court decide last week?", "2022-06-02", "2022-06-16"),
    ("Which company went public this month?", "2022-05-16", "2022-06-16"),
    ("Who won on Tuesday?", "2022-06-14", "2022-06-16"),
    ("What did the Fed do in March?", "2022-03-01", "2022-04-07"),
    ("What did the Fed do in August?", "2021-08-01", "2021-09-07"),  # the latest August before the asking day
    ("Which team has won since May?", "2022-05-01", "2022-06-16"),
    ("Who won the election in 2020?", "2020-01-01", "2021-01-07"),
    ("How many records fell this year?", "2022-01-01", "2022-06-16"),
])
def test_words_about_time_set_a_window_counted_from_the_asking_day(question, since, until):
    window = time_window(question, ASKED)
    assert window is not None and (window.since.isoformat(), window.until.isoformat()) == (since, until)


@pytest.mark.parametrize("question", ["Who may win the March for Science?", "What is the capital of Peru?",
                                      "What happens in 2030?", "Which weekday is best?"])
def test_questions_without_a_time_or_about_the_future_set_none(question):
    assert time_window(question, ASKED) is None


@pytest.mark.parametrize("question, lean", [
    ("What is the latest on the strike?", "recent"),
    ("Which show was recently renewed?", "recent"),
    ("Who is currently leading the talks?", "recent"),
    ("What did officials say initially about the leak?", "early"),
    ("What were the first reports of the earthquake?", "early"),
    ("How did it start?", "early"),
    ("Gas hit $5 for the first time: which state is dearest?", ""),  # "first time" is the event's
    ("Who won the final?", ""),
    ("What is the name of the latest epoch?", ""),
    ("What was the museum originally called?", ""),
    ("What were the earliest reports of the leak?", "early"),  # a thing asked about, not the newest reports
    ("Any news on the strike? What's the latest?", "recent"),
])
def test_words_that_lean_towards_the_newest_or_the_first_reporting(question, lean):
    assert time_lean(question) == lean


def test_leaning_words_are_left_out_of_the_keyword_words():
    from retrieval.question_time import without_lean_words

    assert without_lean_words("What is the latest on the BP oil spill?").split() == ["what", "is", "the", "on",
                                                                                     "the", "bp", "oil", "spill?"]
    assert "recently" not in without_lean_words("Which show was recently renewed?")
    assert "currently" in without_lean_words("Which party is currently the largest?")  # says what about


def test_a_window_and_a_lean_are_described_for_the_reply():
    from retrieval.question_time import describe_lean, describe_window

    window = time_window("What happened this week?", dt.date(2024, 9, 20))
    assert describe_window(window, held=True) == '"this week": articles of 2024-09-13 to 2024-09-20'
    assert "held no answer" in describe_window(window, held=False)
    assert describe_lean("What is the latest on the strike?") == '"latest": newest reports first'
    assert describe_lean("Who won?") == ""
