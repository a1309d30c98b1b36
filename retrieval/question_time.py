"""Time in the question: "this week", "yesterday", "in March", "in 2021" read against the asking time.

A news question is asked at a moment, and its words about time count from it: "this week" is the
seven days before the asking day, "in March" the latest March before it. Such a phrase becomes a
window of publication days: articles dated outside it are not used (undated ones are), and ages
count from the window's end. A window that leaves nothing to answer from is dropped (the question
is asked again without it). Explicit ``since`` / ``until`` filters win over the words. Words that
name no days ("latest", "recently", "initially") lean the age prior instead (:func:`time_lean`).

The rules are a small table of phrases, each measured on its own (docs/quality.md); dateparser's
``search_dates`` was not used: it reads many ordinary words as dates ("may", "second", "march")
and takes tens of milliseconds a question.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
REPORTING_DAYS = 7  # an event is reported up to a week after it happened

_PHRASES: list[tuple[re.Pattern[str], int, int]] = [  # (phrase, days back from the asking day, days after)
    (re.compile(r"\b(?:today|tonight|this morning)\b"), 1, 0),
    (re.compile(r"\byesterday\b"), 2, 0),
    (re.compile(r"\b(?:this|past) week(?:end)?\b"), 7, 0),
    (re.compile(r"\blast week(?:end)?\b"), 14, 0),
    (re.compile(r"\b(?:this|past) month\b"), 31, 0),
    (re.compile(r"\blast month\b"), 62, 0),
]
_MONTH = re.compile(r"\b(?:in|during|since|on|by)\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\b")
_YEAR = re.compile(r"\b(?:in|during)\s+((?:19|20)\d{2})\b")
_WEEKDAY = re.compile(r"\b(?:on|last)\s+(" + "|".join(WEEKDAYS) + r")\b")
_THIS_YEAR = re.compile(r"\bthis year\b")
# Words that lean towards the newest or the earliest reporting of a subject without naming days.
# "first" alone is not one ("for the first time" is about the event, not the reporting), nor are
# "originally" and "earliest" alone ("what was the museum originally called?" asks about the museum).
# "latest" counts before "on", "news" and the like or at the end ("the latest epoch" is a thing asked about).
_RECENT = re.compile(r"\b(?:(?:latest|newest|most recent)(?=\s+(?:on|about|in|with|from|news|developments?|updates?"
                     r"|reports?|word)\b|\s*[?.!]*\s*$)|most recently|recently|lately|currently|right now|so far)\b")
# Of those, the words about reporting alone (not "currently", "originally": "what was it originally called?").
_REPORTING = re.compile(r"\b(?:(?:latest|newest|most recent)(?=\s+(?:on|about|in|with|from|news|developments?"
                        r"|updates?|reports?|word)\b|\s*[?.!]*\s*$)|most recently|recently|lately"
                        r"|first (?:reports?|reported|news))\b")
_EARLY = re.compile(r"\b(?:at first|initially|(?:first|earliest) (?:reports?|reported|news|accounts?)|first came"
                    r"|at the (?:start|beginning)|how did (?:it|this|the \w+) (?:begin|start))\b")


@dataclass(frozen=True, slots=True)
class Window:
    """Publication days an answer may come from (inclusive), and the phrase that set them."""

    since: dt.date
    until: dt.date
    phrase: str


def time_window(question: str, asked: dt.date) -> Window | None:
    """The window a question's words about time set, counted from the asking day, or None."""
    text = question.lower()[:2000]
    for pattern, back, after in _PHRASES:
        if found := pattern.search(text):
            return Window(asked - dt.timedelta(days=back), asked + dt.timedelta(days=after), found.group(0))
    if found := _WEEKDAY.search(text):
        day = _latest(asked, lambda d: d.weekday() == WEEKDAYS[found.group(1)])
        return Window(day, min(asked, day + dt.timedelta(days=REPORTING_DAYS)), found.group(0))
    if found := _MONTH.search(text):
        return _month_window(found, asked)
    if found := _YEAR.search(text):
        year = int(found.group(1))
        if year <= asked.year:
            return Window(dt.date(year, 1, 1), min(asked, dt.date(year + 1, 1, REPORTING_DAYS)), found.group(0))
    if found := _THIS_YEAR.search(text):
        return Window(dt.date(asked.year, 1, 1), asked, found.group(0))
    return None


def time_lean(question: str) -> str:
    """"recent" for a question asking for the newest reporting ("what is the latest on …",
    "recently"), "early" for one asking for the first ("initially", "first reports"), else ""."""
    text = question.lower()[:2000]
    if _EARLY.search(text):
        return "early"
    return "recent" if _RECENT.search(text) else ""


def describe_window(window: Window, also: str = "", *, held: bool) -> str:
    """How a window was read, for the reply: '"this week": articles of 2024-09-13 to 2024-09-20', or,
    when nothing in it answered, that every day was searched; ``also``: another note to keep."""
    days = f"{window.since.isoformat()} to {window.until.isoformat()}"
    note = (f'"{window.phrase}": articles of {days}' if held
            else f'"{window.phrase}" ({days}) held no answer: articles of every day')
    return "; ".join(n for n in (note, also) if n)


def describe_lean(question: str) -> str:
    """How a leaning word was read, for the reply ('"the latest": newest reports first'), or ""."""
    if found := _EARLY.search(question.lower()[:2000]):
        return f'"{found.group(0)}": earliest reports first'
    if found := _RECENT.search(question.lower()[:2000]):
        return f'"{found.group(0)}": newest reports first'
    return ""


def without_lean_words(question: str) -> str:
    """The question less its words about reporting ("the latest on the strike" → "the on the strike",
    "recently"): they say which reports, not what about, so the keyword side does not look for them."""
    return _REPORTING.sub(" ", question.lower()[:2000])


def _month_window(found: re.Match[str], asked: dt.date) -> Window | None:
    month = MONTHS[found.group(1)]
    if found.group(2):
        year = int(found.group(2))
    else:  # the latest such month up to the asking day
        year = asked.year if month <= asked.month else asked.year - 1
    start = dt.date(year, month, 1)
    if start > asked:
        return None
    end = dt.date(year, month, calendar.monthrange(year, month)[1]) + dt.timedelta(days=REPORTING_DAYS)
    if found.group(0).startswith("since"):
        end = asked
    return Window(start, min(asked, end), found.group(0))


def _latest(asked: dt.date, wanted) -> dt.date:
    """The latest day up to ``asked`` that is ``wanted``."""
    day = asked
    while not wanted(day):
        day -= dt.timedelta(days=1)
    return day
