"""The FAISS vector index, keyed by passage id, saved atomically beside the database.

Inner product on L2-normalised vectors (cosine similarity), keyed by passage id so single
articles can be added and removed without a rebuild. The index type follows the library's
size (:func:`plan_index`): exact search (``IndexFlatIP``) while small; from
:data:`EXACT_LIMIT` vectors an inverted file with 8-bit scalar quantisation
(``IndexIVFScalarQuantizer``: a quarter of the memory, a few percent of the vectors scanned
per question), retrained as the library grows. A JSON manifest records the model, dimension,
count and index type; an index built with another model is refused with a clear error.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import ModelMismatchError, StoreError
from retrieval.records import Gathered

logger = logging.getLogger(__name__)

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "vectors.json"
EXACT_LIMIT = 50_000  # below this, exact search is fast enough (docs/performance.md)
TRAIN_PER_LIST = 40  # k-means training points per inverted list
RETRAIN_GROWTH = 4  # retrain when the library has grown this much since training
RESCORE_MARGIN = 32  # exact search: candidates of the 8-bit scan re-scored beyond the k wanted
SCAN_LEVELS = 127  # 8-bit scan copy: the largest component maps to this (signed bytes)


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """Which index suits a library of a given size."""

    kind: str  # "flat" or "ivf-sq8"
    nlist: int = 0  # inverted lists
    nprobe: int = 0  # lists scanned per question

    def describe(self) -> str:
        """Short text for listings, e.g. "ivf-sq8 (4096 lists, 64 probed)"."""
        return self.kind if self.kind == "flat" else f"{self.kind} ({self.nlist} lists, {self.nprobe} probed)"


def plan_index(count: int, exact_limit: int = EXACT_LIMIT) -> IndexPlan:
    """The index for ``count`` vectors: exact below ``exact_limit``, else IVF with SQ8.

    About 4·√n lists (a power of two), of which 1/16 are probed: recall@10 against exact
    search stays above 0.95 on real embeddings (``benchmarks/scale.py``).
    """
    if count < exact_limit:
        return IndexPlan("flat")
    nlist = 2 ** round(math.log2(4 * math.sqrt(count)))
    nlist = max(1, min(nlist, count // TRAIN_PER_LIST))  # k-means needs points for every list
    return IndexPlan("ivf-sq8", nlist, min(nlist, max(8, nlist // 16)))


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


def build_ivf(vectors: np.ndarray, ids: np.ndarray, plan: IndexPlan) -> faiss.Index:
    """An IVF-SQ8 inner-product index trained on (a sample of) ``vectors``, holding them all."""
    dim = vectors.shape[1]
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, plan.nlist,
                                          faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).permutation(len(vectors))[:plan.nlist * TRAIN_PER_LIST]
    index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by passage id
    index.nprobe = plan.nprobe
    index.add_with_ids(np.ascontiguousarray(vectors), ids)
    return index


def _scan_copy(vectors: np.ndarray) -> faiss.Index:
    """An 8-bit inner-product index holding ``vectors`` (row numbers as labels).

    Every component is scaled by one factor (the largest maps to :data:`SCAN_LEVELS`) and
    rounded to a signed byte; FAISS compares a query coded the same way byte by byte
    (:func:`_scan_query`), so the ranking of the scan is that of the cosines up to rounding.
    """
    largest = max(float(vectors.max()), -float(vectors.min()), 1e-12) if len(vectors) else 1.0
    codes = vectors * np.float32(SCAN_LEVELS / largest)  # one temporary copy, rounded in place
    np.rint(codes, out=codes)
    scan = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_8bit_direct_signed,
                                      faiss.METRIC_INNER_PRODUCT)
    scan.train(codes[:1])  # nothing to learn: the codes are the bytes
    scan.add(codes)
    return scan


def _scan_query(query: np.ndarray) -> np.ndarray:
    """A query as :func:`_scan_copy` codes it, shape (1, dim): its own scale (a positive
    factor on every cosine) and rounded, so FAISS's coding of it is exact."""
    scale = SCAN_LEVELS / max(float(np.abs(query).max()), 1e-12)
    return np.rint(query * scale).astype(np.float32).reshape(1, -1)


