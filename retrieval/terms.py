"""Words of a question: stop words, content terms and the FTS5 query built from them."""

from __future__ import annotations

import functools
import re

STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have he her his how i in is it its "
    "of on or she that the their them they this to was were what when where which who whom why "
    "will with would you your about after into than then there these those also not no can could "
    "should may might been being over under up down out".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return re.findall(r"\w+", text.lower())


def content_words(text: str) -> list[str]:
    """Lower-cased words that are not stop words, in order (all words if none are left)."""
    found = words(text)
    content = [w for w in found if w not in STOPWORDS]
    return content or found


def terms_of(text: str) -> frozenset[str]:
    """Content words cut to a five-letter stem, so "delivered" meets "deliveries"."""
    return frozenset(w[:5] for w in words(text) if w not in STOPWORDS)


# sentences of popular passages come back question after question
content_terms = functools.lru_cache(maxsize=65536)(terms_of)


def fts_query(question: str) -> str:
    """A safe FTS5 query: the question's distinct content words, quoted and OR-ed."""
    unique = list(dict.fromkeys(content_words(question)))[:32]
    return " OR ".join(f'"{w}"' for w in unique)
