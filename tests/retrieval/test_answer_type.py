"""The kind of answer a question expects, and passages and sentences that hold one."""

import pytest

from retrieval.answer_type import expected_kind, holds_answer_kind, mentions, names_new
from retrieval.highlight import score_sentences


@pytest.mark.parametrize("question, kind", [
    ("How many containers did the imagery show?", "number"),
    ("What percentage of adults disapprove?", "number"),
    ("When did the strike end?", "date"),
    ("What year was the bridge built?", "date"),
    ("Where did the containers go?", "place"),
    ("Which country will require a common charger?", "place"),
    ("Who said North Korea would pay a price?", "person"),
    ("Which automaker recalled the vehicles?", "person"),
    ("Why might the shipments break international law?", None),
    ("What happened at the harbour?", None),
])
def test_expected_kind_from_the_question_words(question, kind):
    assert expected_kind(question) == kind


def test_mentions_of_each_kind():
    text = ("On Tuesday 300 containers went by rail to Tikhoretsk, near the Ukrainian border, "
            "National Security Council spokesman John Kirby said.")
    assert mentions(text, "number") == ["300"]
    assert mentions(text, "date") == ["Tuesday"]
    assert mentions(text, "place")[0] == "Tikhoretsk"
    assert "John Kirby" in mentions(text, "person")


def test_a_name_across_a_full_stop_is_two_names():
    assert mentions("They sailed to Russia. Jake Sullivan said so.", "place") == ["Russia"]


def test_only_what_the_question_does_not_already_name_counts():
    question = "Where in Russia did the containers go?"
    assert not names_new(question, "The containers went to Russia.", "place")
    assert names_new(question, "The containers went to Tikhoretsk.", "place")


def test_a_passage_holds_the_kind_anywhere_but_not_what_the_question_names():
    question = "Where in Russia did the containers go?"
    assert holds_answer_kind(question, "Mr Kirby spoke on Friday. The equipment went by rail to Tikhoretsk.")
    assert not holds_answer_kind(question, "Kim met Putin in Russia’s far east.")  # Russia is asked about
    assert not holds_answer_kind("Why were containers shipped?", "About 300 containers went to Tikhoretsk.")


def test_the_highlighter_prefers_the_sentence_naming_the_kind_asked_for():
    question = "Who announced that the weapons were delivered?"
    candidates = ["The weapons were delivered, it was announced on Friday.",
                  "John Kirby announced the delivery."]
    plain = score_sentences(question, None, candidates, None, kind_weight=0.0)
    with_kind = score_sentences(question, None, candidates, None, kind_weight=0.5)
    assert plain[0] > plain[1] and with_kind[1] > with_kind[0]
