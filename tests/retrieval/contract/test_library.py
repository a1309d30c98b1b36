"""The :class:`retrieval.library.Library` contract, kept by every backend."""

import json

import numpy as np
import pytest

from retrieval.backend import backup, library_class, open_embedded
from retrieval.errors import ArticleNotFoundError, ModelMismatchError
from retrieval.export import export_jsonl
from retrieval.records import Filters, Gathered
from retrieval.search import Searcher, SearchOptions
from tests.helpers import HashEncoder, doc

RIVER = "The river flooded the valley on Monday. Hundreds of families left their homes."
BOATS = "Rescue boats reached the village of Upton by night."
BUDGET = "The council passed the city budget after a long debate. Taxes stay flat."
BRIDGE = "A new bridge over the river opens in March. Engineers tested it for weeks."
EVERYTHING = SearchOptions(min_score=0.0, cutoff=0.0, k=10)


def three(library):
    library.add_documents([doc(f"{RIVER}\n\n{BOATS}", title="Valley flood", url="u-flood", source="Daily",
                               date="2024-01-02"),
                           doc(BUDGET, title="Budget", url="u-budget", source="Herald", date="2023-05-06"),
                           doc(BRIDGE, title="Bridge", url="u-bridge")])
    return {a.url: a for a in library.articles()}


def test_an_article_is_added_then_unchanged_then_updated(library):
    assert library.add_documents([doc(RIVER, title="Flood", url="https://x/flood")]) == ["added"]
    assert library.add_documents([doc(RIVER, title="Flood", url="https://x/flood")]) == ["unchanged"]
    assert library.add_documents([doc(RIVER, title="Copy", url="https://x/copy")]) == ["unchanged"]  # same site
    first_id = library.articles()[0].id
    assert library.add_documents([doc(RIVER + " Water is receding.", url="https://x/flood")]) == ["updated"]
    assert library.store.count("articles") == 1 and library.articles()[0].id == first_id  # the id is kept
    assert "receding" in library.store.article_body(library.articles()[0].id)


def test_identical_documents_in_one_batch_are_stored_once(library):
    assert library.add_documents([doc(RIVER, path="/a.txt"), doc(RIVER, path="/b.txt")]) == ["added", "unchanged"]


def test_a_question_finds_the_passage_and_a_removed_article_is_gone(library):
    flood = three(library)["u-flood"]
    searcher = Searcher(library)
    answer = searcher.ask("Which village did rescue boats reach?", EVERYTHING)
    assert answer.hits[0].article.url == "u-flood" and "Upton" in answer.hits[0].highlight
    assert library.remove(flood.id).url == "u-flood"
    again = searcher.ask("Which village did rescue boats reach?", EVERYTHING)
    assert "u-flood" not in {h.article.url for h in again.hits}


def test_removing_an_unknown_article_or_another_scope_s_is_refused(library):
    library.add_documents([doc(RIVER, url="u1")], guild_id=5)
    article = library.articles([5])[0]
    for guild_id in (6, None):
        with pytest.raises(ArticleNotFoundError):
            library.remove(article.id, guild_id=guild_id)
    with pytest.raises(ArticleNotFoundError):
        library.remove(999_999)
    assert library.remove(article.id, guild_id=5).id == article.id


def test_a_server_sees_the_global_library_and_its_own_only(library):
    three(library)
    library.add_documents([doc("The harbour parade in Upton was for this server only.", url="u-private")],
                          guild_id=42)
    searcher = Searcher(library)
    assert "u-private" not in {h.article.url for h in searcher.ask("harbour parade Upton", EVERYTHING).hits}
    assert "u-private" in {h.article.url for h in searcher.ask("harbour parade Upton", EVERYTHING, [None, 42]).hits}
    assert [a.url for a in library.articles([42])] == ["u-private"]


def test_every_change_moves_the_version(library):
    before = library.version()
    library.add_documents([doc(RIVER, url="u1")])
    added = library.version()
    library.remove(library.articles()[0].id)
    assert before != added != library.version()


