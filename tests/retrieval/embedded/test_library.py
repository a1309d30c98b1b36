import numpy as np

from retrieval.embedded.library import EmbeddedLibrary
from tests.helpers import HashEncoder, doc

RIVER = "The river flooded the valley on Monday and hundreds of families left their homes."
BUDGET = "The council passed the city budget after a long debate about roads and schools."


def test_add_and_remove_without_rebuild(library, encoder):
    library.add_documents([doc(RIVER, url="u1"), doc(BUDGET, url="u2")])
    calls = encoder.encoded
    budget = next(a for a in library.articles() if a.url == "u2")
    library.remove(budget.id)
    assert encoder.encoded == calls  # nothing was re-embedded
    assert library.vectors.count == library.store.count("passages") == 1
    library.add_documents([doc(BUDGET, url="u2")])
    assert encoder.encoded == calls + 1  # only the new passage


def test_reopen_keeps_everything(tmp_path, encoder):
    lib = EmbeddedLibrary(tmp_path, encoder)
    lib.add_documents([doc(RIVER, url="u1"), doc(BUDGET, url="u2")])
    lib.close()
    again = EmbeddedLibrary(tmp_path, encoder)
    assert again.store.count("articles") == 2 and again.vectors.count == again.store.count("passages")


def test_sync_repairs_missing_and_orphan_vectors(tmp_path, encoder):
    lib = EmbeddedLibrary(tmp_path, encoder)
    lib.add_documents([doc(RIVER, url="u1"), doc(BUDGET, url="u2")])
    ids = lib.store.passage_ids()
    lib.vectors.remove([ids[0]])
    lib.vectors.add([999_999], encoder.encode(["orphan"]))
    lib.vectors.save()
    lib.close()
    again = EmbeddedLibrary(tmp_path, encoder)  # opening runs the check
    assert sorted(again.vectors.ids().tolist()) == ids


def test_reindex_rebuilds_with_the_new_model(tmp_path):
    EmbeddedLibrary(tmp_path, HashEncoder(name="model-a")).add_documents([doc(RIVER, url="u1")])
    (tmp_path / "vectors.json").unlink()
    lib = EmbeddedLibrary(tmp_path, HashEncoder(name="model-b", dim=64))
    assert lib.reindex() == 1
    assert lib.vectors.dim == 64 and lib.vectors.count == 1


def test_describe_names_the_index_in_use(library):
    library.add_documents([doc(RIVER, url="u1")])
    assert library.describe().endswith("vector index IndexFlatIP (exact search)")
    assert library.describe().startswith("1 article, 1 passage,")


def test_a_library_past_the_exact_limit_searches_approximately(tmp_path):
    library = EmbeddedLibrary(tmp_path, HashEncoder(), exact_limit=2)
    library.add_documents([doc(RIVER, url="u1"), doc("The council passed the budget.", url="u2"),
                           doc("A bridge opens in March.", url="u3")])
    assert library.vectors.plan.kind == "ivf-sq8" and "approximate" in library.describe()
    again = EmbeddedLibrary(tmp_path, HashEncoder(), exact_limit=2)
    top = again.vectors.search(HashEncoder().encode(["bridge opens March"])[0], 1)[0][0]
    assert again.store.passages([top], [None])[top]["text"] == "A bridge opens in March."


def test_open_trusts_matching_fingerprints_and_a_thorough_sync_checks_every_id(tmp_path):
    library = EmbeddedLibrary(tmp_path, HashEncoder())
    library.add_documents([doc(f"Article number {n} about topic {n}.", url=f"u{n}") for n in range(5)])
    ids = sorted(library.store.passage_ids())
    for article in library.articles():
        if article.url in ("u1", "u3"):
            library.remove(article.id)
    # damage no crash makes (a crash only leaves the index behind): same count, sum and max
    vector = HashEncoder().encode(["stray"])
    library.vectors.remove([ids[0], ids[2]])
    library.vectors.add([ids[0] - 1, ids[2] + 1], np.concatenate([vector, vector]))
    assert library.sync().clean
    report = library.sync(thorough=True)
    assert (report.missing, report.orphans) == (2, 2)
    assert sorted(library.vectors.ids().tolist()) == [ids[0], ids[2], ids[4]]
