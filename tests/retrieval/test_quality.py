"""A small, fast quality run: XQuAD paragraphs, 300 questions, all modes. Fails if quality regresses."""

import pytest

from retrieval.embedded.library import EmbeddedLibrary
from retrieval.evaluation.questions import evaluate, load_questions
from retrieval.ingest import ingest
from retrieval.search import Searcher, SearchOptions
from tests.conftest import need_eval_data


@pytest.fixture(scope="module")
def xquad(tmp_path_factory, real_encoder):
    folder = need_eval_data("xquad")
    library = EmbeddedLibrary(tmp_path_factory.mktemp("xquad"), real_encoder)
    ingest(library, [folder / "articles.jsonl"], max_bytes=50_000_000)
    yield Searcher(library), load_questions(folder / "questions.jsonl")[:300]
    library.close()


def test_hybrid_beats_dense_and_keyword_on_a_subset(xquad):
    searcher, questions = xquad
    base = SearchOptions()
    scores = {mode: evaluate(searcher, questions, mode, base) for mode in ("hybrid", "dense", "keyword")}
    hybrid = scores["hybrid"]
    print({m: (round(r.hit_at(1), 3), round(r.mrr, 3)) for m, r in scores.items()})
    assert hybrid.hit_at(1) >= 0.95 and hybrid.hit_at(5) >= 0.98  # measured 0.970 / 0.997
    for other in ("dense", "keyword"):
        assert hybrid.hit_at(1) > scores[other].hit_at(1)
        assert hybrid.mrr > scores[other].mrr
    precision, recall, _ = hybrid.answered_quality()
    assert precision >= 0.65 and recall >= 0.9