def test_a_library_made_with_another_model_is_refused_until_reindex(library, open_with, backend_settings):
    library.add_documents([doc(RIVER, url="u1"), doc(BUDGET, url="u2")])
    with pytest.raises(ModelMismatchError, match="reindex"):
        open_with(HashEncoder(name="other-model"))
    library_class(backend_settings).prepare_reindex(backend_settings)
    other = open_with(HashEncoder(name="other-model", dim=64))
    assert other.reindex() == 2
    assert len(other.vectors_for(_passage_ids(other))[_passage_ids(other)[0]]) == 64


def test_describe_counts_articles_and_passages_and_an_empty_library_says_so(library):
    assert library.is_empty()
    library.add_documents([doc(RIVER, url="u1")])
    assert not library.is_empty() and library.describe().startswith("1 article, 1 passage, vector index ")


def test_stored_vectors_are_the_model_s_and_gathered_alike(library, encoder):
    three(library)
    ids = _passage_ids(library)
    rows = library.store.passages_for_embedding(ids)
    expected = encoder.encode([f"{title}. {text}" for _, title, text in rows])
    stored = library.vectors_for(ids)
    assert all(np.allclose(stored[pid], vector, atol=1e-6) for (pid, _, _), vector in zip(rows, expected))
    gathered = library.gather(ids)
    assert isinstance(gathered, Gathered) and sorted(gathered.ids) == sorted(ids)


def test_dense_search_ranks_the_nearest_passage_first_and_scores_the_others(library, encoder):
    three(library)
    ids = _passage_ids(library)
    query = encoder.encode(["bridge over the river opens in March"])[0]
    hits, scores = library.dense_search(query, 3, ids, [None], Filters())
    best = library.store.passages([hits[0][0]], [None])[hits[0][0]]
    assert best["text"] == BRIDGE and set(scores) == set(ids)
    assert scores[hits[0][0]] == pytest.approx(hits[0][1], abs=1e-3)


def test_sentence_vectors_are_kept_with_their_passages(library):
    three(library)
    ids = _passage_ids(library)
    sentences = library.sentence_vectors(ids)
    assert set(sentences) == set(ids)
    flood = next(pid for pid in ids if "Monday" in library.store.passages([pid], [None])[pid]["text"])
    assert len(sentences[flood].spans) == sentences[flood].vectors.shape[0] == 3  # RIVER has two, BOATS one


def test_a_healthy_library_syncs_clean_and_the_doctor_finds_nothing(library):
    three(library)
    assert library.sync().clean
    assert library.doctor().healthy


def test_copies_carry_every_article_with_its_passages_and_vectors(library):
    three(library)
    library.add_documents([doc(BOATS, url="u-own")], guild_id=7)
    copies = [copy for batch in library.copies(batch=2) for copy in batch]
    assert sorted(c.doc.url for c in copies) == ["u-bridge", "u-budget", "u-flood", "u-own"]
    own = next(c for c in copies if c.doc.url == "u-own")
    assert own.guild_id == 7 and own.chunks[0].text == BOATS and own.vectors[0] is not None
    assert all(len(c.vectors) == len(c.chunks) == len(c.sentences) for c in copies)


def test_a_backup_opens_as_an_embedded_library_with_the_same_articles(library, encoder, tmp_path):
    three(library)
    backup(library, tmp_path / "backup")
    copy = open_embedded(tmp_path / "backup", encoder)
    try:
        assert sorted(a.url for a in copy.articles()) == sorted(a.url for a in library.articles())
        assert copy.store.count("passages") == library.store.count("passages")
    finally:
        copy.close()


def test_export_writes_the_ingest_format(library, tmp_path):
    three(library)
    assert export_jsonl(library, tmp_path / "out.jsonl") == 3
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    flood = next(line for line in lines if line["url"] == "u-flood")
    assert flood["title"] == "Valley flood" and "Upton" in flood["text"] and flood["date"] == "2024-01-02"


def test_the_no_ops_of_the_contract_can_always_be_called(library):
    three(library)
    for step in (library.refresh, library.warm_keywords, library.save, library.build_index):
        step()
    assert Searcher(library).ask("Which village did rescue boats reach?", EVERYTHING).hits


def _passage_ids(library) -> list[int]:
    return sorted(library.store.passage_ids())
