"""Cutting an article into passages at paragraph and sentence boundaries.

Passages are sized for the embedding model's window (all-MiniLM-L6-v2 reads 256
word pieces): whole paragraphs are packed together up to ``max_tokens``; a paragraph
that is too long is cut between sentences, and a sentence that is too long between words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.records import Chunk
from retrieval.sentences import split_sentences

_TOKEN = re.compile(r"\w+|[^\w\s]")
PARAGRAPH_SEPARATOR = "\n\n"


def estimate_tokens(text: str) -> int:
    """Estimate the word-piece count of ``text`` (words and punctuation, plus a margin)."""
    return int(len(_TOKEN.findall(text)) * 1.2) + 1


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs of a cleaned article (separated by blank lines)."""
    spans = []
    start = 0
    for block in text.split(PARAGRAPH_SEPARATOR):
        if block.strip():
            spans.append((start, start + len(block)))
        start += len(block) + len(PARAGRAPH_SEPARATOR)
    return spans


def chunk_article(text: str, max_tokens: int = 200,
                  count: Callable[[str], int] = estimate_tokens) -> list[Chunk]:
    """Cut a cleaned article into passages.

    Args:
        text: the article body, paragraphs separated by blank lines.
        max_tokens: the most word pieces a passage may hold.
        count: how to count tokens in a piece of text.

    Returns:
        Passages in order, each with its paragraph numbers and character offsets.
    """
    pieces: list[tuple[int, int, int]] = []  # (paragraph number, start, end)
    for number, (start, end) in enumerate(paragraph_spans(text), start=1):
        if count(text[start:end]) <= max_tokens:
            pieces.append((number, start, end))
        else:
            pieces.extend((number, s, e) for s, e in _split_long(text, start, end, max_tokens, count))
    return _pack(text, pieces, max_tokens, count)


def _pack(text: str, pieces: list[tuple[int, int, int]], max_tokens: int,
          count: Callable[[str], int]) -> list[Chunk]:
    chunks: list[Chunk] = []
    group: list[tuple[int, int, int]] = []
    size = 0
    for piece in pieces:
        piece_size = count(text[piece[1]:piece[2]])
        if group and size + piece_size > max_tokens:
            chunks.append(_make_chunk(text, group))
            group, size = [], 0
        group.append(piece)
        size += piece_size
    if group:
        chunks.append(_make_chunk(text, group))
    return chunks


def _make_chunk(text: str, group: list[tuple[int, int, int]]) -> Chunk:
    start, end = group[0][1], group[-1][2]
    return Chunk(text=text[start:end], para_start=group[0][0], para_end=group[-1][0],
                 char_start=start, char_end=end)


def _split_long(text: str, start: int, end: int, max_tokens: int,
                count: Callable[[str], int]) -> list[tuple[int, int]]:
    """Spans of at most ``max_tokens`` inside one paragraph, cut between sentences."""
    spans: list[tuple[int, int]] = []
    for s, e in split_sentences(text[start:end]):
        s, e = s + start, e + start
        if count(text[s:e]) <= max_tokens:
            spans.append((s, e))
        else:
            spans.extend(_split_words(text, s, e, max_tokens, count))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and count(text[merged[-1][0]:e]) <= max_tokens:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _split_words(text: str, start: int, end: int, max_tokens: int,
                 count: Callable[[str], int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    i = 0
    while i < len(words):
        j = i + 1
        while j < len(words) and count(text[words[i][0]:words[j][1]]) <= max_tokens:
            j += 1
        spans.append((words[i][0], words[j - 1][1]))
        i = j
    return spans
