"""The other names of a country a question names: "American" is said "United States" in the text.

A library that says "U.S.-provided howitzers" mentions the United States, though never the word
"American"; one that says "Japanese officials" mentions Japan. :class:`PlaceNames` reads the
gazetteer shipped in the ``countryinfo`` package (name, demonym and common spellings of about
250 countries and territories) once, when first asked, and gives for one word of a question the
other names of the country it names, each as its words.
"""

from __future__ import annotations

import logging
import re
import threading

from retrieval.terms import STOPWORDS

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+")
MIN_ALIAS_LETTERS = 4  # "US", "RU", "JPN": codes name a country in a question, too short to look for in text


class PlaceNames:
    """Countries' names, demonyms and spellings, loaded on first use (about 35 ms)."""

    def __init__(self) -> None:
        self._aliases: dict[str, tuple[tuple[str, ...], ...]] | None = None
        self._lock = threading.Lock()

    def others(self, word: str) -> tuple[tuple[str, ...], ...]:
        """The other names of the country ``word`` names ("american" → ("united", "states"), …),
        each as lowercased content words; empty when it names none. A plural demonym
        ("Americans") counts as the demonym."""
        aliases = self._table()
        lower = word.lower()
        found = aliases.get(lower) or (aliases.get(lower[:-1]) if lower.endswith("s") else None) or ()
        return tuple(words for words in found if words != (lower,) and words != (lower[:-1],))

    def _table(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        with self._lock:
            if self._aliases is None:
                self._aliases = _load()
            return self._aliases


def _load() -> dict[str, tuple[tuple[str, ...], ...]]:
    """One-word spelling → every spelling of its country, from countryinfo (empty without it)."""
    try:
        from countryinfo import CountryInfo
    except ImportError:  # pragma: no cover - a declared dependency; the names check then uses the words alone
        logger.warning("countryinfo is not installed: countries' other names are not known")
        return {}
    table: dict[str, set[tuple[str, ...]]] = {}
    countries = [[c.get("name") or "", c.get("demonym") or "", *(c.get("altSpellings") or [])]
                 for c in CountryInfo.all().values()]
    short = _short_names(countries)
    for spellings in countries:
        keys = [s.lower() for s in spellings if _WORD.fullmatch(s)]
        keys += [short[s] for s in spellings if s in short]
        aliases = {words for s in spellings if len(s) >= MIN_ALIAS_LETTERS and (words := _content_words(s))}
        for key in keys:
            table.setdefault(key, set()).update(aliases)
    return {key: tuple(sorted(aliases)) for key, aliases in table.items() if aliases}


def _short_names(countries: list[list[str]]) -> dict[str, str]:
    """The last word of a spelling of several words, as a name of its country when it names no
    other ("America" of "United States of America", "Britain" of "Great Britain"; not "Korea",
    "Republic" or "Islands", which end the names of several, nor "Ireland", a country itself)."""
    whole = {s.lower() for spellings in countries for s in spellings if _WORD.fullmatch(s)}
    ends: dict[str, set[int]] = {}
    spelled: dict[str, str] = {}
    for number, spellings in enumerate(countries):
        for spelling in spellings:
            words = _WORD.findall(spelling)
            if len(words) > 1 and words[-1][:1].isupper():
                ends.setdefault(words[-1].lower(), set()).add(number)
                spelled[spelling] = words[-1].lower()
    return {s: last for s, last in spelled.items() if len(ends[last]) == 1 and last not in whole}


def _content_words(spelling: str) -> tuple[str, ...]:
    return tuple(w for w in (m.lower() for m in _WORD.findall(spelling)) if w not in STOPWORDS)
