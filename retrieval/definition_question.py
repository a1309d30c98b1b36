"""Questions that ask what or who a name is: "Who is John Kirby?", "What is the DPRK?".

Such a question is all subject: its words are the name, so the passage that names it is the
answer ("National Security Council spokesman John Kirby said…"), however far its vector sits
from a five-word question. The answer model scores these low (a short question, a long passage:
"Who is John Kirby?" 0.42 on the seeds); :func:`defined_name` reads the name, and
:func:`names_it` says whether a passage writes it as a name (every word capitalised), so a
common phrase ("the population") never counts.

On XQuAD (1,190 questions) the pair fires on 5 questions, each with its gold paragraph in the
top 3, and on none of the same questions with their gold removed; :data:`NAMED_SUBJECT_CONFIDENCE`
is that rate, smoothed ((5 + 1) / (5 + 2)).
"""

from __future__ import annotations

import re

NAMED_SUBJECT_CONFIDENCE = 0.86
NAMING_WITHIN = 3  # results searched for the one that names the subject (benchmarks/definition_questions.py)
_DEFINITION = re.compile(r"^\s*(?:who|what)(?:['’]s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+|a\s+|an\s+)?"
                         r"([^\W\d_][\w.'’-]*(?:\s+[\w.'’-]+){0,3})\s*\??\s*$", re.IGNORECASE)


def defined_name(question: str) -> str | None:
    """The subject of "Who is X?" / "What was X?" (at most four words), else None."""
    match = _DEFINITION.match(question[:200])
    return match.group(1) if match else None


def names_it(subject: str, text: str) -> bool:
    """Whether ``text`` holds ``subject`` (any case in the question) written as a name: each of
    its words starting with a capital, as a whole phrase."""
    pattern = r"\b" + r"\s+".join(re.escape(w) for w in subject.split()) + r"\b"
    return any(all(w[:1].isupper() for w in m.group(0).split())
               for m in re.finditer(pattern, text, re.IGNORECASE))


def naming_first(subject: str, texts: list[str], within: int = NAMING_WITHIN) -> int:
    """Which of the first ``within`` results to show first for "Who is SUBJECT?": the first that
    names the subject (:func:`names_it`), else the first result (0). A lower-case question ("who is
    john kirby") may rank first a passage saying only "Kirby" over the one introducing him."""
    for index, text in enumerate(texts[:within]):
        if names_it(subject, text):
            return index
    return 0
