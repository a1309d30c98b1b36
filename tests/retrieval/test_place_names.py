from retrieval.place_names import PlaceNames


def test_a_demonym_gives_its_country_s_names():
    others = PlaceNames().others("American")
    assert ("united", "states") in others and ("american",) not in others


def test_a_plural_demonym_and_a_code_name_their_country():
    places = PlaceNames()
    assert ("united", "states") in places.others("Americans")
    assert ("british",) in places.others("UK") and ("united", "kingdom") in places.others("UK")
    assert ("japanese",) in places.others("Japan")


def test_a_word_that_names_no_country_has_no_other_names():
    places = PlaceNames()
    assert places.others("Zelensky") == () and places.others("Paris") == ()