class _FlatView:
    """An exact index's vectors (a view of FAISS's own memory: valid until the index changes,
    which happens only under the library's lock) and the passage id of each row."""

    def __init__(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        self.vectors = vectors
        self.ids = ids
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]
        self._scan: faiss.Index | None = None
        self._searches = 0

    def scan_ready(self) -> bool:
        """Whether to scan the 8-bit copy: from the second search on these vectors (made
        then: a process that asks one question never pays for it)."""
        self._searches += 1
        if self._scan is None and self._searches > 1:
            self._scan = _scan_copy(self.vectors)
        return self._scan is not None

    def nearest(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` passages nearest to ``query`` by the 8-bit copy, exactly scored, best
        first (call :meth:`scan_ready` first).

        The scan reads a quarter of the bytes of the float vectors (it waits on memory more
        than on arithmetic), and the best ``k`` + :data:`RESCORE_MARGIN` rows are scored again
        from the float vectors. Rounding moves a scaled cosine by a few thousandths: on 1,190
        questions over 8,595 passages the best 100 re-scored were the exact best 100 with a
        margin of 16 already (docs/performance.md).
        """
        if self._scan is None:
            raise RuntimeError("nearest() before scan_ready()")
        _, found = self._scan.search(_scan_query(query), min(k + RESCORE_MARGIN, len(self.ids)))
        rows = found[0][found[0] >= 0]
        exact = self.vectors[rows] @ query
        best = np.argsort(-exact, kind="stable")[:k]
        return list(zip(self.ids[rows[best]].tolist(), exact[best].tolist()))

    def rows_of(self, ids: list[int]) -> np.ndarray:
        """The row of each id, -1 where the index lacks it."""
        if not len(ids) or not len(self._sorted):
            return np.full(len(ids), -1, dtype=np.int64)
        keys = np.asarray(ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, keys), len(self._sorted) - 1)
        return np.where(self._sorted[at] == keys, self._order[at], -1)


class VectorIndex:
    """Passage vectors in FAISS: an ``IndexIDMap2`` over exact search, or IVF-SQ8 when large."""

    def __init__(self, directory: Path, model: str, dim: int, exact_limit: int = EXACT_LIMIT) -> None:
        """Create an empty index for ``model`` vectors of size ``dim`` (not yet saved)."""
        self.directory = directory
        self.model = model
        self.dim = dim
        self.exact_limit = exact_limit
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.trained_for = 0  # the count the IVF lists were planned for
        self.loaded_mtime = 0.0
        self._view: _FlatView | None = None  # exact search read in place; dropped on any change

    @classmethod
    def open(cls, directory: Path, model: str, dim: int | None, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
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
            return cls(directory, model, dim or 0, exact_limit)
        if manifest.get("model") != model:
            raise ModelMismatchError(
                f"this library was built with the model {manifest.get('model')!r}, but the configured "
                f"model is {model!r}; run `newsbot reindex` to rebuild the vectors with it"
            )
        vectors = cls(directory, model, int(manifest["dim"]), exact_limit)
        vectors.trained_for = int(manifest.get("trained_for", 0))
        vectors.reload()
        return vectors

    def reload(self) -> None:
        """Read the saved index from disk (another process may have changed it)."""
        path = self.directory / INDEX_FILE
        try:
            self.loaded_mtime = path.stat().st_mtime
            self.index = faiss.read_index(str(path))
            self._view = None
        except (RuntimeError, OSError) as exc:
            raise StoreError(f"cannot read the vector index {path}: {exc}; run `newsbot doctor`") from None

    def changed_on_disk(self) -> bool:
        """True when another process saved a newer index than the one in memory."""
        try:
            return (self.directory / INDEX_FILE).stat().st_mtime != self.loaded_mtime
        except FileNotFoundError:
            return False

    @property
    def is_exact(self) -> bool:
        """True for exact search (the id map over a flat index)."""
        return isinstance(self.index, faiss.IndexIDMap2)

    @property
    def index_kind(self) -> str:
        """The FAISS index type (e.g. "IndexFlatIP", "IndexIVFScalarQuantizer")."""
        inner = self.index.index if self.is_exact else self.index
        return type(faiss.downcast_index(inner)).__name__

    @property
    def plan(self) -> IndexPlan:
        """The index in use, as an :class:`IndexPlan` (what ``newsbot list`` reports)."""
        if self.is_exact:
            return IndexPlan("flat")
        ivf = faiss.extract_index_ivf(self.index)
        return IndexPlan("ivf-sq8", int(ivf.nlist), int(ivf.nprobe))

    @property
    def count(self) -> int:
        """How many vectors the index holds."""
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        """Every passage id in the index (in no particular order)."""
        if self.count == 0:
            return np.zeros(0, dtype=np.int64)
        if self.is_exact:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = faiss.extract_index_ivf(self.index).invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                 for i in range(lists.nlist) if lists.list_size(i)]
        return np.concatenate(parts).astype(np.int64)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (id, vector), ids sorted; IVF vectors come back decoded from 8 bits."""
        if self.count == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), np.float32)
        if self.is_exact:
            mapped = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            order = np.argsort(mapped, kind="stable")
            return mapped[order], self.index.index.reconstruct_n(0, self.count)[order]
        ids = np.sort(self.ids())
        return ids, self.index.reconstruct_batch(ids) if len(ids) else np.zeros((0, self.dim), np.float32)

    def fit(self) -> bool:
        """Switch the index type if the library's size calls for it (see :func:`plan_index`).

        Exact search becomes IVF-SQ8 at ``exact_limit`` vectors; IVF is retrained when the
        library has grown :data:`RETRAIN_GROWTH` times, and goes back to exact search below
        half the limit.

        Returns:
            True when the index was rebuilt.
        """
        wanted = plan_index(self.count, self.exact_limit)
        if self.is_exact and wanted.kind == "flat":
            return False
        if not self.is_exact:
            if self.count >= self.exact_limit // 2 and self.count < self.trained_for * RETRAIN_GROWTH:
                return False
            wanted = plan_index(self.count, self.exact_limit // 2)
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # training uses every core
        self._view = None
        ids, vectors = self.all_vectors()
        logger.info("rebuilding the vector index for %d vectors: %s", len(ids), wanted.describe())
        if wanted.kind == "flat":
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
            self.index.add_with_ids(vectors, ids)
            self.trained_for = 0
        else:
            self.index, self.trained_for = build_ivf(vectors, ids, wanted), len(ids)
        return True

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors for the given passage ids."""
        if not ids:
            return
        self._view = None
        if self.dim == 0:
            self.dim = int(vectors.shape[1])
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if not self.is_exact:
            self.remove(list(ids))  # IVF keeps duplicates of an id; the id map would refuse them
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> int:
        """Remove the vectors of the given passage ids; return how many went."""
        if not ids or self.count == 0:
            return 0
        self._view = None
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages to one normalised query vector.

        Returns:
            (passage id, cosine similarity) pairs, best first.
        """
        return self.search_and_score(query, k, [])[0]

    def search_and_score(self, query: np.ndarray, k: int, also: list[int]
                         ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``k`` nearest passages, and the similarity of the passages ``also`` named.

        For exact search the other vectors are read in place; IVF reads them back decoded.

        Returns:
            (passage id, cosine similarity) pairs, best first; and a score per id of ``also``
            that the index holds.
        """
        if self.count == 0:
            return [], {}
        query = np.ascontiguousarray(query.reshape(-1), dtype=np.float32)
        faiss.omp_set_num_threads(1)  # per thread: one question gains nothing from a thread team
        view = self._flat() if self.is_exact else None
        if view is not None and view.scan_ready():
            hits = view.nearest(query, min(k, self.count))
        else:
            found, ids = self.index.search(query.reshape(1, -1), min(k, self.count))
            hits = [(i, s) for i, s in zip(ids[0].tolist(), found[0].tolist()) if i != -1]
        return hits, self.gather(also).scores(query)

    def gather(self, ids: list[int]) -> Gathered:
        """The stored vectors of those of ``ids`` that the index holds, in one array.

        For exact search they are read from FAISS's own memory (one indexed copy); IVF decodes them.
        """
        keys = np.asarray(ids, dtype=np.int64)
        if len(keys) == 0 or self.count == 0:
            return Gathered.nothing()
        if self.is_exact:
            view = self._flat()
            rows = view.rows_of(ids)
            known = rows >= 0
            return Gathered(keys[known].tolist(), view.vectors[rows[known]])
        try:
            return Gathered(keys.tolist(), self.index.reconstruct_batch(keys))  # fails if any id is missing
        except RuntimeError:
            found = self._vectors_one_by_one(ids)
            return Gathered(list(found), np.stack(list(found.values()))) if found else Gathered.nothing()

    def vectors_for(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of the given passage ids (those the index holds)."""
        found = self.gather(ids)
        return dict(zip(found.ids, found.vectors))

    def _flat(self) -> _FlatView:
        """The exact index's vectors and ids, read in place (rebuilt after any change)."""
        if self._view is None:
            flat = faiss.downcast_index(self.index.index)
            vectors = faiss.rev_swig_ptr(flat.get_xb(), self.count * self.dim).reshape(self.count, self.dim)
            self._view = _FlatView(vectors, faiss.vector_to_array(self.index.id_map).astype(np.int64))
        return self._view

    def _vectors_one_by_one(self, ids: list[int]) -> dict[int, np.ndarray]:
        out = {}
        for pid in ids:
            try:
                out[pid] = self.index.reconstruct(int(pid))
            except RuntimeError:
                continue
        return out

    def save(self) -> None:
        """Fit the index type to the size (:meth:`fit`), then write the index and its manifest,
        each atomically."""
        self.fit()
        self.directory.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self.index).tobytes()
        atomic_write(self.directory / INDEX_FILE, data)
        plan = self.plan
        manifest = {"model": self.model, "dim": self.dim, "count": self.count,
                    "index": self.index_kind, "kind": plan.kind, "nlist": plan.nlist,
                    "nprobe": plan.nprobe, "trained_for": self.trained_for}
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
