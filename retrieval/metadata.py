"""Metadata from plain text by general rules: headline, dateline, byline, Source:/Author: lines."""

from __future__ import annotations

import re

from retrieval.clean import ends_sentence, is_furniture, is_teaser_heading, remove_furniture, split_paragraphs
from retrieval.dates import is_date_line, parse_date
from retrieval.records import Document
from retrieval.sentences import sentences

_FIELD_LINE = re.compile(
    r"^(source|publisher|author|by|written by|date|published|url|link|title)\s*:\s*(.{1,200})$",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"  # one to four capitalised words
_BYLINE = re.compile(rf"^[Bb]y\s+({_NAME}(?:\s+and\s+{_NAME})?)(?:[,|].*)?$")
_HEADER_SCAN = 8
_TITLE_WORDS = 12


def extract_plain(text: str, *, defaults: Document | None = None) -> Document:
    """Read title, date, source and author out of plain text and clean its body.

    Values already set in ``defaults`` (from front matter or a feed) win over what the
    text suggests.

    Args:
        text: the article as plain text.
        defaults: metadata known from elsewhere; its ``text`` is ignored.

    Returns:
        A document whose ``text`` is the cleaned body, paragraphs separated by blank lines.
    """
    doc = Document(text="") if defaults is None else Document(**{**_as_dict(defaults), "text": ""})
    paragraphs = split_paragraphs(text)
    found: dict[str, str] = {}
    paragraphs = [p for p in paragraphs if not _take_field(p, found)]
    body = _take_header(paragraphs, found)
    body = remove_furniture(body)
    doc.text = "\n\n".join(body)
    for key in ("title", "source", "author", "date", "url"):
        if not getattr(doc, key) and found.get(key):
            setattr(doc, key, found[key])
    if not doc.title:
        doc.title = derive_title(body)
    return doc


def _as_dict(doc: Document) -> dict[str, str]:
    return {k: getattr(doc, k) for k in Document.__slots__}


def _take_field(paragraph: str, found: dict[str, str]) -> bool:
    """Record a ``Source:``-style line or a byline; True when the line was one."""
    match = _FIELD_LINE.match(paragraph)
    if match:
        key, value = match.group(1).lower(), match.group(2).strip()
        key = {"publisher": "source", "by": "author", "written by": "author", "published": "date",
               "link": "url"}.get(key, key)
        if key == "date":
            value = parse_date(value)
        found.setdefault(key, value)
        return True
    byline = _BYLINE.match(paragraph)
    if byline and len(paragraph.split()) <= 12:
        found.setdefault("author", byline.group(1))
        return True
    return False


def _take_header(paragraphs: list[str], found: dict[str, str]) -> list[str]:
    """Strip the header (datelines, navigation, headline) and return the body."""
    start = 0
    for index, paragraph in enumerate(paragraphs[:_HEADER_SCAN]):
        if _is_body(paragraph):
            break
        start = index + 1
        if is_date_line(paragraph):
            found.setdefault("date", parse_date(paragraph))
        elif is_wire_dateline(paragraph):
            continue
        elif not is_furniture(paragraph) and not is_teaser_heading(paragraph) and "title" not in found:
            if len(paragraph.split()) >= 2:
                found["title"] = paragraph.rstrip(":")
    body = paragraphs[start:]
    if "title" in found:  # a repeated headline inside the body is not news copy
        body = [p for p in body if p != found["title"]]
    return body


def is_wire_dateline(paragraph: str) -> bool:
    """A place and agency ending in a dash ("WASHINGTON (AP) —"), the opening of wire copy."""
    return len(paragraph.split()) <= 8 and paragraph.rstrip().endswith(("-", "–", "—"))


def _is_body(paragraph: str) -> bool:
    """Prose: a sentence of eight words or more, or anything too long to be a headline."""
    count = len(paragraph.split())
    return count > 25 or (count >= 8 and ends_sentence(paragraph))


def derive_title(paragraphs: list[str]) -> str:
    """A short title from the first sentence, for articles that have none.

    Args:
        paragraphs: the cleaned body.

    Returns:
        At most about twelve words of the first sentence, cut at a word with "…", or "".
    """
    for paragraph in paragraphs:
        found = sentences(paragraph)
        if not found:
            continue
        words = found[0].rstrip(".!?").split()
        if len(words) <= _TITLE_WORDS:
            return " ".join(words)
        return " ".join(words[:_TITLE_WORDS]).rstrip(",;:") + "…"
    return ""
