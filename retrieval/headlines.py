"""Questions that ask for the news itself: "What's the latest news?", "What happened this week?".

Such a question names no topic: searching its words finds whatever passage says "news" or
"happened". It asks for the period's stories, as a digest lists them: :func:`asks_for_headlines`
tells it apart (once its words about time are taken out, only words about news are left), and
:func:`story_hit` shows a story as a result: its most central article's opening, cited, with the
other publishers that reported it.
"""

from __future__ import annotations

import re

from retrieval.records import Article, Hit
from retrieval.sentences import sentences
from retrieval.stories import Story
from retrieval.terms import STOPWORDS, words

# a question asking for news names one of these
_ASKS = re.compile(r"\b(?:news|happen(?:ed|ing|s)?|new|headlines?|stories|going on|latest|updates?|top stories"
                   r"|what'?s up)\b", re.IGNORECASE)
# words such a question may hold besides its words about time
_FILLER = frozenset("""
    what whats s is are any anything there some me us tell give show list all top biggest main big important
    news happened happening happen happens new headlines headline stories story going on latest newest updates
    update recent recently lately today tonight yesterday week weeks month months year days day last past
    this so far up please world library been have has
    monday tuesday wednesday thursday friday saturday sunday weekend morning
    january february march april may june july august september october november december
""".split())
OPENING_CHARS = 600  # of a story's article shown as its result


def asks_for_headlines(question: str) -> bool:
    """True when the question asks for the news of a period and names no topic ("What happened
    this week?"), False when it asks about something ("What happened to the bridge this week?")."""
    if not _ASKS.search(question):
        return False
    left = [w for w in words(question) if w not in STOPWORDS and w not in _FILLER and not w.isdigit()]
    return not left


def opening_hit(article: Article, body: str) -> Hit:
    """An article shown by its opening (the first paragraph of ``body``, its text), the first
    sentence highlighted."""
    opening = body.split("\n\n")[0][:OPENING_CHARS].strip() or body[:OPENING_CHARS].strip()
    first = next(iter(sentences(opening)), opening)
    return Hit(passage_id=0, text=opening, highlight=first, score=1.0, paragraph="1", article=article)


def story_hit(story: Story, body: str, central: Article, max_also: int = 3) -> Hit:
    """A story shown as one result: the opening of its ``central`` article (whose text is ``body``)
    and up to ``max_also`` articles of other publishers, newest first."""
    hit = opening_hit(central, body)
    publishers = {central.source}
    for article in sorted(story.articles, key=lambda a: (a.date, a.id), reverse=True):
        if len(hit.also_reported_by) < max_also and article.id != central.id and article.source not in publishers:
            hit.also_reported_by.append(article)
            publishers.add(article.source)
    return hit
