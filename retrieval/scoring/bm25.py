"""BM25 as FTS5 computes it, and which of a question's words are worth scoring: shared by both
storage backends, so a question gets the same keyword scores from either.

FTS5 computes BM25 for every passage that matches any word of the question, so common words
("year", "new", "said") make a question's cost grow with the library. Words are therefore
taken rarest first while the passages they match stay within :data:`MATCH_BUDGET`; the
commonest words, which weigh least in BM25, are left to the dense side. When even the
rarest word is that common (a large library), the rarest words are AND-ed instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.terms import content_words

COLUMN_WEIGHTS = (2.0, 1.0)  # title, text: the weights given to bm25() (docs/quality.md)
K1, B = 1.2, 0.75  # FTS5's BM25 constants
MATCH_BUDGET = 4000  # passages scored per question, at most (about; the rarest word always goes in)
MAX_WORDS = 32
MAX_AND_WORDS = 3  # when every word is common, at most this many rarest words are AND-ed


def idf_of(passages: int, frequency: int) -> float:
    """FTS5's idf: log((N - n + 0.5) / (n + 0.5)), floored at 1e-6 (0 for a term no passage holds)."""
    if not frequency:
        return 0.0
    idf = math.log((passages - frequency + 0.5) / (frequency + 0.5))
    return idf if idf > 0 else 1e-6


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    """Words to look for: any of them, or (``every``) all of them."""

    words: tuple[str, ...] = ()
    every: bool = False

    def fts(self) -> str:
        """The FTS5 query: the words quoted (safe whatever they hold), OR-ed or AND-ed."""
        return (" AND " if self.every else " OR ").join(f'"{w}"' for w in self.words)


def choose_words(question: str, matches: Callable[[KeywordQuery], int], budget: int = MATCH_BUDGET) -> KeywordQuery:
    """The question's content words, rarest first, while the passages they match stay within
    ``budget`` (the rarest always goes in); when even the rarest is that common, the rarest
    words AND-ed instead, adding words until the matches fit.

    Args:
        question: the question.
        matches: passages a query matches (counted up to just over the budget).
        budget: passages scored per question, about.
    """
    unique = list(dict.fromkeys(content_words(question)))[:MAX_WORDS]
    counted = sorted(unique, key=lambda w: matches(KeywordQuery((w,))))
    kept: list[str] = []
    total = 0
    for word in counted:
        count = matches(KeywordQuery((word,)))
        if kept and total + count > budget:
            break
        kept.append(word)
        total += count
    if total > budget and len(counted) > 1:  # even the rarest word is common: ask for more
        query = KeywordQuery(tuple(counted[:1]), every=True)
        for word in counted[1:MAX_AND_WORDS]:
            query = KeywordQuery((*query.words, word), every=True)
            if matches(query) <= budget:
                break
        return query
    return KeywordQuery(tuple(kept))
