"""Text out of markup in linear time, for content from outside (feed entries, broken pages).

Regular expressions such as ``<(script|style)\\b.*?</\\1\\s*>`` or ``<[^>]*>`` backtrack: on a feed
entry of ``<script`` repeated (or ``<`` repeated), every start position scans to the end of the
text, so the time grows with the square of its length (an entry of 240 KB took 9.4 s, holding the
GIL all along). The passes here give the same text as those expressions (tested against them) but
find each ``<``, ``>`` and closing tag with :meth:`str.find`, and remember what a search already
showed is not there, so the work grows with the length of the text.
"""

from __future__ import annotations

import html as html_lib

SCRIPTS = ("script", "style")  # elements whose content is not text (feed entries)
HIDDEN = ("script", "style", "noscript")  # the same, for pages too broken for a parser
BLOCK_ENDS = ("br", "/p", "/div", "/li", "/blockquote", "/tr", *(f"/h{n}" for n in range(1, 7)))


def _word_end(text: str, start: int) -> int:
    """The end of the run of word characters (letters, digits, ``_``) at ``start``."""
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return end


class _NextGreater:
    """The first ``>`` at or after a position, for positions that only grow."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found = -2  # not searched yet

    def after(self, position: int) -> int:
        if self.found == -1 or self.found >= position:
            return self.found
        self.found = self.text.find(">", position)
        return self.found


class _Closer:
    """The first ``</name\\s*>`` at or after a position (case-insensitive), for positions that only grow."""

    def __init__(self, text: str, lower: str, name: str) -> None:
        self.text, self.lower, self.needle = text, lower, f"</{name}"
        self.found: tuple[int, int] | None = None
        self.searched_from = -1

    def after(self, position: int) -> tuple[int, int] | None:
        if self.searched_from >= 0 and (self.found is None or self.found[0] >= position):
            return self.found
        self.searched_from, self.found = position, None
        start = self.lower.find(self.needle, position)
        while start >= 0:
            end = start + len(self.needle)
            while end < len(self.text) and self.text[end].isspace():
                end += 1
            if end < len(self.text) and self.text[end] == ">":
                self.found = (start, end + 1)
                break
            start = self.lower.find(self.needle, start + 1)
        return self.found


def drop_elements(html: str, names: tuple[str, ...]) -> str:
    """``html`` with each ``<name …>…</name>`` (the first closing tag after it) replaced by a space."""
    lower = html.lower()
    closers = {name: _Closer(html, lower, name) for name in names}
    out, position, look = [], 0, 0
    while (start := html.find("<", look)) >= 0:
        end = _word_end(html, start + 1)
        closer = closers.get(lower[start + 1:end])
        found = closer.after(end) if closer is not None else None
        if found is None:
            look = start + 1
            continue
        out += [html[position:start], " "]
        position = look = found[1]
    out.append(html[position:])
    return "".join(out)


def replace_tags(html: str, replacement: str, names: tuple[str, ...] | None = None) -> str:
    """Each tag ``<…>`` replaced; with ``names``, only tags ``<\\s*name\\b…>`` of those names."""
    wanted = None if names is None else {name.lower() for name in names}
    closing = _NextGreater(html)
    out, position, look = [], 0, 0
    while (start := html.find("<", look)) >= 0:
        end = closing.after(start + 1)
        if end < 0:
            break
        if wanted is not None:
            first = start + 1
            while first < end and html[first].isspace():
                first += 1
            name_end = _word_end(html, first + (html[first:first + 1] == "/"))
            if html[first:name_end].lower() not in wanted:
                look = start + 1
                continue
        out += [html[position:start], replacement]
        position = look = end + 1
    out.append(html[position:])
    return "".join(out)


def entry_text(html: str) -> str:
    """Plain text of a feed entry's HTML: block ends become paragraph breaks, inline tags vanish."""
    text = replace_tags(replace_tags(drop_elements(html, SCRIPTS), "\n\n", BLOCK_ENDS), "")
    paragraphs = (" ".join(p.split()) for p in html_lib.unescape(text).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def tags_to_lines(html: str) -> str:
    """Text of markup too broken or too deep for a parser: hidden elements out, every tag a break."""
    text = replace_tags(drop_elements(html, HIDDEN), "\n")
    return "\n\n".join(" ".join(line.split()) for line in html_lib.unescape(text).splitlines() if line.strip())
