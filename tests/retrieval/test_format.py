import json

from retrieval.format import NO_ANSWER, answer_json, answer_text, citation_line
from retrieval.records import Answer, Article, Hit


def make_hit(**article):
    fields = dict(id=3, title="Flood", source="Daily", author="Ann", date="2024-01-02", url="", path="/lib/a.txt")
    fields.update(article)
    return Hit(passage_id=9, text="Water rose. Boats came.", highlight="Boats came.", score=0.87654,
               paragraph="2-3", article=Article(**fields))


def test_json_contract_keys_and_types():
    data = answer_json(Answer(question="q?", answered=True, hits=[make_hit()], took_ms=12.345))
    assert set(data) == {"question", "answered", "confidence", "results", "newest_date", "time_read", "read_as",
                         "closest", "article_facts", "unknown_names", "took_ms"}
    assert data["closest"] == [] and data["article_facts"] == [] and data["unknown_names"] == []
    assert data["newest_date"] == "2024-01-02"
    result = data["results"][0]
    assert set(result) >= {"text", "highlight", "score", "paragraph", "article"}
    assert set(result["article"]) == {"id", "title", "source", "author", "date", "url"}
    assert result["article"]["url"] == "/lib/a.txt"  # no url: the file path
    assert result["score"] == 0.8765 and data["took_ms"] == 12.3
    json.dumps(data)


def test_url_wins_over_path():
    assert answer_json(Answer("q", True, [make_hit(url="https://x")], 1.0))["results"][0]["article"]["url"] == "https://x"


def test_citation_line_skips_empty_parts():
    assert citation_line(make_hit(author="", date="")) == "Flood — Daily, paragraph 2-3, /lib/a.txt"


def test_text_marks_the_highlight_and_cites():
    text = answer_text(Answer("q", True, [make_hit()], 1.0))
    assert "»Boats came.«" in text and "— Flood — Daily, Ann, 2024-01-02, paragraph 2-3" in text


def test_no_answer_text():
    assert answer_text(Answer("q", False, [], 1.0)) == NO_ANSWER


def test_an_unsure_refusal_shows_its_closest_passage_marked_as_such():
    answer = Answer("q", False, [], 1.0, confidence=0.43, closest=[make_hit()])
    text = answer_text(answer)
    assert text.startswith("No confident answer in the library (confidence 0.43).") and "»Boats came.«" in text
    data = answer_json(answer)
    assert not data["answered"] and data["results"] == [] and data["closest"][0]["highlight"] == "Boats came."


def test_how_time_was_read_is_said_in_the_text_and_the_json():
    answer = Answer("q", True, [make_hit()], 1.0, time_read='"this week": articles of 2024-09-13 to 2024-09-20')
    assert answer_json(answer)["time_read"].startswith('"this week"')
    assert answer_text(answer).endswith('Time read: "this week": articles of 2024-09-13 to 2024-09-20')


def test_how_slips_of_typing_were_read_is_said_first():
    answer = Answer("How many cotnainers?", True, [make_hit()], 1.0, read_as="How many containers?")
    assert answer_json(answer)["read_as"] == "How many containers?"
    assert answer_text(answer).startswith("Read as: How many containers?\n\n1.")
    assert not answer_text(Answer("q", True, [make_hit()], 1.0)).startswith("Read as")


def test_a_question_about_the_articles_is_answered_first_from_their_citations():
    answer = Answer("Who wrote it?", True, [make_hit()], 1.0, article_facts=["“Flood” (Daily) was written by Ann."])
    text = answer_text(answer)
    assert text.startswith("From the articles' citations:\n   “Flood” (Daily) was written by Ann.")
    assert answer_json(answer)["article_facts"] == ["“Flood” (Daily) was written by Ann."]


def test_a_refusal_for_names_no_article_mentions_names_them():
    answer = Answer("What did Japan and China say?", False, [], 1.0, unknown_names=["Japan", "China"])
    assert answer_text(answer) == "No article in the library mentions “Japan” or “China”, so it cannot answer this."
    assert answer_json(answer)["unknown_names"] == ["Japan", "China"]


def test_a_listed_story_shows_no_score():
    listed = answer_text(Answer("What's new?", True, [make_hit()], 1.0, reply="stories"))
    assert listed.startswith("1.\n") and "[0.88]" not in listed
    assert answer_text(Answer("q", True, [make_hit()], 1.0)).startswith("1. [0.88]\n")
