"""Sentence vectors for the highlighter, computed while a passage is embedded.

Embedding every sentence of the best passages at question time cost about 120 ms a
question on our 2-core machines. Instead, when a passage is embedded, the model's token
states are also mean-pooled over each sentence's span ("in-context" sentence vectors): no
extra model run at ingest, one row read at question time. On XQuAD these pick the sentence
holding the answer more often than sentences embedded on their own (docs/quality.md).

Stored per passage as int8 with one scale per sentence (cosine error about 0.001).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.encoder import Encoder
from retrieval.pooling import Span, normalise
from retrieval.sentences import split_sentences


@dataclass(slots=True)
class SentenceVectors:
    """The sentences of one passage: character spans in the passage text, one vector each."""

    spans: list[Span]
    vectors: np.ndarray  # (len(spans), dim), L2-normalised float32

    def sentences(self, text: str) -> list[str]:
        """The sentence strings of ``text`` (the passage these spans were cut from)."""
        return [text[s:e] for s, e in self.spans]


def sentence_spans(text: str) -> list[Span]:
    """The sentence spans of a passage (the passage itself when it has one sentence or none)."""
    return split_sentences(text) or [(0, len(text))]


def embed_passages(encoder: Encoder, texts: list[str], passages: list[str]) -> tuple[np.ndarray, list[SentenceVectors]]:
    """Embed passages and their sentences.

    Args:
        encoder: the model; with ``encode_with_spans`` the sentence vectors come from the
            passage's own run (``encode_with_spans(texts, spans)`` returning the text vectors
            and one array of span vectors per text), otherwise each sentence is embedded alone.
        texts: what is embedded for each passage (title, then passage).
        passages: the passage texts; each must be the end of its ``texts`` entry.

    Returns:
        The passage vectors and each passage's sentence vectors.
    """
    spans = [sentence_spans(p) for p in passages]
    if hasattr(encoder, "encode_with_spans"):
        shifts = [len(t) - len(p) for t, p in zip(texts, passages)]
        shifted = [[(s + d, e + d) for s, e in group] for group, d in zip(spans, shifts)]
        vectors, pooled = encoder.encode_with_spans(texts, shifted)
    else:
        vectors = encoder.encode(texts)
        flat = [p[s:e] for p, group in zip(passages, spans) for s, e in group]
        encoded = encoder.encode(flat) if flat else np.zeros((0, vectors.shape[1]), np.float32)
        bounds = np.cumsum([0, *(len(g) for g in spans)])
        pooled = [encoded[bounds[i]:bounds[i + 1]] for i in range(len(spans))]
    return vectors, [SentenceVectors(group, rows) for group, rows in zip(spans, pooled)]


def pack(item: SentenceVectors) -> tuple[bytes, bytes, bytes]:
    """Spans, int8 vectors and per-row scales as bytes for storage."""
    scales = np.abs(item.vectors).max(axis=1, initial=0.0) / 127.0
    quantised = np.round(item.vectors / np.clip(scales[:, None], 1e-12, None)).astype(np.int8)
    return (np.asarray(item.spans, dtype=np.int32).tobytes(), quantised.tobytes(),
            scales.astype(np.float32).tobytes())


def unpack(spans: bytes, vectors: bytes, scales: bytes) -> SentenceVectors:
    """The inverse of :func:`pack` (vectors normalised again)."""
    return unpack_many([(0, spans, vectors, scales)])[0]


def unpack_many(rows: Sequence[tuple[int, bytes, bytes, bytes]]) -> dict[int, SentenceVectors]:
    """Several passages' packed sentence vectors, by passage id, decoded in one go.

    Args:
        rows: (passage id, spans, vectors, scales) as :func:`pack` wrote them.
    """
    if not rows:
        return {}
    pairs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.int32).reshape(-1, 2).tolist()
    factors = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float32)
    quantised = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.int8).reshape(len(factors), -1)
    vectors = normalise(quantised.astype(np.float32) * factors[:, None])
    bounds = np.cumsum([0, *(len(r[3]) // 4 for r in rows)]).tolist()
    return {r[0]: SentenceVectors([(s, e) for s, e in pairs[a:b]], vectors[a:b])
            for r, a, b in zip(rows, bounds, bounds[1:])}
