from retrieval.question_spelling import respelled_question


def fixes(table: dict[str, str]):
    asked: list[list[str]] = []

    def respell(words: list[str]) -> dict[str, str]:
        asked.append(words)
        return {w: table[w] for w in words if w in table}
    return respell, asked


def test_slips_are_read_as_the_library_s_words_keeping_case_and_the_rest():
    respell, asked = fixes({"cotnainers": "containers", "kroea": "korea"})
    assert respelled_question("How many cotnainers has North Kroea sent?", respell) == \
        "How many containers has North Korea sent?"
    assert asked == [["many", "cotnainers", "north", "kroea", "sent"]]  # stop words and short words not looked up


def test_a_question_without_slips_is_returned_as_asked():
    respell, _ = fixes({})
    question = "Where did Kim meet Putin?"
    assert respelled_question(question, respell) is question
    assert respelled_question("Who is he?", respell) == "Who is he?"
    assert respelled_question("Did CITA grow?", fixes({"cita": "ctia"})[0]) == "Did CITA grow?"  # an acronym
