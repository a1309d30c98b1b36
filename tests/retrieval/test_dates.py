import datetime as dt

import pytest

from retrieval.dates import is_date_line, parse_date


@pytest.mark.parametrize("text, expected", [
    ("Friday, September 20, 2024", "2024-09-20"),
    ("20 Sep 2024", "2024-09-20"),
    ("2024-09-20T10:00:00Z", "2024-09-20"),
    ("Mon, 7 Feb 2005 10:00:00 GMT", "2005-02-07"),
    ("Sept. 5, 2023 at 10:30 a.m. EST", "2023-09-05"),
    ("09/20/2024", "2024-09-20"),
])
def test_common_news_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "hello", "Published 3 days ago", None, "x" * 200])
def test_non_dates_give_empty(text):
    assert parse_date(text) == ""


def test_date_objects():
    assert parse_date(dt.datetime(2020, 1, 2, 3, 4)) == "2020-01-02"
    assert parse_date(dt.date(2020, 1, 2)) == "2020-01-02"


def test_date_line_is_only_a_date():
    assert is_date_line("Friday, September 20, 2024")
    assert not is_date_line("On Friday, September 20, 2024 the talks began.")
