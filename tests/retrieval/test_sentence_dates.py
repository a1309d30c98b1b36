"""The days a sentence names, read against its article's publication day."""

import datetime as dt

import pytest

from retrieval.sentence_dates import sentence_days

PUBLISHED = dt.date(2010, 4, 23)  # a Friday


@pytest.mark.parametrize("sentence, days", [
    ("The rig exploded on Tuesday night.", [dt.date(2010, 4, 20)]),
    ("The rig exploded on 20 April.", [dt.date(2010, 4, 20)]),
    ("The rig exploded on April 20, 2010, and sank on April 22.", [dt.date(2010, 4, 20), dt.date(2010, 4, 22)]),
    ("Oil reached the coast yesterday.", [dt.date(2010, 4, 22)]),
    ("Officials met today.", [PUBLISHED]),
    ("The hearing is set for May 25.", [dt.date(2010, 5, 25)]),  # ahead, but within three months: a plan
    ("It began on 30 December.", [dt.date(2009, 12, 30)]),  # a day later in the year: the year before
    ("Nothing dated here, just 20 workers.", []),
    ("On 31 February nothing happened.", []),
])
def test_days_named(sentence, days):
    assert sentence_days(sentence, PUBLISHED) == days


def test_a_day_named_twice_counts_once():
    assert sentence_days("On Tuesday, 20 April, it exploded.", PUBLISHED) == [dt.date(2010, 4, 20)]


def test_long_hostile_text_is_read_in_linear_time():
    import time

    started = time.perf_counter()
    sentence_days("1 " * 50_000 + "April " * 20_000, PUBLISHED)
    assert time.perf_counter() - started < 2.0
