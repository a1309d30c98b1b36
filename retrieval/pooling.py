"""Mean pooling of a model's token states, shared by both inference engines (PyTorch and ONNX Runtime)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Span = tuple[int, int]  # character offsets [start, end) in a text


def normalise(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)


def pool_spans(hidden: np.ndarray, offsets: Sequence[Span], spans: Sequence[Span]) -> np.ndarray:
    """Mean-pool token states over character spans.

    Args:
        hidden: token states of one text, (tokens, dim), padding included or not.
        offsets: the character span of each token in the text ((0, 0) for special tokens).
        spans: character spans to pool over.

    Returns:
        One normalised row per span. A span with no token (cut off by truncation) gets the
        mean of all the text's tokens, so it still has a sensible vector.
    """
    starts = np.array([a for a, _ in offsets], dtype=np.int64)
    ends = np.array([b for _, b in offsets], dtype=np.int64)
    real = ends > starts
    fallback = hidden[: len(offsets)][real].mean(axis=0) if real.any() else np.zeros(hidden.shape[1])
    rows = np.empty((len(spans), hidden.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        rows[row] = hidden[: len(offsets)][inside].mean(axis=0) if inside.any() else fallback
    return normalise(rows)
