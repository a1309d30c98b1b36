"""Embed formatting, without Discord: limits, trimming, highlight and citations."""

from bot.embeds import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    MESSAGE_LIMIT,
    NO_ANSWER_TEXT,
    TITLE_LIMIT,
    answer_embed,
    citation,
    trim,
)
from retrieval.format import newest_date
from retrieval.records import Answer, Article, Hit


def article(**kw):
    fields = dict(id=1, title="Flood", source="Daily", author="Ann", date="2024-01-02", url="https://x/f", path="")
    fields.update(kw)
    return Article(**fields)


def hit(text="Water rose fast. Boats came at night. People were saved.", highlight="Boats came at night.",
        **kw):
    return Hit(passage_id=1, text=text, highlight=highlight, score=0.9, paragraph="2", article=article(**kw))


def test_trim_cuts_at_sentence_boundaries():
    assert trim("One two. Three four. Five six.", 22) == "One two. Three four.…"
    assert trim("short", 10) == "short"
    assert len(trim("x" * 50, 10)) == 10 and trim("x" * 50, 10).endswith("…")


def test_trim_falls_back_to_a_word_boundary():
    assert trim("alpha beta gamma delta", 12) == "alpha beta…"


def test_highlight_is_bold_and_citation_linked():
    embed = answer_embed(Answer("Who came?", True, [hit()], 5.0))
    value = embed.fields[0].value
    assert "**Boats came at night.**" in value
    assert "[Flood](https://x/f) · Daily · Ann · 2024-01-02 · ¶ 2" in value
    assert embed.footer.text.startswith("Newest article cited: 2024-01-02")


def test_file_paths_are_not_linked():
    assert citation(article(url="/srv/a.txt"), "3") == "Flood · Daily · Ann · 2024-01-02 · ¶ 3"


def test_markdown_in_articles_is_escaped():
    embed = answer_embed(Answer("q", True, [hit(text="A *bold* claim. Boats came at night.")], 1.0))
    assert "\\*bold\\*" in embed.fields[0].value


def test_long_passages_and_titles_respect_every_limit():
    sentence = "This sentence is part of a very long passage about the harbour strike. "
    long_hit = hit(text=sentence * 200, highlight=sentence.strip(), title="T" * 600, source="S" * 300,
                   author="A" * 300)
    embed = answer_embed(Answer("Q" * 5000, True, [long_hit] * 10, 1.0))
    assert len(embed.title) <= TITLE_LIMIT
    assert all(len(f.name) <= 256 and len(f.value) <= FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed) <= MESSAGE_LIMIT
    assert len(embed.fields) >= 3
    assert embed.fields[0].value.split("\n— ")[0].endswith("…")


def test_long_single_sentence_highlight_is_cut():
    text = "word " * 2000
    embed = answer_embed(Answer("q", True, [hit(text=text, highlight=text.strip())], 1.0))
    assert len(embed.fields[0].value) <= FIELD_VALUE_LIMIT


def test_no_answer_embed():
    embed = answer_embed(Answer("How do I bake bread?", False, [], 1.0))
    assert embed.description == NO_ANSWER_TEXT and not embed.fields


def test_unsure_no_answer_embed_shows_the_closest_passage_said_to_be_unsure():
    embed = answer_embed(Answer("When did boats come?", False, [], 1.0, confidence=0.4, closest=[hit()]))
    assert embed.description.startswith("No confident answer in the library (confidence 0.40).")
    assert len(embed.fields) == 1 and "**Boats came at night.**" in embed.fields[0].value
    filtered = answer_embed(Answer("q", False, [], 1.0, confidence=0.4, closest=[hit()]), why_not="only BBC")
    assert filtered.description.endswith("(Searched only BBC.)")


def test_a_question_about_the_articles_says_their_detail_above_the_passages():
    embed = answer_embed(Answer("Who wrote it?", True, [hit()], 1.0, article_facts=["“Flood” was written by *Ann*."]))
    assert embed.description == "“Flood” was written by \\*Ann\\*." and len(embed.fields) == 1
    assert len(embed) <= MESSAGE_LIMIT


def test_a_refusal_for_a_name_no_article_mentions_names_it():
    embed = answer_embed(Answer("What did Zelensky say?", False, [], 1.0, unknown_names=["Zelensky"]))
    assert embed.description == "No article in the library mentions “Zelensky”, so it cannot answer this."


def test_newest_date():
    older = hit(date="2020-01-01")
    newer = hit(date="2024-05-05")
    assert newest_date([older, newer]) == "2024-05-05"
    assert newest_date([hit(date="")]) == ""


def test_help_shows_the_servers_setup_and_admin_commands_only_to_admins():
    from bot.embeds import help_embed
    from bot.service import ServerSetup
    from retrieval.activity import GuildSettings

    setup = ServerSetup(GuildSettings(7, channels=[11]), results=3, min_score=0.49, reply_style="reply", feeds=[],
                        articles=1234, newest="2024-05-03", sources=["Port Gazette"])
    member = help_embed(setup, admin=False)
    text = "\n".join(f.value for f in member.fields)
    assert "<#11>" in text and "1,234 articles" in text and "2024-05-03" in text and "Port Gazette" in text
    assert "For admins" not in [f.name for f in member.fields]
    assert "For admins (Manage Server)" in [f.name for f in help_embed(setup, admin=True).fields]
    assert len(help_embed(setup, admin=True)) < 6000


def test_the_footer_says_how_the_question_s_time_was_read():
    answer = Answer("What happened this week?", True, [hit()], 5.0,
                    time_read='"this week": articles of 2024-01-01 to 2024-01-07')
    assert answer_embed(answer).footer.text.startswith('Time read: "this week": articles of 2024-01-01 to 2024-01-07 ·')


def test_the_footer_says_how_slips_of_typing_were_read():
    answer = Answer("How many cotnainers?", True, [hit()], 5.0, read_as="How many containers?")
    assert answer_embed(answer).footer.text.startswith("Read as: How many containers? ·")
