import pytest

from retrieval.question_names import question_names, spelled_out


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


@pytest.mark.parametrize(("acronym", "text", "spelled"), [
    ("UMC", "The United Methodist Church voted.", True),
    ("DPRK", "the Democratic People's Republic of Korea, the official name", True),
    ("NATO", "the North Atlantic Treaty Organization met", True),
    ("UMC", "the united methodist church", False),  # capitals make the initials
    ("UMC", "United States and the Methodist Church", False),  # letters in order, words in a row
    ("Upton", "Upton Parade", False),  # an acronym is written in capitals
])
def test_an_acronym_is_spelled_out_by_words_whose_capitals_are_its_letters(acronym, text, spelled):
    assert spelled_out(acronym, text) is spelled
