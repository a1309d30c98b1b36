"""The kind of answer a question expects, and whether a passage holds one.

"How many …?" wants a number, "when …?" a date, "where …?" or "which country …?" a place, "who …?"
a person or organisation. A passage that holds something of that kind *which the question does
not already name*, in a sentence that shares words with the question, is more likely to answer
it. The signals are general (digits and number words, month and day names, years, capitalised
names after place prepositions, capitalised names beside speech verbs and titles); there is no
rule keyed to particular questions. The weight of the bonus is tuned with ``benchmarks/tune.py``
(docs/quality.md).
"""

from __future__ import annotations

import functools
import re
from typing import Literal

Kind = Literal["number", "date", "place", "person"]

_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                 "hundred hundreds thousand thousands million millions billion billions trillion dozen dozens "
                 "half quarter percent")
_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_PLACE_NOUNS = ("country countries nation state states city cities town towns continent island islands region "
                "province county capital village port place area border sea river lake mountain")
_PERSON_NOUNS = ("person man woman people leader president minister official spokesman spokeswoman spokesperson "
                 "actor actress singer player coach ceo chief founder author company companies firm group team "
                 "organization organisation agency automaker airline network maker brand party")

_KIND_OF_QUESTION = [
    ("number", re.compile(r"\bhow (?:many|much|long|far|old|big|large|often)\b|\bwhat (?:percent(?:age)?|share|"
                          r"number|amount|proportion|fraction)\b", re.I)),
    ("date", re.compile(r"^\s*(?:when|what (?:year|date|day|month|time)|which (?:year|date|day|month))\b", re.I)),
    ("place", re.compile(r"^\s*where\b|\b(?:which|what|in which|in what) (?:\w+ ){0,2}(?:" +
                         _PLACE_NOUNS.replace(" ", "|") + r")\b", re.I)),
    ("person", re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:which|what) (?:\w+ ){0,2}(?:" +
                          _PERSON_NOUNS.replace(" ", "|") + r")\b", re.I)),
]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + _NUMBER_WORDS.replace(" ", "|") + r")\b", re.I)
_DATE = re.compile(r"\b(?:" + (_MONTHS + " " + _DAYS).replace(" ", "|") + r")\b|\b(?:1[89]|20)\d\d\b|"
                   r"\b(?:yesterday|today|tomorrow|last (?:week|month|year)|this (?:week|month|year))\b", re.I)
# a capitalised word ("U.S" inside, never a full stop) and names of up to six of them; the bounded
# repeats keep every match linear in the text, whatever a hostile page holds (docs/reliability.md)
_WORD = r"[A-Z](?:[\w'’-]|\.(?=\w)){0,30}"
_CAPITALISED = _WORD + r"(?:[ \t]{1,3}(?:of[ \t]{1,3}|de[ \t]{1,3}|al-)?" + _WORD + "){0,5}"
_PLACE = re.compile(r"\b(?:in|at|near|from|to|into|across|outside|inside|towards?)[ \t]{1,3}(?:the[ \t]{1,3})?(" +
                    _CAPITALISED + ")")
_SPEECH = r"(?:said|says|told|announced|added|wrote|according)"
_PERSON = re.compile(r"(" + _CAPITALISED + r")[ \t]{0,3},?[ \t]{1,3}" + _SPEECH + r"\b|"
                     r"\b(?:said|says|told|announced|according to|by)[ \t]{1,3}(?:the[ \t]{1,3})?"
                     r"(" + _CAPITALISED + ")|"
                     r"\b(?:Mr|Mrs|Ms|Dr|Sir|President|Minister|Secretary|Senator|General|Gen|Judge|"
                     r"spokesm[ae]n|spokeswoman|spokesperson|chief)\.?[ \t]{1,3}(" + _CAPITALISED + ")")
_POSSESSIVE = re.compile(r"['’]s?\b")  # "Russia’s far east" names Russia
_CALENDAR = frozenset((_MONTHS + " " + _DAYS).split())


@functools.lru_cache(maxsize=4096)
def expected_kind(question: str) -> Kind | None:
    """The kind of answer ``question`` asks for, or None when it asks for something else (why,
    how, what happened)."""
    for kind, pattern in _KIND_OF_QUESTION:
        if pattern.search(question):
            return kind  # type: ignore[return-value]
    return None


def mentions(text: str, kind: Kind) -> list[str]:
    """The things of ``kind`` that ``text`` mentions (numbers, dates, names), as written."""
    if kind == "number":
        return [m.group(0) for m in _NUMBER.finditer(text)]
    if kind == "date":
        return [m.group(0) for m in _DATE.finditer(text)]
    pattern = _PLACE if kind == "place" else _PERSON
    found = [_POSSESSIVE.sub("", next(g for g in m.groups() if g)) for m in pattern.finditer(text)]
    return [name for name in found if name.lower() not in _CALENDAR]


def names_new(question: str, sentence: str, kind: Kind | None) -> bool:
    """True when ``sentence`` mentions something of ``kind`` that ``question`` does not name."""
    if kind is None:
        return False
    asked = question.lower()
    return any(found.lower() not in asked for found in mentions(sentence, kind))


def holds_answer_kind(question: str, passage: str) -> bool:
    """True when ``passage`` mentions something of the kind ``question`` expects that the question
    itself does not name (the passage was found for the question's words, so its sentences are
    read as a whole: the answer's sentence often shares none of them)."""
    kind = expected_kind(question)
    return kind is not None and names_new(question, passage, kind)
