from retrieval.sentences import sentences, split_sentences


def test_splits_at_sentence_ends():
    assert sentences("One here. Two there! Three? Four.") == ["One here.", "Two there!", "Three?", "Four."]


def test_keeps_abbreviations_and_initials_inside_a_sentence():
    text = "Mr. Kirby said the U.S. would act. Gen. Milley and J. Smith agreed."
    assert sentences(text) == ["Mr. Kirby said the U.S. would act.", "Gen. Milley and J. Smith agreed."]


def test_closing_quotes_stay_with_their_sentence():
    assert sentences('He said "we will go." Then he left.') == ['He said "we will go."', "Then he left."]


def test_spans_point_into_the_text():
    text = "  First one.  Second one.  "
    assert [text[s:e] for s, e in split_sentences(text)] == ["First one.", "Second one."]


def test_text_without_punctuation_is_one_sentence():
    assert sentences("no punctuation at all") == ["no punctuation at all"]
