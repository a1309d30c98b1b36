"""Questions about the articles themselves: who wrote one, who published it, when it came out.

"Who wrote the BBC article?" is not answered by any passage: the answer is in the citation
(author, publisher, date). :func:`about_article` reads such a question into the detail asked for
and the topic left once the words about the article are taken out; :func:`named_sources` finds
the publishers the question names; :func:`article_fact` says the detail of one article in a
sentence, or that the article does not give it. The patterns are English grammar about
articles (an article noun, a publishing verb), never words of particular questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from retrieval.records import Article
from retrieval.terms import words

Detail = Literal["author", "source", "date"]

_NOUN = (r"(?:news\s+)?(?:article|story|stories|piece|column|op-?ed|editorial|coverage|write-?up"
         r"|byline)s?")
_THE = (r"(?:the|this|that|these|those|an?)\s+"  # then at most three words that name the article
        r"(?:(?!(?:about|on|of|to|for|in|from|with|by)\s)[\w.'’-]+\s+){0,3}?")
_ABOUT = r"(?:\s+(?:about|on|of|from|by|in|covering)\s+[^?.!]{1,120}?)?"  # "the article about the floods"
_RULES: tuple[tuple[Detail, str], ...] = (
    ("author", rf"\bwho\s+(?:wrote|writes|has\s+written|had\s+written|authored|penned)\s+{_THE}{_NOUN}\b"),
    ("author", rf"\b(?:author|writer|journalist|reporter|correspondent)s?\s+(?:of|behind)\s+{_THE}{_NOUN}\b"),
    ("author", r"\b(?:which|what)\s+(?:journalist|reporter|writer|correspondent)s?\s+"
               r"(?:wrote|writes|authored|penned|filed)\b"),
    ("author", rf"\b{_NOUN}\s+(?:was\s+|were\s+)?written\s+by\s+whom\b"),
    ("source", r"\b(?:which|what)\s+(?:news\s+|media\s+)?(?:outlet|publisher|publication|newspaper|news\s*paper"
               r"|news\s+site|website|web\s+site|news\s+organi[sz]ation|broadcaster)s?\s+(?:first\s+)?"
               r"(?:published|publishes|reported|reports|ran|carried|broke|printed|wrote|covered|posted)\b"),
    ("source", rf"\bwho\s+(?:published|publishes|ran|carried|printed|broke)\s+{_THE}{_NOUN}\b"),
    ("source", rf"\bwhere\s+(?:was|were|is|are)\s+{_THE}{_NOUN}{_ABOUT}\s+(?:published|printed|posted)\b"),
    ("source", rf"\b(?:publisher|source)s?\s+of\s+{_THE}{_NOUN}\b"),
    ("date", rf"\bwhen\s+(?:was|were|is|are|did)\s+{_THE}{_NOUN}{_ABOUT}\s+(?:first\s+)?"
             r"(?:published|written|posted|released|dated|printed|come\s+out|came\s+out|appear|go\s+online|out)\b"),
    ("date", rf"\b(?:what|which)\s+(?:date|day)\s+(?:was|were|is|are|did)\s+{_THE}{_NOUN}\b"),
    ("date", rf"\b(?:publication|publishing|release)\s+date\s+of\s+{_THE}{_NOUN}\b"),
    ("date", rf"\bhow\s+old\s+(?:is|are)\s+{_THE}{_NOUN}\b"),
)
_PATTERNS = tuple((detail, re.compile(pattern, re.IGNORECASE)) for detail, pattern in _RULES)
# words of the question about the article itself, dropped from the topic searched
_META_WORDS = frozenset("""
    who whom whose which what when where how old is was were are did does do the this that these those a an
    wrote writes written write authored penned author authors writer writers journalist journalists reporter
    reporters correspondent correspondents byline published publishes publish publication printed posted
    released dated ran carried broke come came appear out online first behind of by date day outlet
    outlets publisher publishers newspaper newspapers paper site website web organisation organization
    broadcaster media news reported reports covered covering article articles story stories piece pieces
    column op ed oped editorial coverage
    write up writeup source sources about on has had
