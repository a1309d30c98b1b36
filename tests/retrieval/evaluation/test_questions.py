import json

import pytest

from retrieval.errors import BadInputError
from retrieval.evaluation.questions import evaluate, load_questions, results_table, split_questions
from retrieval.search import Searcher, SearchOptions
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


def test_split_by_id_scores_each_part_and_the_merge_adds_up(searcher):
    questions = [{"id": f"2022060{i}_0", "question": q, "gold_urls": [u]} for i, (q, u) in enumerate(
        [("council budget", "u-budget"), ("river flooded valley", "u-flood"), ("boats rescued", "u-budget")])]
    parts = split_questions(questions, "20220602")
    assert [(name, len(items)) for name, items in parts] == [("ids before 20220602", 2), ("ids from 20220602", 1)]
    first, second = (evaluate(searcher, items, "hybrid", SearchOptions(min_score=0.3)) for _, items in parts)
    both = first.merged(second)
    assert (first.hit_at(1), second.hit_at(1)) == (1.0, 0.0)
    assert both.ranked == 3 and both.hit_at(1) == pytest.approx(2 / 3) and len(both.answerable) == 3
    assert both.answered_share() == pytest.approx(sum(c >= 0.3 for c, _ in both.answerable) / 3)
    with pytest.raises(BadInputError, match="one side"):
        split_questions(questions, "2023")
    assert split_questions(questions, None) == [("all questions", questions)]


def test_a_question_is_asked_at_its_asked_day(library):
    library.add_documents([doc("The harbour strike ended after talks.", title="Strike ends", url="late",
                               date="2022-07-01"),
                           doc("The harbour strike began over pay.", title="Strike begins", url="early",
                               date="2022-06-01")])
    searcher = Searcher(library)
    item = {"id": "a", "question": "harbour strike", "gold_urls": ["early"], "asked": "2022-06-10"}
    assert evaluate(searcher, [item], "hybrid", SearchOptions(min_score=0.0)).hit_at(1) == 1.0
    del item["asked"]  # asked today: the later article is newer and may be used
    assert evaluate(searcher, [item], "hybrid", SearchOptions(min_score=0.0)).hit_at(1) == 0.0


def test_without_gold_counts_refusals_and_confident_wrong_answers(library):
    library.add_documents([doc("The ferry to Skarvik sails at noon every weekday.", title="Ferry times", url="gold"),
                           doc("The ferry company bought a new ship this spring.", title="New ship", url="other")])
    searcher = Searcher(library)
    questions = [{"id": "a", "question": "When does the ferry to Skarvik sail?", "gold_urls": ["gold"],
                  "answer": "noon"},
                 {"id": "b", "question": "Which ferry ship was bought?", "gold_urls": ["gold"], "answer": "new ship"}]
    answering = evaluate(searcher, questions, "hybrid", SearchOptions(min_score=0.0), without_gold=True)
    # without the gold, "noon" is in no passage shown (wrong); "new ship" is, in the other article (right)
    assert (answering.without_gold, answering.without_gold_refused, answering.confidently_wrong) == (2, 0, 1)
    assert answering.without_gold_shares() == (0.0, 0.5) and "conf. wrong" in results_table([answering])
    refusing = evaluate(searcher, questions, "hybrid", SearchOptions(min_score=0.99), without_gold=True)
    assert refusing.without_gold_shares() == (1.0, 0.0)


def test_a_reply_is_scored_as_shown_a_gold_copy_listed_under_also_reported_by_counts(library):
    text = "The ferry to Skarvik sails at noon every weekday from the old harbour."
    library.add_documents([doc(text, title="Ferry times", url="first", source="Daily", date="2024-01-01"),
                           doc(text + " (Wire)", title="Ferry times", url="copy", source="Wire", date="2024-01-02")])
    item = {"id": "a", "question": "When does the ferry to Skarvik sail?", "gold_urls": ["copy"]}
    shown = Searcher(library).ask(item["question"], SearchOptions(min_score=0.0))
    assert [h.article.url for h in shown.hits] == ["first"] and shown.hits[0].also_reported_by[0].url == "copy"
    result = evaluate(Searcher(library), [item], "hybrid", SearchOptions(min_score=0.0))
    assert result.answerable[0][1] is True
