"""The write steps both storage backends share: what is embedded for a passage, which documents are
new or changed, and chunking and embedding them before any lock is taken."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from retrieval.chunk import chunk_article
from retrieval.encoder import Encoder
from retrieval.errors import ArticleNotFoundError
from retrieval.records import Article, Chunk, Document
from retrieval.sentence_vectors import SentenceVectors, embed_passages

if TYPE_CHECKING:
    from retrieval.library import Store

EMBED_BATCH_PASSAGES = 256


def passage_text_for_embedding(title: str, text: str) -> str:
    """What is embedded for a passage: the article title, then the passage."""
    return f"{title}. {text}" if title else text


def content_hash(doc: Document) -> str:
    """A fingerprint of an article's text (white space and case folded)."""
    folded = " ".join(doc.text.lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def another_publication(doc: Document, url: str, source: str) -> bool:
    """Whether ``doc`` and a stored article of the same text (at ``url``, by ``source``) are two
    publications of it (a syndicated copy, kept as an article of its own: it joins the same story,
    and its publisher counts): both are links, on different hosts, and not one publisher's. A
    file, an upload, or a second link of one site or one publisher is the same article."""
    same_publisher = bool(doc.source and source) and doc.source.strip().lower() == source.strip().lower()
    return bool(doc.url and url) and _host(doc.url) != _host(url) and not same_publisher


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def identity_of(doc: Document) -> str:
    """What makes two versions the same article: its url, else where it came from."""
    return doc.url or doc.path or content_hash(doc)


@dataclass(slots=True)
class Prepared:
    """A document chunked and embedded, ready to be stored."""

    doc: Document
    old: int | None  # the article it replaces
    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: list[SentenceVectors]


def plan_documents(store: Store, docs: list[Document], guild_id: int | None
                   ) -> tuple[list[str], list[tuple[Document, int | None]]]:
    """Each document's status ("added", "updated", "unchanged"), and the (document, article it
    replaces) pairs to write; ``store`` is either backend's."""
    statuses, todo = [], []
    seen: dict[str, list[Document]] = {}  # content hash -> this batch's documents with it
    for doc in docs:
        existing = store.find_existing(doc, guild_id)
        digest = content_hash(doc)
        if (existing and existing[1] == digest) or any(not another_publication(doc, other.url, other.source)
                                                       for other in seen.get(digest, [])):
            statuses.append("unchanged")
            continue
        seen.setdefault(digest, []).append(doc)
        statuses.append("updated" if existing else "added")
        todo.append((doc, existing[0] if existing else None))
    return statuses, todo


def prepare_documents(encoder: Encoder, todo: list[tuple[Document, int | None]], max_tokens: int
                      ) -> list[Prepared]:
    """Chunk and embed the documents to write (no lock held: this is nearly all the time)."""
    chunked = [(doc, old, chunk_article(doc.text, max_tokens)) for doc, old in todo]
    texts = [passage_text_for_embedding(doc.title, c.text) for doc, _, chunks in chunked for c in chunks]
    vectors, sentences = embed_passages(encoder, texts, [c.text for _, _, chunks in chunked for c in chunks])
    prepared, offset = [], 0
    for doc, old, chunks in chunked:
        end = offset + len(chunks)
        prepared.append(Prepared(doc, old, chunks, vectors[offset:end], sentences[offset:end]))
        offset = end
    return prepared


def article_in_scope(store: Store, article_id: int, guild_id: int | None) -> Article:
    """The article ``article_id`` if it belongs to the scope ``guild_id`` (None: the global library).

    Raises:
        ArticleNotFoundError: no such article in that scope.
    """
    article = store.get_article(article_id)
    if article is None or (article.guild_id or None) != (guild_id or None):
        raise ArticleNotFoundError(f"No article with id {article_id} in this library.")
    return article


def describe_library(store: Store, index: str) -> str:
    """One line: articles, passages and ``index``, the vector index in use."""
    articles, passages = store.count("articles"), store.count("passages")
    return (f"{articles:,} article{'' if articles == 1 else 's'}, {passages:,} passage{'' if passages == 1 else 's'}"
            f", vector index {index}")
