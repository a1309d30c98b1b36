"""The PostgreSQL backend answers as the embedded one: BM25 scores and rankings, and whole answers."""

import json

import pytest

from config.settings import Settings
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.ingest import ingest
from retrieval.pg.library import PgLibrary
from retrieval.search import Searcher, SearchOptions
from tests.conftest import SEEDS_DIR, need_eval_data
from tests.helpers import HashEncoder


def key(store, pid: int) -> tuple:
    """A passage's identity across backends (ids differ): its article's link and its text."""
    row = next(iter(store.passages([pid], [None, 7]).values()))
    return (row["url"] or row["path"], row["text"])


def xquad_articles(tmp_path, count: int):
    source = need_eval_data("xquad", "articles.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()[:count]
    target = tmp_path / "xquad.jsonl"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    questions = [json.loads(line)["question"] for line in need_eval_data("xquad", "questions.jsonl")
                 .read_text(encoding="utf-8").splitlines()]
    return target, questions


@pytest.fixture
def both(tmp_path, pg_url):
    articles, questions = xquad_articles(tmp_path, 60)
    embedded = EmbeddedLibrary(tmp_path / "embedded", HashEncoder())
    pg = PgLibrary.from_settings(Settings(data_dir=tmp_path / "pg", database_url=pg_url), HashEncoder())
    for library in (embedded, pg):
        ingest(library, [SEEDS_DIR, articles], max_bytes=10**7)
    yield embedded, pg, questions
    embedded.close()
    pg.close()


def test_bm25_scores_and_rankings_match_the_embedded_store(both):
    embedded, pg, questions = both
    for question in questions[:150] + ["Where did the North Korean containers go?", "the of and"]:
        left = [(key(embedded.store, p), round(s, 9)) for p, s in embedded.store.keyword_search(question, 30, [None])]
        right = [(key(pg.store, p), round(s, 9)) for p, s in pg.store.keyword_search(question, 30, [None])]
        assert left == right, question


def test_common_words_together_score_as_in_the_embedded_store(both):
    embedded, pg, questions = both
    embedded.store._keyword.budget = pg.store.keywords.budget = 2  # every word is "common": words AND-ed
    general = ["What year was the city founded?", "Who was the first president of the university?",
               "How many people live in the state?", "What did the government say about the war?",
               "When was the new church built?", "Which team won the most games this season?"]
    together = 0
    for question in questions[:150] + general:
        together += embedded.store._keyword.query(question, -1).every
        left = [(key(embedded.store, p), round(s, 9)) for p, s in embedded.store.keyword_search(question, 30, [None])]
        right = [(key(pg.store, p), round(s, 9)) for p, s in pg.store.keyword_search(question, 30, [None])]
        assert left == right, question
    assert together >= 6


def test_whole_answers_match_on_the_fake_model(both):
    embedded, pg, questions = both
    options = SearchOptions(min_score=0.0, cutoff=0.0, k=5)
    for question in questions[:60]:
        left, right = Searcher(embedded).ask(question, options), Searcher(pg).ask(question, options)
        assert [(h.article.link, h.paragraph, h.highlight) for h in left.hits] == \
               [(h.article.link, h.paragraph, h.highlight) for h in right.hits], question
        assert [h.score for h in left.hits] == pytest.approx([h.score for h in right.hits], abs=1e-4)
        assert left.answered == right.answered


def test_same_answers_on_the_real_model_seeds_and_a_small_xquad_library(tmp_path, pg_url, real_encoder):
    articles, questions = xquad_articles(tmp_path, 120)
    embedded = EmbeddedLibrary(tmp_path / "embedded", real_encoder)
    pg = PgLibrary.from_settings(Settings(data_dir=tmp_path / "pg", database_url=pg_url), real_encoder)
    try:
        for library in (embedded, pg):
            ingest(library, [SEEDS_DIR, articles], max_bytes=10**7)
        seed_questions = [json.loads(line)["question"] for line in
                          need_eval_data("seed_dev_questions.jsonl").read_text().splitlines()]
        options = SearchOptions()
        same = 0
        asked = seed_questions + questions[:150]
        for question in asked:
            left, right = Searcher(embedded).ask(question, options), Searcher(pg).ask(question, options)
            assert left.answered == right.answered, question
            same += [(h.article.link, h.paragraph) for h in left.hits] == [(h.article.link, h.paragraph)
                                                                            for h in right.hits]
            assert left.confidence == pytest.approx(right.confidence, abs=1e-3)
        assert same == len(asked)
    finally:
        embedded.close()
        pg.close()
