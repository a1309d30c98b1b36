from retrieval.terms import content_words, terms_of


def test_terms_are_five_letter_stems_of_content_words():
    assert terms_of("The deliveries were delivered to the depot") == {"deliv", "depot"}


def test_a_short_word_s_inflection_goes_before_the_cut():
    assert terms_of("Kim met Putin") == terms_of("Kim meets Putin") == terms_of("Kim meeting Putin") == {
        "kim", "meet", "putin"}
    assert terms_of("ships") == terms_of("ship") and terms_of("taxes") == terms_of("tax")
    assert terms_of("glass") == {"glass"} and terms_of("bus") == {"bus"}  # no stem shorter than three


def test_the_past_of_an_irregular_verb_meets_its_present():
    assert terms_of("The deliveries took place in September") >= {"take", "place"}
    assert terms_of("He said") == terms_of("He says") == {"say"}


def test_content_words_keep_all_words_when_only_stop_words_are_left():
    assert content_words("what is it") == ["what", "is", "it"]
    assert content_words("What is Najin?") == ["najin"]
