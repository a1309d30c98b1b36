import json

import pytest

from retrieval.errors import BadInputError
from retrieval.evaluate import evaluate, load_questions, results_table
from retrieval.search import SearchOptions, Searcher
from tests.helpers import doc


@pytest.fixture
def searcher(library):
    library.add_documents([
        doc("The river flooded the valley and boats rescued families.", title="Flood", url="u-flood"),
        doc("The council passed the city budget and taxes stay flat.", title="Budget", url="u-budget"),
    ])
    return Searcher(library)


def test_expect_expect_none_and_gold_urls(searcher):
    questions = [
        {"id": "a", "question": "boats rescued families river", "expect": ["boats rescued"]},
        {"id": "b", "question": "city budget taxes", "expect": "not there"},
        {"id": "c", "question": "zebra giraffe", "expect_none": True},
        {"id": "d", "question": "council budget", "gold_urls": ["u-budget"]},
        {"id": "e", "question": "river flooded valley", "gold_urls": ["u-nowhere"]},
    ]
    result = evaluate(searcher, questions, "hybrid", SearchOptions(min_score=0.3))
    assert (result.expect_passed, result.expect_total) == (1, 2)
    assert (result.none_passed, result.none_total) == (1, 1)
    assert result.ranked == 2 and result.hit_at(1) == 0.5 and result.mrr == 0.5
    assert result.failures == ["b: expected ['not there']: not in the top 3"]
    assert "hybrid" in results_table([result])


def test_load_questions_reports_bad_lines(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"question": "ok?"}) + "\n{oops\n")
    with pytest.raises(BadInputError, match=":2: invalid JSON"):
        load_questions(f)
