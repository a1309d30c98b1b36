"""Paragraph splitting and removal of web page furniture (navigation, teasers, widgets).

The rules are general ones about how news pages are laid out, not about particular files:
- a teaser list ("Latest articles", "More like this", ...) ends the article: all that follows goes;
- lines that are page furniture on every site (breadcrumbs, "See also" links, "Source link",
  "Published on", image placeholders, share and comment widgets) are dropped;
- a short line without sentence punctuation inside the body is a link or a label, not news.
"""

from __future__ import annotations

import re

_TEASER_HEADINGS = re.compile(
    r"^(latest (articles|news|stories|posts)|more like this|related (articles|stories|posts|news|content)"
    r"|you (may|might) also like|recommended( for you| stories| articles)?|more (stories|from [\w\s]+)"
    r"|most (read|popular|viewed)|trending( now| stories)?|popular (posts|stories)|read (more|next)"
    r"|also read|top stories|editor'?s picks|what to read next|don'?t miss)\s*:?$",
    re.IGNORECASE,
)
_FURNITURE_LINE = re.compile(
    r"^(see also\b.*|source link|published on|posted on|updated on|last updated:?|spot_img|spot_im"
    r"|\[?(image|photo|picture|video|img)( placeholder)?\]?|advertisement|sponsored( content)?"
    r"|share( this( article| story)?| on \w+)?:?|(click|tap) here.*|skip to (main )?content"
    r"|sign up for .*|subscribe( now| to .*)?|follow us.*|(no|\d+) comments?:?|post a comment"
    r"|leave a (comment|reply)|comments?|reply|loading\.*|print|email|facebook|twitter|whatsapp"
    r"|copyright\b.*|©.*|all rights reserved\.?|read more\.*|continue reading\.*"
    r"|join .* for access to this content.*|you have reached your maximum.*"
    r"|(\d+\.\s*)?how relevant is this ad to you\??|video player was slow to load content.*|ad feedback)$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"^(?:Home|HOME)(?:\s*[›>»/|]|(?=[A-Z]))")
# a trailing parenthetical of at most 300 characters: unbounded, "a. (" repeated made the search quadratic
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$|[.!?…]["'”’)\]]*\s*\(.{0,300}\)$""")
_MAX_HEADING_CHARS = 120  # a teaser heading is short; longer lines are never tested (nor scanned)
_MAX_LABEL_WORDS = 14


def split_paragraphs(text: str) -> list[str]:
    """Split text into paragraphs.

    Blank lines separate paragraphs, and so does a line break (one paragraph per line, as
    many feeds do), except where the text is plainly hard-wrapped mid-sentence: then the
    next line is joined on.

    Args:
        text: plain text with any newline convention.

    Returns:
        Paragraphs with white space folded, empty ones removed.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            _flush(current, paragraphs)
            continue
        if current and not _continues(current[-1], line):
            _flush(current, paragraphs)
        current.append(line)
    _flush(current, paragraphs)
    return paragraphs


_JOINING_WORDS = {"the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with",
                  "by", "from", "that", "as", "its", "his", "her", "their", "was", "is", "said"}


def _continues(previous: str, line: str) -> bool:
    """True when ``line`` carries on the sentence that ``previous`` broke off."""
    if ends_sentence(previous) or previous.endswith(":"):
        return False
    last_word = previous.rsplit(" ", 1)[-1].lower()
    if previous.endswith((",", ";", "-", "–", "—")) or last_word in _JOINING_WORDS:
        return True
    return len(previous) >= 40 and line[:1].islower()


def _flush(current: list[str], paragraphs: list[str]) -> None:
    if current:
        paragraphs.append(" ".join(current))
        current.clear()


def ends_sentence(line: str) -> bool:
    """True when a line ends with sentence punctuation (possibly inside quotes)."""
    return bool(_SENTENCE_END.search(line.rstrip()))


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture wherever it appears."""
    stripped = line.strip()
    return bool(_FURNITURE_LINE.match(stripped) or _BREADCRUMB.match(stripped))


def is_teaser_heading(line: str) -> bool:
    """True for a heading that starts a list of links to other articles."""
    stripped = line.strip()
    return len(stripped) <= _MAX_HEADING_CHARS and bool(_TEASER_HEADINGS.match(stripped))


def is_label(line: str) -> bool:
    """True for a short line without sentence punctuation: a link, a heading or a caption."""
    return len(line.split()) <= _MAX_LABEL_WORDS and not ends_sentence(line)


def remove_furniture(paragraphs: list[str]) -> list[str]:
    """Drop furniture lines and everything after a teaser heading.

    Args:
        paragraphs: the body of an article, header already removed.

    Returns:
        The paragraphs that are news copy.
    """
    kept: list[str] = []
    for paragraph in paragraphs:
        if is_teaser_heading(paragraph) and kept:
            break
        if is_furniture(paragraph) or is_label(paragraph):
            continue
        kept.append(paragraph)
    return kept
