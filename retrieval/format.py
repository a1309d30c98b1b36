"""Rendering answers: the stable JSON contract and readable terminal text."""

from __future__ import annotations

import textwrap

from retrieval.library import Store
from retrieval.records import Answer, Article, Filters, Hit

NO_ANSWER = "The library does not cover this question."
UNSURE = ("No confident answer in the library (confidence {confidence:.2f}). "
          "The closest passage, which may not answer it:")


def article_json(article: Article) -> dict:
    """The citation of an article as JSON (url falls back to the file path)."""
    return {"id": article.id, "title": article.title, "source": article.source,
            "author": article.author, "date": article.date, "url": article.link}


def hit_json(hit: Hit) -> dict:
    """One result as JSON."""
    return {"text": hit.text, "highlight": hit.highlight, "score": round(hit.score, 4),
            "paragraph": hit.paragraph, "article": article_json(hit.article),
            "also_reported_by": [article_json(a) for a in hit.also_reported_by]}


def newest_date(hits: list[Hit]) -> str:
    """The publication date of the newest article cited (results and also-reported), or ""."""
    dates = [h.article.date for h in hits] + [a.date for h in hits for a in h.also_reported_by]
    return max((d for d in dates if d), default="")


def answer_json(answer: Answer) -> dict:
    """An answer as the JSON contract of ``newsbot ask --json``.

    ``{"question", "answered", "confidence", "results": [{"text", "highlight", "score", "paragraph",
    "article": {"id", "title", "source", "author", "date", "url"}, "also_reported_by": [...]}],
    "newest_date", "time_read", "read_as", "closest", "article_facts", "unknown_names", "took_ms"}``;
    ``time_read`` says how words about time in the question were read ("" when none);
    ``read_as`` is the question as searched when slips of typing in it were read as the library's
    words ("How many containers…" for "How many cotnainers…"; "" when searched as asked);
    ``confidence`` is the probability that the answer is among the results
    (:mod:`retrieval.answerability`), given whether or not the question was answered;
    ``closest`` holds, for a question not answered, the best result when the confidence still
    reaches ``NEWSBOT_HINT_SCORE`` (shown as unsure; else and when answered, empty);
    ``article_facts``, for a question about the articles themselves ("Who wrote the BBC
    article?"), says the author, publisher or date of each article found, from its citation;
    ``unknown_names`` lists the names a question asks about that no article mentions (then it is
    not answered, its confidence 0).
    """
    return {"question": answer.question, "answered": answer.answered, "confidence": round(answer.confidence, 3),
            "results": [hit_json(h) for h in answer.hits], "newest_date": newest_date(answer.hits),
            "time_read": answer.time_read, "read_as": answer.read_as,
            "closest": [hit_json(h) for h in answer.closest],
            "article_facts": answer.article_facts if answer.answered else [],
            "unknown_names": answer.unknown_names, "took_ms": round(answer.took_ms, 1)}


def citation_line(hit: Hit) -> str:
    """"Title — Source, Author, date, paragraph N, link" with the empty parts left out."""
    a = hit.article
    parts = [p for p in (a.source, a.author, a.date, f"paragraph {hit.paragraph}", a.link) if p]
    return f"{a.title or 'Untitled'} — " + ", ".join(parts)


def emphasise(text: str, sentence: str, start: str, end: str) -> str:
    """Wrap the first occurrence of ``sentence`` in ``text`` with ``start``/``end`` markers."""
    if not sentence or sentence not in text:
        return text
    return text.replace(sentence, f"{start}{sentence}{end}", 1)


def never_mentioned(names: list[str]) -> str:
    """The refusal of a question about names no article mentions: 'No article in the library
    mentions “Zelensky”, so it cannot answer this.'"""
    quoted = " or ".join(f"“{name}”" for name in names)
    return f"No article in the library mentions {quoted}, so it cannot answer this."


def answer_text(answer: Answer, *, width: int = 88, color: bool = False) -> str:
    """An answer for a terminal: each passage with its best sentence marked, then its citation
    (after "Read as: …" when slips of typing were read as the library's words)."""
    text = _answer_body(answer, width, color)
    return f"Read as: {answer.read_as}\n\n{text}" if answer.read_as else text


def _answer_body(answer: Answer, width: int, color: bool) -> str:
    marks = ("\033[1m", "\033[0m") if color else ("»", "«")
    if not answer.answered:
        if answer.unknown_names:
            return never_mentioned(answer.unknown_names)
        if not answer.closest:
            return NO_ANSWER
        unsure = UNSURE.format(confidence=answer.confidence)
        return "\n\n".join([unsure, *(_block(1, hit, width, marks) for hit in answer.closest)])
    scored = answer.reply == "passages"  # a listed story or an article's opening has no score to show
    blocks = [_block(number, hit, width, marks, scored) for number, hit in enumerate(answer.hits, start=1)]
    if answer.article_facts:
        blocks.insert(0, "From the articles' citations:\n" + "\n".join(f"   {fact}" for fact in answer.article_facts))
    if newest := newest_date(answer.hits):
        blocks.append(f"Newest article cited: {newest}")
    if answer.time_read:
        blocks.append(f"Time read: {answer.time_read}")
    return "\n\n".join(blocks)


def _block(number: int, hit: Hit, width: int, marks: tuple[str, str], scored: bool = True) -> str:
    """One numbered result for a terminal: its score, its passage wrapped, best sentence marked,
    citation."""
    marked = emphasise(hit.text, hit.highlight, *marks)
    body = "\n".join(textwrap.fill(paragraph, width=width, initial_indent="   ", subsequent_indent="   ")
                     for paragraph in marked.split("\n\n"))
    also = "".join(f"\n   also reported by: {a.source or a.title}{f' ({a.date})' if a.date else ''}"
                   f" — {a.link}" for a in hit.also_reported_by)
    score = f" [{hit.score:.2f}]" if scored else ""
    return f"{number}.{score}\n{body}\n   — {citation_line(hit)}{also}"


def filters_note(store: Store, filters: Filters, scopes: list[int | None], flag: str = "") -> str:
    """Why a filtered question found nothing: the filters in force and whether any article passes them.

    Args:
        store: the library's store.
        filters: the question's filters.
        scopes: the scopes it searched (None: global; a server's id).
        flag: how the options are written (``--`` on the command line; "" in Discord, "since:").

    Returns:
        One sentence without a full stop, or "" when no source or date filter is in force.
    """
    def name(option: str) -> str:
        return f"{flag}{option}" if flag else f"{option}:"

    parts = [f"{name('source')} {'/'.join(filters.sources)}" if filters.sources else "",
             f"{name('author')} {'/'.join(filters.authors)}" if filters.authors else "",
             f"{name('since')} {filters.since}" if filters.since else "",
             f"{name('until')} {filters.until}" if filters.until else ""]
    in_force = ", ".join(part for part in parts if part)
    if not in_force:
        return ""
    if filters.since and filters.until and filters.since > filters.until:
        return f"no article can match: {name('since')} {filters.since} is after {name('until')} {filters.until}"
    if not store.any_article(scopes, filters):
        return f"no article matches the filters in force ({in_force})"
    return f"nothing in the articles matching the filters ({in_force}) answers it"
