from retrieval.metadata import derive_title, extract_plain
from retrieval.records import Document
from tests.conftest import SEEDS_DIR


def seed(name: str) -> Document:
    return extract_plain((SEEDS_DIR / name).read_text(encoding="utf-8"))


def test_seed_headline_is_found_after_dateline_and_breadcrumb():
    d = seed("000_00738a66fec89a6c.txt")
    assert d.title == "North Korea provided Russia with weapons, White House says"
    assert d.date == "2024-09-20"


def test_seed_source_and_author_lines():
    d = seed("003_50deb18632078066.txt")
    assert (d.source, d.author) == ("BBC", "Matt Murphy")
    assert "Source:" not in d.text and "Author:" not in d.text


def test_seed_furniture_is_not_in_the_body():
    body = seed("000_00738a66fec89a6c.txt").text
    for junk in ("Rhodesian ridgeback", "TikTok", "See also", "Source link", "Published on", "spot_img",
                 "Latest articles", "Ukraine hits Russian navy ships", "Join Fox News"):
        assert junk not in body, junk
    assert "Tikhoretsk" in body
    assert "No comments" not in seed("003_50deb18632078066.txt").text


def test_title_is_derived_when_the_text_has_none():
    d = seed("003_50deb18632078066.txt")
    assert d.title.startswith("US officials have accused North Korea")
    assert len(d.title.split()) <= 13


def test_byline_and_headline_in_another_layout():
    text = ("Storm closes schools across the region\nBy Jane Roe\n12 March 2021\n\n"
            "Heavy snow forced schools across the region to close on Friday, officials said.\n"
            "Roads were blocked for most of the day as ploughs struggled to keep up.\n")
    d = extract_plain(text)
    assert (d.title, d.author, d.date) == ("Storm closes schools across the region", "Jane Roe", "2021-03-12")
    assert d.text.startswith("Heavy snow")


def test_known_metadata_wins_over_text():
    d = extract_plain("Source: Daily Planet\n\nA long enough body sentence for the article goes here.",
                      defaults=Document(text="", source="Reuters"))
    assert d.source == "Reuters"


def test_derive_title_cuts_long_first_sentence():
    title = derive_title(["One two three four five six seven eight nine ten eleven twelve thirteen fourteen."])
    assert title == "One two three four five six seven eight nine ten eleven twelve…"


def test_long_text_without_final_punctuation_is_body_not_header():
    text = " ".join(["words"] * 40)
    assert extract_plain(text).text == text


def test_wire_dateline_is_not_taken_for_the_headline():
    text = ("New York CNN Business —\n\nSpirit and Frontier Airlines on Monday announced a $6.6 billion merger, "
            "a combination of low-fare carriers.\n\nThe deal still needs approval.")
    found = extract_plain(text)
    assert found.title.startswith("Spirit and Frontier Airlines on Monday")
    assert found.text.startswith("Spirit and Frontier")
    assert extract_plain("WASHINGTON (AP) —\n\n" + BODY_LINE).title != "WASHINGTON (AP) —"


BODY_LINE = "Lawmakers passed the spending bill late on Friday after a week of talks with the White House."
