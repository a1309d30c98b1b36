from retrieval.clean import is_furniture, remove_furniture, split_paragraphs


def test_blank_lines_and_sentence_lines_separate_paragraphs():
    text = "First paragraph ends here.\nSecond paragraph on its own line.\n\nThird after a blank."
    assert split_paragraphs(text) == [
        "First paragraph ends here.", "Second paragraph on its own line.", "Third after a blank."]


def test_hard_wrapped_lines_are_joined():
    text = "The council said that the new budget would be\npassed on Tuesday after a long debate."
    assert split_paragraphs(text) == [
        "The council said that the new budget would be passed on Tuesday after a long debate."]


def test_short_header_lines_are_not_joined():
    assert split_paragraphs("Friday, September 20, 2024\nHome News\n") == [
        "Friday, September 20, 2024", "Home News"]


def test_teaser_list_ends_the_article():
    paragraphs = ["Real news sentence number one.", "Latest articles",
                  "A dog named Zoe is looking for a home.", "More like this",
                  "Travelers on TikTok visit grocery stores."]
    assert remove_furniture(paragraphs) == ["Real news sentence number one."]


def test_other_teaser_headings_on_other_sites():
    for heading in ("Related stories", "You may also like", "Most read", "Read more:"):
        assert remove_furniture(["Body text is here.", heading, "Other story."]) == ["Body text is here."]


def test_furniture_lines_are_dropped():
    for line in ("See also  Retired Estero Fire Rescue K9 passes away", "Source link", "Published on",
                 "spot_img", "[Image]", "Advertisement", "No comments:", "Post a Comment",
                 "Share this article", "HomeTop StoriesSomething", "Home > World > Europe",
                 "Copyright 2024 Example News. All rights reserved."):
        assert is_furniture(line), line


def test_news_sentences_are_not_furniture():
    for line in ("Home prices rose 5% in March, the agency said.", "Comments from the minister were sharp.",
                 "See you in court, he told reporters."):
        assert not is_furniture(line), line


def test_short_link_lines_inside_the_body_go():
    paragraphs = ["The talks began on Monday in Geneva.", "Ukraine hits Russian navy ships with sea drones",
                  "They ended on Friday without a deal."]
    assert remove_furniture(paragraphs) == [paragraphs[0], paragraphs[2]]


def test_video_ad_feedback_widget_is_furniture():
    assert is_furniture("1. How relevant is this ad to you?")
    assert is_furniture("Video player was slow to load content Video content never loaded Ad froze or did not "
                        "finish loading Other issues")
    assert not is_furniture("How relevant is this policy to voters, the senator asked.")
