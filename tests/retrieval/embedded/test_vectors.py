import numpy as np
import pytest

from retrieval.embedded.vectors import MANIFEST_FILE, VectorIndex, _scan_copy, _scan_query, plan_index, read_manifest
from retrieval.errors import ModelMismatchError


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
    assert read_manifest(tmp_path) == {"model": "m", "dim": 3, "count": 2, "index": "IndexFlatIP",
                                       "kind": "flat", "nlist": 0, "nprobe": 0, "trained_for": 0}


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


def random_unit(rows: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_plan_is_exact_while_small_and_ivf_when_large():
    assert plan_index(49_999).kind == "flat"
    large = plan_index(1_000_000)
    assert large.kind == "ivf-sq8" and large.nlist == 4096 and large.nprobe == 256
    assert plan_index(100_000).nlist < large.nlist


def test_index_turns_approximate_at_the_limit_and_survives_reload(tmp_path):
    index = VectorIndex(tmp_path, "m", 16, exact_limit=500)
    vectors = random_unit(800)
    index.add(list(range(1, 401)), vectors[:400])
    index.save()
    assert index.plan.kind == "flat"
    index.add(list(range(401, 801)), vectors[400:])
    index.save()
    again = VectorIndex.open(tmp_path, "m", 16, exact_limit=500)
    assert again.plan.kind == "ivf-sq8" and again.index_kind == "IndexIVFScalarQuantizer"
    assert read_manifest(tmp_path)["kind"] == "ivf-sq8"
    assert sorted(again.ids().tolist()) == list(range(1, 801))
    assert again.search(vectors[9], 1)[0][0] == 10  # a stored vector finds itself
    assert float(again.vectors_for([10])[10] @ vectors[9]) > 0.99  # 8-bit, nearly exact


def test_approximate_index_removes_and_replaces_by_id(tmp_path):
    index = VectorIndex(tmp_path, "m", 16, exact_limit=300)
    vectors = random_unit(400)
    index.add(list(range(400)), vectors)
    index.fit()
    assert index.remove([0, 1, 2]) == 3 and index.count == 397
    index.add([5], vectors[6:7])  # re-adding an id replaces its vector
    assert index.count == 397 and float(index.vectors_for([5])[5] @ vectors[6]) > 0.99


def test_shrinking_library_goes_back_to_exact_search(tmp_path):
    index = VectorIndex(tmp_path, "m", 16, exact_limit=300)
    index.add(list(range(400)), random_unit(400))
    index.fit()
    index.remove(list(range(300)))
    assert index.fit() and index.plan.kind == "flat" and sorted(index.ids().tolist()) == list(range(300, 400))


def test_growing_approximate_index_is_retrained(tmp_path):
    index = VectorIndex(tmp_path, "m", 16, exact_limit=300)
    index.add(list(range(300)), random_unit(300))
    index.fit()
    assert index.trained_for == 300 and not index.fit()
    index.add(list(range(300, 1300)), random_unit(1000, seed=1))
    assert index.fit() and index.trained_for == 1300


@pytest.mark.parametrize("exact_limit", [10_000, 300])
def test_search_also_scores_named_passages_exact_and_approximate(tmp_path, exact_limit):
    index = VectorIndex(tmp_path, "m", 16, exact_limit=exact_limit)
    vectors = random_unit(400)
    index.add(list(range(1, 401)), vectors)
    index.fit()
    query = vectors[0]
    hits, others = index.search_and_score(query, 5, [200, 300, 9999])
    assert hits[0][0] == 1 and abs(hits[0][1] - 1.0) < 0.02
    assert set(others) == {200, 300}  # an id the index lacks has no score
    assert abs(others[200] - float(vectors[199] @ query)) < 0.02


def test_scores_follow_changes_to_the_exact_index(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([1, 2], np.stack([unit(1, 0, 0), unit(0, 1, 0)]))
    assert index.search_and_score(unit(1, 0, 0), 1, [2])[1] == {2: 0.0}
    index.remove([2])
    index.add([3], unit(1, 1, 0).reshape(1, -1))
    hits, others = index.search_and_score(unit(1, 0, 0), 2, [2, 3])
    assert [i for i, _ in hits] == [1, 3] and list(others) == [3]
    assert abs(others[3] - 0.7071) < 1e-3
    assert abs(float(index.vectors_for([3])[3] @ unit(1, 1, 0)) - 1.0) < 1e-5


@pytest.mark.parametrize("dim", [16, 384])  # FAISS compares byte by byte from 32 dimensions on
def test_exact_search_over_the_8_bit_copy_matches_a_float_scan(tmp_path, dim):
    index = VectorIndex(tmp_path, "m", dim)
    vectors = random_unit(3000, dim)
    index.add(list(range(1, 3001)), vectors)
    for query in random_unit(20, dim, seed=1):
        hits = index.search(query, 50)
        exact = vectors @ query
        best = np.argsort(-exact, kind="stable")[:50]
        assert [pid for pid, _ in hits] == (best + 1).tolist()
        assert np.allclose([s for _, s in hits], exact[best], atol=1e-6)  # scores from the float vectors


def test_scan_copy_ranks_as_the_cosines_do():
    vectors = random_unit(500, 384)
    query = random_unit(1, 384, seed=2)[0]
    scan = _scan_copy(vectors)
    scores, rows = scan.search(_scan_query(query), 500)
    exact = vectors @ query
    assert np.corrcoef(scores[0], exact[rows[0]])[0, 1] > 0.999  # one positive factor, up to rounding
    assert set(rows[0][:10]) >= set(np.argsort(-exact)[:5])


def test_scan_copy_follows_changes(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([1, 2], np.stack([unit(1, 0, 0), unit(0, 1, 0)]))
    assert index.search(unit(1, 1, 0), 1)[0][0] in (1, 2)
    index.add([3], unit(1, 1, 0).reshape(1, -1))
    assert index.search(unit(1, 1, 0), 1)[0][0] == 3
    index.remove([3, 1])
    assert [pid for pid, _ in index.search(unit(1, 1, 0), 3)] == [2]


def test_gathered_vectors_are_copies_that_outlive_changes(tmp_path):
    index = VectorIndex(tmp_path, "m", 3)
    index.add([1, 2], np.stack([unit(1, 0, 0), unit(0, 1, 0)]))
    gathered = index.gather([2, 9, 1])
    assert gathered.ids == [2, 1]  # an id the index lacks is left out
    index.remove([1, 2])
    index.add([3], unit(0, 0, 1).reshape(1, -1))
    scores = gathered.scores(unit(1, 1, 0))
    assert scores.keys() == {1, 2} and abs(scores[1] - 0.7071) < 1e-3 and abs(scores[2] - 0.7071) < 1e-3
