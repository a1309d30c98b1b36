"""The names a question asks about: "What did Zelensky say about North Korea?" names Zelensky.

A library that never mentions a name the question asks about cannot answer it, however close
its passages come to the rest of the question ("What did Japan say about the arms deal?" on a
library about the deal that never mentions Japan). :func:`question_names` reads the names: words
written with a capital inside the question (not its first word, which English capitalises
anyway, unless written all in capitals like "NATO"), without titles ("General", "President"),
calendar words and "I". Whether the library mentions them is the store's to say
(``Store.absent_words``), from the counts its keyword side keeps; an acronym the library spells
out ("UMC" for "United Methodist Church") is read by :func:`spelled_out` in the passages found.
"""

from __future__ import annotations

import re

from retrieval.terms import STOPWORDS

_TOKEN = re.compile(r"[^\W\d_][\w'’]*")
_TITLES = frozenset("""
    mr mrs ms dr sir dame lord lady president vice prime minister general gen secretary senator sen governor
    gov king queen prince princess pope judge justice chancellor chief captain capt colonel col lieutenant
    sergeant admiral mayor rep representative speaker ambassador professor prof saint st sheikh emir sultan
    """.split())
_CALENDAR = frozenset("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    """.split())


def question_names(question: str, limit: int = 8) -> list[str]:
    """The words of the names in ``question`` as written, at most ``limit``, in order, once each."""
    names: dict[str, str] = {}
    for index, match in enumerate(_TOKEN.finditer(question[:1000])):
        word = re.sub(r"['’]s?$", "", match.group(0))
        capital = word[:1].isupper() and (index > 0 or (len(word) > 1 and word.isupper()))
        lower = word.lower()
        if not capital or lower in _TITLES or lower in _CALENDAR or lower in STOPWORDS or lower in names:
            continue
        names[lower] = word
        if len(names) == limit:
            break
    return list(names.values())


_JOINS = r"(?:(?:of|and|the|for|on|in|de|des|du|la|le|&)\s+)*"  # small words an acronym skips


def spelled_out(acronym: str, text: str) -> bool:
    """Whether ``text`` spells out ``acronym``: words whose capitals are its letters, in order
    ("United Methodist Church" for "UMC", "Democratic People's Republic of Korea" for "DPRK")."""
    if not (2 <= len(acronym) <= 8 and acronym.isalpha() and acronym.isupper()):
        return False
    between = r"[\w'’.-]*\s+" + _JOINS
    return re.search(r"\b" + between.join(acronym) + r"[\w'’-]*", text) is not None
