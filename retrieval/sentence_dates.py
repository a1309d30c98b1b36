"""The days a sentence of a dated article speaks of: "on Tuesday", "20 April", "April 20, 2010",
"yesterday", read against the article's publication day.

A weekday is the latest such day on or before publication; a day without a year is in the
publication's year (a day up to three months ahead is a plan: "set for May 25"), or the year
before when that would put it further ahead ("on 30 December" in April). Every expression has
bounded repeats (linear time on any text).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
AHEAD_DAYS = 92  # a day named without a year further ahead than this is last year's

_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[ \t]{1,3}(?:of[ \t]{1,3})?" + _MONTH +
                        r"(?:,?[ \t]{1,3}((?:19|20)\d\d))?\b", re.I)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"[ \t]{1,3}(\d{1,2})(?:st|nd|rd|th)?\b(?:,?[ \t]{1,3}((?:19|20)\d\d))?",
                        re.I)
_WEEKDAY = re.compile(r"\b(?:on|last|this|since|late|early)[ \t]{1,3}(" + "|".join(WEEKDAYS) + r")\b", re.I)
_RELATIVE = re.compile(r"\b(yesterday|today|tonight|this morning|this afternoon|this evening|last night|"
                       r"earlier today)\b", re.I)
_BACK = {"yesterday": 1, "last night": 1}


def sentence_days(sentence: str, published: dt.date) -> list[dt.date]:
    """The days ``sentence`` refers to, in order of mention (duplicates removed)."""
    found: list[dt.date] = []
    for match in _DAY_MONTH.finditer(sentence):
        found += _day(published, MONTHS[match[2].lower()], int(match[1]), match[3])
    for match in _MONTH_DAY.finditer(sentence):
        found += _day(published, MONTHS[match[1].lower()], int(match[2]), match[3])
    for match in _WEEKDAY.finditer(sentence):
        back = (published.weekday() - WEEKDAYS[match[1].lower()]) % 7
        found.append(published - dt.timedelta(days=back))
    for match in _RELATIVE.finditer(sentence):
        found.append(published - dt.timedelta(days=_BACK.get(match[1].lower(), 0)))
    return list(dict.fromkeys(found))


def _day(published: dt.date, month: int, day: int, year: str | None) -> list[dt.date]:
    """The day named, with the year read as the module says (none when it does not exist)."""
    try:
        if year:
            return [dt.date(int(year), month, day)]
        named = dt.date(published.year, month, day)
        if named > published + dt.timedelta(days=AHEAD_DAYS):
            named = dt.date(published.year - 1, month, day)
        return [named]
    except ValueError:
        return []
