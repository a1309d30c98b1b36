import pytest

from retrieval.question_names import question_names


@pytest.mark.parametrize(("question", "names"), [
    ("What did Zelensky say about North Korea?", ["Zelensky", "North", "Korea"]),
    ("What did General Mark Milley think about it?", ["Mark", "Milley"]),  # a title is not a name
    ("NATO summit: who attended?", ["NATO"]),  # the first word counts when written in capitals
    ("Kirby said what?", []),  # else English capitalises it anyway
    ("Who is President Biden's adviser?", ["Biden"]),  # the possessive goes
    ("What happened in March, on Monday?", []),  # calendar words are dates
    ("How do I bake banana bread?", []),
    ("Which US-provided howitzers fire them?", ["US"]),
])
def test_the_names_a_question_asks_about(question, names):
    assert question_names(question) == names


def test_a_name_counts_once_and_the_list_is_bounded():
    assert question_names("Did Kim meet KIM and Putin?") == ["Kim", "Putin"]
    assert len(question_names("Is " + " ".join(f"Name{chr(97 + i)}" for i in range(20)) + "?", limit=8)) == 8
