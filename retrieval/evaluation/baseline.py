"""The naive recipe most tutorials use, built beside the product for comparison in ``newsbot eval``.

Paragraphs merged to 60-200 words with the title prefixed, all-MiniLM-L6-v2 + FAISS flat,
BM25 on the same passages, and the two fused by reciprocal rank (k=60). Built in memory
from the articles already in the library, so both see exactly the same text.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

import faiss

from retrieval.chunk import PARAGRAPH_SEPARATOR
from retrieval.encoder import Encoder
from retrieval.library import Library
from retrieval.rank import rrf
from retrieval.records import Answer, Hit
from retrieval.search import SearchOptions
from retrieval.terms import fts_query

MIN_WORDS, MAX_WORDS = 60, 200
BASELINE_MODES = ("naive-rrf", "naive-dense", "naive-bm25")


def naive_chunks(body: str) -> list[str]:
    """Paragraphs merged until at least 60 words; longer than 200 words, cut every 200 words."""
    pieces: list[str] = []
    for paragraph in body.split(PARAGRAPH_SEPARATOR):
        tokens = paragraph.split()
        pieces.extend(" ".join(tokens[i:i + MAX_WORDS]) for i in range(0, len(tokens), MAX_WORDS))
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        current.append(piece)
        if sum(len(p.split()) for p in current) >= MIN_WORDS:
            chunks.append(" ".join(current))
            current = []
    if current:
        if chunks and len(" ".join(current).split()) + len(chunks[-1].split()) <= MAX_WORDS:
            chunks[-1] += " " + " ".join(current)
        else:
            chunks.append(" ".join(current))
    return chunks


class NaiveBaseline:
    """The naive index over a library's articles; answers like a :class:`Searcher` does."""

    def __init__(self, library: Library, encoder: Encoder) -> None:
        """Chunk, embed and index every global article of ``library``."""
        self.articles = {a.id: a for a in library.articles([None])}
        texts, self.owner = [], []
        for article in self.articles.values():
            for chunk in naive_chunks(library.store.article_body(article.id)):
                texts.append(f"{article.title}\n{chunk}")
                self.owner.append(article.id)
        self.encoder = encoder
        self.index = faiss.IndexFlatIP(encoder.dim)
        for start in range(0, len(texts), 512):
            self.index.add(encoder.encode(texts[start:start + 512]))
        self.fts = sqlite3.connect(":memory:", check_same_thread=False)
        self.fts.execute("CREATE VIRTUAL TABLE p USING fts5(text)")
        self.fts.executemany("INSERT INTO p (rowid, text) VALUES (?, ?)", enumerate(texts))
        self.size = len(texts)

    @staticmethod
    def certainty(question: str, hits: list[Hit]) -> float:
        """The naive recipe has no confidence."""
        return 0.0

    @staticmethod
    def coverage(question: str, hits: list[Hit]) -> list[float]:
        """The naive recipe has no confidence: no coverage either."""
        return [0.0] * len(hits)

    def ask(self, question: str, options: SearchOptions, guild_ids: Iterable[int | None] = (None,)) -> Answer:
        """Rank articles for a question in one of :data:`BASELINE_MODES` (``options.mode``)."""
        started = time.perf_counter()
        dense: list[tuple[int, float]] = []
        keyword: list[tuple[int, float]] = []
        if options.mode in ("naive-rrf", "naive-dense"):
            scores, ids = self.index.search(self.encoder.encode([question]), 100)
            dense = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]
        if options.mode in ("naive-rrf", "naive-bm25") and (query := fts_query(question)):
            keyword = [(int(r[0]), -float(r[1])) for r in self.fts.execute(
                "SELECT rowid, bm25(p) FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 100", (query,))]
        ranked = {"naive-dense": dense, "naive-bm25": keyword}.get(options.mode) or rrf([dense, keyword])
        hits, seen = [], set()
        as_of = options.filters.as_of
        for pid, score in ranked:
            article = self.articles[self.owner[pid]]
            if article.id in seen or (as_of and article.date and article.date > as_of):
                continue  # the baselines are given the asking time too: no article from after it
            seen.add(article.id)
            hits.append(Hit(passage_id=pid, text="", highlight="", score=score, paragraph="", article=article))
            if len(hits) >= options.k:
                break
        return Answer(question, bool(hits), hits, (time.perf_counter() - started) * 1000)
