"""Reading article files: plain text, Markdown/text with YAML front matter, HTML and JSONL.

Each reader turns bytes into :class:`Document` objects. A problem with one file (or one
JSONL line) becomes a :class:`ParseFailure` with a reason; it never stops the batch.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from retrieval.dates import parse_date
from retrieval.errors import BadInputError
from retrieval.markup import tags_to_lines
from retrieval.metadata import extract_plain
from retrieval.records import Document

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
_FIELDS = ("title", "source", "author", "date", "url")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MIN_TEXT_CHARS = 20
_MIN_HEADLINE_WORDS = 4


@dataclass(slots=True)
class ParseFailure:
    """One file or line that could not be read, and why."""

    path: str
    reason: str


def decode(data: bytes, *, max_bytes: int) -> str:
    """Turn file bytes into text, refusing what is not text.

    UTF-8 (with or without BOM) is tried first, then Windows-1252 / Latin-1, which older
    news archives use.

    Args:
        data: the file's bytes.
        max_bytes: the size limit.

    Returns:
        The decoded text.

    Raises:
        BadInputError: empty, too large, binary, or not decodable.
    """
    if len(data) > max_bytes:
        raise BadInputError(f"file is too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if not data.strip():
        raise BadInputError("file is empty")
    if b"\x00" in data[:8192]:
        raise BadInputError("file is binary, not text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(3, len(text[:20000]) // 100):
        raise BadInputError("file is binary or in an unknown encoding (too many control characters)")
    return text


def read_path(path: Path, *, max_bytes: int) -> Iterator[Document | ParseFailure]:
    """Read every article in one file.

    Args:
        path: a file of a supported type.
        max_bytes: the size limit per file.

    Yields:
        Documents, and failures for what could not be read.
    """
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size > max_bytes:
            raise BadInputError(f"file is too large ({path.stat().st_size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
        if suffix in JSONL_SUFFIXES:
            yield from parse_jsonl(decode(data, max_bytes=max_bytes), str(path))
            return
        yield parse_bytes(data, suffix, str(path), max_bytes=max_bytes)
    except BadInputError as exc:
        yield ParseFailure(str(path), str(exc))
    except OSError as exc:
        yield ParseFailure(str(path), f"cannot read file: {exc.strerror or exc}")


def parse_bytes(data: bytes, suffix: str, path: str, *, max_bytes: int,
                meta: Document | None = None) -> Document:
    """Parse one non-JSONL file's bytes by its suffix.

    Args:
        data: the file's bytes.
        suffix: the file suffix, lower case with the dot (".txt", ".md", ".html").
        path: where it came from, recorded on the document.
        max_bytes: the size limit.
        meta: metadata given by the caller (e.g. a Discord admin); it wins over the file's.

    Returns:
        The document.

    Raises:
        BadInputError: the file cannot be used.
    """
    if suffix not in SUPPORTED_SUFFIXES - JSONL_SUFFIXES:
        raise BadInputError(f"unsupported file type {suffix!r}; use .txt, .md, .html or .jsonl")
    text = decode(data, max_bytes=max_bytes)
    if suffix in HTML_SUFFIXES:
        doc = parse_html(text, meta)
    else:
        doc = parse_text(text, meta)
    doc.path = path
    return checked(doc)


def parse_upload(data: bytes, name: str, label: str, *, max_bytes: int,
                 meta: Document | None = None) -> list[Document | ParseFailure]:
    """An uploaded file's articles (or failures): JSONL by line, anything else as one article.

    Args:
        data: the file's bytes.
        name: its file name (the suffix chooses the parser).
        label: where it came from, recorded on each document.
        max_bytes: the size limit.
        meta: metadata given by the uploader; it wins over the file's.

    Raises:
        BadInputError: the file cannot be used at all.
    """
    suffix = Path(name).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return list(parse_jsonl(decode(data, max_bytes=max_bytes), label))
    return [parse_bytes(data, suffix, label, max_bytes=max_bytes, meta=meta)]


def parse_text(text: str, meta: Document | None = None) -> Document:
    """Parse plain text or Markdown, with optional YAML front matter."""
    front, body = split_front_matter(text)
    defaults = _merge(meta, front)
    body = strip_markdown(body) if front or _looks_like_markdown(body) else body
    return extract_plain(body, defaults=defaults)


def split_front_matter(text: str) -> tuple[Document | None, str]:
    """Separate a YAML front matter block from the body.

    Raises:
        BadInputError: the front matter is not valid YAML mapping.
    """
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return None, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise BadInputError(f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise BadInputError("front matter must be a mapping of fields (title:, source:, ...)")
    return _document_from_mapping(data, text=""), text[match.end():]


# Markdown is matched a line at a time with bounded repeats: nothing here can scan a long line
# once per character of it (a hostile upload of "[" repeated took minutes with unbounded repeats)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+([^\n]{0,500}?)[ \t#]{0,100}$", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\n]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)([^\n]{1,200}?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_MD_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}\.)[ \t]+", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)


def strip_markdown(text: str) -> str:
    """Turn Markdown into plain text: headings become lines, links their text, images nothing."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_ITEM.sub("", text)
    return _MD_RULE.sub("", text)