""".split())
# words saying the question is about someone's writing ("What did Matt Murphy write about?")
_WRITING = re.compile(r"\b(?:wrote|write|writes|written|writing|authored|penned|bylines?|articles?|stories|story"
                      r"|pieces?|columns?|op-?eds?|reporting|coverage|reporter|journalist|writer|author)\b",
                      re.IGNORECASE)
_ASKS_SOURCE = re.compile(r"\b(?:(?:which|what)\s+(?:news\s+|media\s+)?(?:outlet|publisher|publication|newspaper"
                          r"|paper|site|website|broadcaster|news\s+organi[sz]ation)|who\s+(?:published|publishes"
                          r"|ran|carried|printed)|(?:writes?|wrote|works?|worked)\s+for)\b", re.IGNORECASE)
_ASKS_DATE = re.compile(r"^\W*when\b", re.IGNORECASE)
_PEOPLE = re.compile(r"\s*(?:[,;&/]|\band\b|\bwith\b)\s*", re.IGNORECASE)
# words of a publisher's name too general to name it ("BBC News" is named by "BBC")
_GENERIC = frozenset("the news online com www co uk org net daily times".split())


@dataclass(frozen=True, slots=True)
class ArticleQuestion:
    """A question about the articles themselves."""

    detail: Detail  # what it asks: the author, the publisher or the publication date
    topic: str  # the question's other words, which say which article ("" when none)


def about_article(question: str) -> ArticleQuestion | None:
    """The detail a question asks of an article, or None for a question about the news itself.

    "Who wrote the article about the floods?" asks the author, its topic "floods"; "Who wrote
    the letter to the UN?" asks about the news (a letter is not an article).
    """
    for detail, pattern in _PATTERNS:
        if pattern.search(question):
            return ArticleQuestion(detail=detail, topic=_topic(question))
    return None


def named_sources(question: str, sources: Iterable[str]) -> tuple[str, ...]:
    """The publishers among ``sources`` that the question names, as whole words in order
    ("the BBC article" names "BBC" and "BBC News"; "Times" names "The New York Times" only
    with "New York", but "The Times" as "the Times")."""
    said = f" {' '.join(words(question))} "
    named = []
    for source in sources:
        name = [w for w in words(source) if w not in _GENERIC] or words(source)
        if name and f" {' '.join(name)} " in said:
            named.append(source)
    return tuple(named)


def mentions_writing(question: str) -> bool:
    """Whether the question speaks of writing or articles (a cheap test before bylines are read)."""
    return _WRITING.search(question) is not None


def named_authors(question: str, bylines: Iterable[str]) -> tuple[str, ...]:
    """The writers of ``bylines`` whose full name (two words at least) the question holds, as whole
    words in order, any case: "what did matt murphy write?" names "Matt Murphy" of the byline
    "By Matt Murphy and Jane Roe"; "Murphy" alone names no one."""
    said = f" {' '.join(words(question))} "
    named: list[str] = []
    for byline in bylines:
        for person in _PEOPLE.split(re.sub(r"^\s*by\s+", "", byline, flags=re.IGNORECASE)):
            name = words(person)
            if len(name) >= 2 and f" {' '.join(name)} " in said and person.strip() not in named:
                named.append(person.strip())
    return tuple(named)


def about_writer(question: str) -> ArticleQuestion:
    """A question about a writer's articles, read as the detail it asks of them: the publisher
    ("Which outlet does Matt Murphy write for?"), the date ("When did … write …?") or, by
    default, the articles themselves with their bylines ("What did Matt Murphy write about?")."""
    detail: Detail = "source" if _ASKS_SOURCE.search(question) else "date" if _ASKS_DATE.search(question) else "author"
    return ArticleQuestion(detail=detail, topic=_topic(question))


def _topic(question: str) -> str:
    """The question's words once those about articles are taken out ("publisher's" too)."""
    return " ".join(w for w in re.findall(r"[\w’'-]+", question) if _bare(w) not in _META_WORDS)


def _bare(word: str) -> str:
    """A word lowercased, without a possessive "'s"."""
    return re.sub(r"['’]s$", "", word.lower())


def without_names(topic: str, names: Iterable[str]) -> str:
    """``topic`` without the words of the publishers or writers it names (they chose the articles
    already)."""
    said = {w for name in names for w in words(name)}
    return " ".join(w for w in topic.split() if _bare(w) not in said)


def article_fact(detail: Detail, article: Article) -> str:
    """The detail asked for, said of one article in a sentence (or that the article lacks it)."""
    title = f"“{article.title or 'Untitled'}”"
    where = ", ".join(x for x in (article.source, article.date) if x)
    named = f"{title} ({where})" if where else title
    if detail == "author":
        writer = re.sub(r"^\s*by\s+", "", article.author, flags=re.IGNORECASE)
        return (f"{named} was written by {writer}." if writer
                else f"{named} does not name its author.")
    if detail == "source":
        dated = f" on {article.date}" if article.date else ""
        return (f"{title} was published by {article.source}{dated}." if article.source
                else f"{named} does not name its publisher ({article.link}).")
    by = f" ({article.source})" if article.source else ""
    return f"{title}{by} was published on {article.date}." if article.date else f"{named} carries no date."
