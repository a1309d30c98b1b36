"""Dates in the formats news uses, normalised to ISO days."""

from __future__ import annotations

import datetime as dt
import re
import warnings

from dateutil import parser as dateparser

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s*)?"
_DATE_LINE = re.compile(
    rf"^\s*{_WEEKDAY}(?:"
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # September 20, 2024
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}"  # 20 September 2024
    r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?"  # 2024-09-20T10:00Z
    r"|\d{1,2}/\d{1,2}/\d{4}"  # 09/20/2024
    r")(?:\s*(?:at\s*)?\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?\s*$",
    re.IGNORECASE,
)


def parse_date(value: object) -> str:
    """Normalise a date to ``YYYY-MM-DD``.

    Args:
        value: a string in a common news format, a date or datetime, or None.

    Returns:
        The ISO day, or "" when the value is not a recognisable date.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text or len(text) > 80 or not re.search(r"\d", text):
        return ""
    if not re.search(r"\d{4}", text):
        return ""  # no year: "3 days ago", "Sept. 5" are not dates we can place
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = dateparser.parse(text, fuzzy=True, default=dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return ""
    if parsed is None or parsed.year < 1800 or parsed.year > 2200:
        return ""
    return parsed.date().isoformat()


def is_date_line(line: str) -> bool:
    """True when a line holds nothing but a date (a dateline), e.g. "Friday, September 20, 2024"."""
    return bool(_DATE_LINE.match(line)) and bool(parse_date(line))