def _looks_like_markdown(text: str) -> bool:
    return bool(_MD_HEADING.search(text) or _MD_LINK.search(text))


def parse_html(html: str, meta: Document | None = None) -> Document:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura  # slow import; only HTML needs it

    try:
        extracted: Any = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                                include_tables=False, favor_precision=True)
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        raise BadInputError(f"cannot parse HTML: {exc}") from None
    if extracted is not None and (extracted.text or "").strip():
        found = Document(text="", title=extracted.title or "", source=extracted.sitename or "",
                         author=extracted.author or "", date=parse_date(extracted.date),
                         url=extracted.url or "")
        return extract_plain(extracted.text, defaults=_merge(meta, found))
    title, text = _html_blocks(html)  # short pages trafilatura judges too thin to be an article
    if not text.strip():
        raise BadInputError("no article text found in the HTML page")
    return extract_plain(text, defaults=_merge(meta, Document(text="", title=title)))


_HTML_NOISE = "//script|//style|//noscript|//nav|//footer|//aside|//header|//form|//iframe|//svg"
_HTML_BLOCKS = "//h1|//h2|//h3|//p|//li|//blockquote|//pre"


def _html_blocks(html: str) -> tuple[str, str]:
    """(title, text of the block elements) of a page, scripts and page chrome removed."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html, parser=lxml_html.HTMLParser(huge_tree=True, remove_comments=True))
    except (etree.ParserError, ValueError):
        return "", ""
    for node in tree.xpath(_HTML_NOISE):
        node.drop_tree()
    title = " ".join(" ".join(tree.xpath("//title//text()")).split())
    blocks = [" ".join(node.text_content().split()) for node in tree.xpath(_HTML_BLOCKS)]
    text = "\n\n".join(b for b in blocks if b)
    return title, text or tags_to_lines(html)


def parse_jsonl(text: str, path: str) -> Iterator[Document | ParseFailure]:
    """Parse JSON Lines, one article per line; a bad line is reported by its number.

    An article's ``path`` is the line's own ``path`` field (what ``newsbot export`` writes: where it
    first came from), else ``FILE#Lnumber``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}#L{number}"
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise BadInputError("line is not a JSON object")
            doc = _document_from_mapping(data, text=str(data.get("text") or ""))
            if not doc.text.strip():
                raise BadInputError('line has no "text"')
            doc = extract_plain(doc.text, defaults=doc)
            doc.path = _as_text(data.get("path")) or where  # an exported library keeps its articles' paths
            yield checked(doc)
        except json.JSONDecodeError as exc:
            yield ParseFailure(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
        except BadInputError as exc:
            yield ParseFailure(where, str(exc))


def _document_from_mapping(data: dict, *, text: str) -> Document:
    values = {key: _as_text(data.get(key)) for key in _FIELDS}
    if not values["source"]:
        values["source"] = _as_text(data.get("publisher"))
    values["date"] = parse_date(data.get("date") or data.get("published"))
    return Document(text=text, **values)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return " ".join(str(value).split())


def _merge(first: Document | None, second: Document | None) -> Document | None:
    """Fields of ``first`` win; empty ones are filled from ``second``."""
    if first is None or second is None:
        return first or second
    merged = Document(text="")
    for key in _FIELDS:
        setattr(merged, key, getattr(first, key) or getattr(second, key))
    return merged


MAX_ARTICLE_CHARS = 200_000  # about 30,000 words: longer than any article; the rest of a page is cut
_FIELD_CAPS = {"title": 500, "source": 200, "author": 300, "date": 40, "url": 2000, "path": 2000}


def checked(doc: Document) -> Document:
    """The document, or a headline-only one when its page held nothing but furniture.

    A headline of :data:`_MIN_HEADLINE_WORDS` words or more is the publisher's own summary of
    the story (feeds and pages behind a video often give no more), so it is kept as the text.

    Every field is cut to its cap (:data:`MAX_ARTICLE_CHARS` for the text) before anything stores
    or embeds it: a hostile page cannot make an article of hundreds of megabytes.

    Raises:
        BadInputError: neither text nor a headline.
    """
    doc.text = doc.text[:MAX_ARTICLE_CHARS]
    for name, cap in _FIELD_CAPS.items():
        setattr(doc, name, getattr(doc, name)[:cap])
    if len(doc.text.strip()) >= _MIN_TEXT_CHARS:
        return doc
    if len(doc.title.split()) >= _MIN_HEADLINE_WORDS:
        doc.text = doc.title
        return doc
    raise BadInputError("no article text left after removing page furniture")
