import pytest

from retrieval.definition_question import defined_name, names_it, naming_first


@pytest.mark.parametrize(("question", "subject"), [
    ("Who is John Kirby?", "John Kirby"),
    ("who's john kirby", "john kirby"),
    ("What is the DPRK?", "DPRK"),
    ("What was Engineering News-Record?", "Engineering News-Record"),
    ("Who is the Russian ambassador to North Korea?", None),  # more than a name: a question about it
    ("What did Kirby say?", None),
    ("Why is Moscow buying weapons?", None),
])
def test_the_name_a_question_asks_about(question, subject):
    assert defined_name(question) == subject


def test_a_passage_names_the_subject_only_when_written_as_a_name():
    assert names_it("john kirby", "National Security Council spokesman John Kirby said")
    assert not names_it("John Kirby", "Kirby said")  # the whole phrase
    assert not names_it("population", "the population of the North grew")  # a common word is no name


def test_the_result_shown_first_for_who_a_name_is_names_it_in_full():
    texts = ["Kirby said the ships left.", "Spokesman John Kirby spoke.", "John Kirby again."]
    assert naming_first("john kirby", texts) == 1
    assert naming_first("john kirby", texts[:1] * 3 + texts[1:]) == 0  # beyond the first three: left alone
    assert naming_first("Kirby", texts) == 0
