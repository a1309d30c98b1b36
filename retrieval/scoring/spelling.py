"""Words spelled alike: "Ghandi" and "Gandhi", "Maastrich" and "Maastricht".

A name a question asks about counts as mentioned by the library when the library holds it or a
word spelled within a letter or two of it (people misspell names; the meaning of the rest of the
question still finds the passage). Short words must match exactly: three letters from "UMC" lie
many words that mean something else; from four letters on, two neighbouring letters swapped
still match ("Kroea", "Ptuin": the commonest slip of typing, which rarely makes another word).
Both storage backends look up their candidates (terms sharing the first letter, of a close
length) and decide with :func:`spelled_alike`.
"""

from __future__ import annotations

from collections.abc import Iterable

SHORTEST_FUZZY = 6  # letters below which a word must match exactly
TWO_EDITS_FROM = 8  # letters from which two edits are allowed (one below)
SHORTEST_SWAP = 4  # letters from which two neighbouring letters swapped still match


def allowed_edits(word: str) -> int:
    """Edits (a letter added, dropped, changed, or two swapped) a word of this length may differ by."""
    if len(word) < SHORTEST_FUZZY:
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM else 1


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) of ``a`` and ``b``, or ``limit + 1``
    as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def spelled_alike(word: str, others: Iterable[str]) -> bool:
    """Whether one of ``others`` is ``word``, within its :func:`allowed_edits`, or (from
    :data:`SHORTEST_SWAP` letters) ``word`` with two neighbouring letters swapped."""
    limit = allowed_edits(word)
    return any(other == word or (limit and edit_distance(word, other, limit) <= limit)
               or (len(word) >= SHORTEST_SWAP and swapped(word, other)) for other in others)


def swapped(word: str, other: str) -> bool:
    """Whether ``other`` is ``word`` with two neighbouring letters swapped ("kroea", "korea")."""
    if len(word) != len(other):
        return False
    differ = [i for i, (a, b) in enumerate(zip(word, other)) if a != b]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and word[differ[0]] == other[differ[1]] and word[differ[1]] == other[differ[0]])


def length_range(word: str) -> tuple[int, int]:
    """The shortest and longest candidate spelled alike could have."""
    limit = allowed_edits(word)
    return max(1, len(word) - limit), len(word) + limit


def closest(term: str, candidates: Iterable[tuple[str, int]]) -> str | None:
    """Of ``candidates`` (term, passages holding it), the one that is ``term`` with two neighbouring
    letters swapped (from :data:`SHORTEST_SWAP` letters) that the most passages hold, or None.

    Only a swap is read as a slip: a letter added, dropped or changed turns too many real words
    into others ("northwestern" and "northeastern", "cooler" and "cooper"; measured on XQuAD's
    questions, docs/quality.md), while two neighbouring letters swapped rarely make another word."""
    if len(term) < SHORTEST_SWAP:
        return None
    found = [(passages, other) for other, passages in candidates if swapped(term, other)]
    return max(found)[1] if found else None


def respelled(word: str, own_term: str, term: str) -> str | None:
    """``word`` (whose index term is ``own_term``) written with ``term`` in place of its stem and
    its own ending kept ("cotnainers", "cotnain", "contain" → "containers"; its first letter's
    case kept), or None when the stem is not where the word starts."""
    lower = word.lower()
    if not own_term or not lower.startswith(own_term):
        return None
    fixed = term + lower[len(own_term):]
    return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed
