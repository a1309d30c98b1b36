"""Slips of typing in a question, read as the library's words before it is searched.

A word of four letters or more that no passage holds, where the library holds the same word
with two neighbouring letters swapped (:func:`retrieval.scoring.spelling.closest`), is read as
that word, the one most passages hold: "cotnainers" → "containers", "North Kroea" → "North
Korea". Letters added, dropped or changed are not read as slips: too many real words are a
letter from another ("northwestern", "northeastern"). A word the library holds is never changed,
so a question without slips is searched as asked; nor is a word in capitals (an acronym). The
reply says how the question was read (``Answer.read_as``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.terms import STOPWORDS

_WORD = re.compile(r"[A-Za-z]{4,}")


def respelled_question(question: str, respell: Callable[[list[str]], dict[str, str]]) -> str:
    """``question`` with each slip read as the library's word.

    Args:
        question: the question as asked.
        respell: the store's :meth:`~retrieval.library.Store.respelled` (lower-case words in, the
            library's spelling of those it lacks out).

    Returns:
        The question to search; ``question`` itself when nothing was read otherwise.
    """
    found = [m for m in _WORD.finditer(question)
             if m.group(0).lower() not in STOPWORDS and not m.group(0).isupper()]  # "CITA" is no slip
    fixes = respell(list(dict.fromkeys(m.group(0).lower() for m in found))) if found else {}
    if not fixes:
        return question
    parts, last = [], 0
    for match in found:
        fixed = fixes.get(match.group(0).lower())
        if fixed:
            parts += [question[last:match.start()], fixed[:1].upper() + fixed[1:] if match.group(0)[0].isupper()
                      else fixed]
            last = match.end()
    parts.append(question[last:])
    return "".join(parts)
