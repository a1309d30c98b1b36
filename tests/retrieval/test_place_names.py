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


def test_the_last_word_of_a_long_name_names_its_country_when_it_names_no_other():
    places = PlaceNames()
    assert ("united", "states") in places.others("America") and ("united", "kingdom") in places.others("Britain")
    assert places.others("Korea") == () and places.others("Republic") == ()  # the end of several names
