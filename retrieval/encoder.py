"""What the library needs of an embedding model, whichever inference engine runs it."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """What the library needs of an embedding model."""

    @property
    def name(self) -> str:
        """The model's name, as recorded with the vectors it made."""

    @property
    def dim(self) -> int:
        """The vector dimension."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
