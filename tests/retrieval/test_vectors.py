import numpy as np
import pytest

from retrieval.errors import ModelMismatchError
from retrieval.vectors import MANIFEST_FILE, VectorIndex, read_manifest


def unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_add_search_remove_save_and_reload(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([10, 20, 30], np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0)]))
    assert [i for i, _ in index.search(unit(1, 0, 0), 2)] == [10, 30]
    assert index.remove([10]) == 1
    index.save()
    again = VectorIndex.open(tmp_path, "m", 3)
    assert sorted(again.ids().tolist()) == [20, 30]
    assert again.search(unit(1, 0, 0), 1)[0][0] == 30
    assert read_manifest(tmp_path) == {"model": "m", "dim": 3, "count": 2, "index": "IndexFlatIP"}


def test_other_model_is_refused_and_names_reindex(tmp_path):
    index = VectorIndex(tmp_path, "model-a", 3)
    index.add([1], unit(1, 0, 0).reshape(1, -1))
    index.save()
    with pytest.raises(ModelMismatchError, match="newsbot reindex"):
        VectorIndex.open(tmp_path, "model-b", 3)


def test_save_leaves_no_temporary_files(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([1], unit(0, 0, 1).reshape(1, -1))
    index.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.faiss", MANIFEST_FILE]


def test_vectors_for_returns_stored_rows(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([5], unit(0, 1, 0).reshape(1, -1))
    found = index.vectors_for([5, 6])
    assert list(found) == [5] and np.allclose(found[5], unit(0, 1, 0))
