"""The FAISS vector index, keyed by passage id, saved atomically beside the database.

Inner product on L2-normalised vectors (cosine similarity) with an id map, so single
articles can be added and removed without a rebuild. A JSON manifest records the model,
dimension and count; an index built with another model is refused with a clear error.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import ModelMismatchError, StoreError

logger = logging.getLogger(__name__)

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "vectors.json"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class VectorIndex:
    """Passage vectors in a FAISS ``IndexIDMap2`` over an exact inner-product index."""

    def __init__(self, directory: Path, model: str, dim: int) -> None:
        """Create an empty index for ``model`` vectors of size ``dim`` (not yet saved)."""
        self.directory = directory
        self.model = model
        self.dim = dim
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.loaded_mtime = 0.0

    @classmethod
    def open(cls, directory: Path, model: str, dim: int | None) -> VectorIndex:
        """Load the saved index, or start an empty one.

        Args:
            directory: the data directory.
            model: the configured model; must match the manifest's.
            dim: the model's dimension, when known without loading it.

        Raises:
            ModelMismatchError: the saved index was built with another model.
            StoreError: the index files are unreadable.
        """
        manifest = read_manifest(directory)
        if manifest is None:
            return cls(directory, model, dim or 0)
        if manifest.get("model") != model:
            raise ModelMismatchError(
                f"this library was built with the model {manifest.get('model')!r}, but the configured "
                f"model is {model!r}; run `newsbot reindex` to rebuild the vectors with it"
            )
        vectors = cls(directory, model, int(manifest["dim"]))
        vectors.reload()
        return vectors

    def reload(self) -> None:
        """Read the saved index from disk (another process may have changed it)."""
        path = self.directory / INDEX_FILE
        try:
            self.loaded_mtime = path.stat().st_mtime
            self.index = faiss.read_index(str(path))
        except (RuntimeError, OSError) as exc:
            raise StoreError(f"cannot read the vector index {path}: {exc}; run `newsbot doctor`") from None

    def changed_on_disk(self) -> bool:
        """True when another process saved a newer index than the one in memory."""
        try:
            return (self.directory / INDEX_FILE).stat().st_mtime != self.loaded_mtime
        except FileNotFoundError:
            return False

    @property
    def index_kind(self) -> str:
        """The FAISS index type behind the id map (e.g. "IndexFlatIP")."""
        return type(faiss.downcast_index(self.index.index)).__name__

    @property
    def count(self) -> int:
        """How many vectors the index holds."""
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        """Every passage id in the index."""
        if self.count == 0:
            return np.zeros(0, dtype=np.int64)
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors for the given passage ids."""
        if not ids:
            return
        if self.dim == 0:
            self.dim = int(vectors.shape[1])
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> int:
        """Remove the vectors of the given passage ids; return how many went."""
        if not ids or self.count == 0:
            return 0
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages to one normalised query vector.

        Returns:
            (passage id, cosine similarity) pairs, best first.
        """
        if self.count == 0:
            return []
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32),
                                        min(k, self.count))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passage ids (those the index holds)."""
        out = {}
        for pid in ids:
            try:
                out[pid] = self.index.reconstruct(int(pid))
            except RuntimeError:
                continue
        return out

    def save(self) -> None:
        """Write the index and then its manifest, each atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self.index).tobytes()
        atomic_write(self.directory / INDEX_FILE, data)
        manifest = {"model": self.model, "dim": self.dim, "count": self.count,
                    "index": self.index_kind}
        atomic_write(self.directory / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())
        self.loaded_mtime = (self.directory / INDEX_FILE).stat().st_mtime


def read_manifest(directory: Path) -> dict | None:
    """The saved manifest, or None when there is no index yet."""
    path = directory / MANIFEST_FILE
    if not path.exists() or not (directory / INDEX_FILE).exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}; run `newsbot reindex`") from None
