"""Test helpers: a deterministic stand-in embedding model and article builders."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from retrieval.records import Document


class HashEncoder:
    """A bag-of-words embedding by feature hashing: fast, deterministic, no model files.

    Texts that share words get similar vectors, which is all the store, index and
    ranking tests need.
    """

    def __init__(self, dim: int = 256, name: str = "hash-test-model", salt: str = "") -> None:
        self.dim = dim
        self.name = name
        self.salt = salt  # another salt: another model (same words, other vectors)
        self.calls = 0
        self.encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        return self._vectors(texts)

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Like a real model: one run per text yields its span vectors too."""
        vectors = self.encode(texts)
        return vectors, [self._vectors([text[s:e] for s, e in group]) for text, group in zip(texts, spans)]

    def _vectors(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = int(hashlib.md5((self.salt + word).encode()).hexdigest(), 16)
                out[row, digest % self.dim] += 1.0 if (digest >> 64) % 2 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


def doc(text: str, **fields: str) -> Document:
    """A document with the given body and metadata."""
    return Document(text=text, **fields)


LONG_PARAGRAPH = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "Council members argued about spending on roads and schools for several hours. "
    "The mayor said the plan would keep taxes flat for the third year in a row. "
)
