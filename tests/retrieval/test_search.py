import dataclasses

import pytest

from retrieval.errors import BadInputError
from retrieval.records import Filters, make_filters
from retrieval.search import Searcher, SearchOptions, clean_question
from tests.helpers import doc

ARTICLES = [
    doc("The river flooded the valley on Monday. Hundreds of families left their homes.\n\n"
        "Rescue boats reached the village of Upton by night.", title="Valley flood", url="u-flood",
        source="Daily", date="2024-01-02"),
    doc("The council passed the city budget after a long debate. Taxes stay flat.", title="Budget",
        url="u-budget"),
    doc("A new bridge over the river opens in March. Engineers tested it for weeks.", title="Bridge",
        url="u-bridge"),
]


@pytest.fixture
def searcher(library):
    library.add_documents(ARTICLES)
    library.add_documents([doc("The river parade in Upton was private to this server.", url="u-private")],
                          guild_id=42)
    return Searcher(library)


def test_hybrid_finds_the_passage_and_its_citation(searcher):
    answer = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    top = answer.hits[0]
    assert answer.answered and top.article.title == "Valley flood"
    assert top.highlight == "Rescue boats reached the village of Upton by night."
    assert top.article.source == "Daily" and top.paragraph in {"1-2", "2"}


def test_each_mode_ranks(searcher):
    for mode in ("dense", "keyword", "hybrid"):
        answer = searcher.ask("city budget taxes", SearchOptions(mode=mode, min_score=0.0))
        assert answer.hits[0].article.url == "u-budget", mode


def test_weak_evidence_is_no_answer(searcher):
    answer = searcher.ask("zebra giraffe savanna", SearchOptions(min_score=0.3))
    assert not answer.answered and answer.hits == []


def test_a_refusal_still_this_sure_shows_its_closest_passage(searcher):
    sure = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=1.0, hint_score=0.0))
    assert not sure.answered and sure.hits == [] and len(sure.closest) == 1
    assert sure.closest[0].article.title == "Valley flood"
    unsure = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=1.0, hint_score=1.0))
    assert unsure.closest == []


def test_other_servers_articles_are_invisible(searcher):
    urls = {h.article.url for h in searcher.ask("river parade Upton", SearchOptions(min_score=0.0, k=10)).hits}
    assert "u-private" not in urls
    urls = {h.article.url for h in searcher.ask("river parade Upton", SearchOptions(min_score=0.0, k=10),
                                              guild_ids=[None, 42]).hits}
    assert "u-private" in urls


def test_per_article_cap(library):
    long = "\n\n".join(f"Paragraph {i} tells about the harbour strike and its ships." for i in range(40))
    others = [doc(f"Report {n} on the harbour ships.", title=f"Harbour {n}", url=f"u-harbour-{n}") for n in range(10)]
    library.add_documents([doc(long, title="Strike", url="u-strike"), *others])
    library.max_passage_tokens = 200
    answer = Searcher(library).ask("harbour strike ships",
                                   SearchOptions(k=5, max_per_article=2, min_score=0.0, cutoff=0.0, group=False))
    assert len(answer.hits) == 5
    assert sum(h.article.url == "u-strike" for h in answer.hits) == 2


def test_a_library_of_few_articles_fills_the_results_past_the_cap(library):
    long = "\n\n".join(f"Paragraph {i} tells about the harbour strike and its ships." for i in range(40))
    library.add_documents([doc(long, title="Strike", url="u-strike")])
    library.max_passage_tokens = 200
    answer = Searcher(library).ask("harbour strike ships",
                                   SearchOptions(k=5, max_per_article=2, min_score=0.0, cutoff=0.0, group=False))
    passages = library.store.count("passages")
    assert passages > 2 and len(answer.hits) == min(5, passages)  # its other passages rather than nothing


@pytest.mark.parametrize("raw, expected", [("  what\tis\nthis?  ", "what is this?"),
                                           ("bell\x07 char", "bell char")])
def test_clean_question(raw, expected):
    assert clean_question(raw) == expected


@pytest.mark.parametrize("raw", ["", "   \n\t", "\x00\x01"])
def test_empty_question_is_refused(raw):
    with pytest.raises(BadInputError, match="empty"):
        clean_question(raw)


def test_too_long_question_is_refused():
    with pytest.raises(BadInputError, match="too long"):
        clean_question("why " * 2000, max_chars=1000)


@pytest.fixture
def dated(library):
    library.add_documents([
        doc("The harbour strike ended after nine days of talks.", title="Strike ends", url="u1", source="Gazette",
            date="2024-03-01"),
        doc("The harbour strike began over pay and hours.", title="Strike begins", url="u2", source="Herald",
            date="2024-02-20"),
        doc("The harbour strike worried local shop owners.", title="Shops worry", url="u3", source="Gazette"),
    ])
    return Searcher(library)


def urls(answer):
    return {h.article.url for h in answer.hits}


def test_filter_by_source_is_case_insensitive(dated):
    options = SearchOptions(min_score=0.0, k=10, filters=Filters(sources=("gazette",)))
    assert urls(dated.ask("harbour strike", options)) == {"u1", "u3"}


def test_filter_by_date_range_excludes_undated(dated):
    since = SearchOptions(min_score=0.0, k=10, filters=Filters(since="2024-02-25"))
    assert urls(dated.ask("harbour strike", since)) == {"u1"}
    until = SearchOptions(min_score=0.0, k=10, filters=Filters(until="2024-02-25"))
    assert urls(dated.ask("harbour strike", until)) == {"u2"}


def test_make_filters_reads_common_dates_and_refuses_bad_ones():
    assert make_filters([" BBC "], "20 Sep 2024", None) == Filters(("BBC",), "2024-09-20", "")
    with pytest.raises(BadInputError, match="cannot read the date"):
        make_filters([], "yesterday-ish", None)


def test_repeated_question_is_served_from_the_cache_until_the_library_changes(library, encoder):
    library.add_documents(ARTICLES)
    searcher = Searcher(library)
    first = searcher.ask("city budget taxes", SearchOptions(min_score=0.0))
    calls = encoder.calls
    again = searcher.ask("city budget taxes", SearchOptions(min_score=0.0))
    assert encoder.calls == calls and again.timings.keys() == {"cache"}
    assert [h.passage_id for h in again.hits] == [h.passage_id for h in first.hits]
    again.hits.clear()  # a caller changing its copy does not change the cache
    assert searcher.ask("city budget taxes", SearchOptions(min_score=0.0)).hits
    searcher.ask("city budget taxes", SearchOptions(min_score=0.0, k=1))  # other options: computed
    assert encoder.calls > calls
    library.add_documents([doc("The council budget vote was delayed again.", url="u-late")])
    after = searcher.ask("city budget taxes", SearchOptions(min_score=0.0, k=10, cutoff=0.0))
    assert "u-late" in {h.article.url for h in after.hits}


def test_options_key_tells_every_option_apart():
    base = SearchOptions()
    assert base.key() == SearchOptions().key() and hash(base.key())
    others = [SearchOptions(k=6), SearchOptions(mode="dense"), SearchOptions(group=False),
              SearchOptions(filters=Filters(sources=("BBC",))), SearchOptions(filters=Filters(since="2024-01-01"))]
    assert len({base.key(), *(o.key() for o in others)}) == len(others) + 1


def test_logging_questions_does_not_empty_the_cache(library):
    from retrieval.activity import Activity

    library.add_documents(ARTICLES)
    searcher = Searcher(library)
    searcher.ask("city budget taxes", SearchOptions(min_score=0.0))
    Activity(library.store).record_question(1, "city budget taxes", True, 0.9, 1)
    assert searcher.ask("city budget taxes", SearchOptions(min_score=0.0)).timings.keys() == {"cache"}


def test_highlight_uses_the_sentence_vectors_stored_at_ingest(searcher, encoder):
    calls = encoder.calls
    answer = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    assert answer.hits[0].highlight == "Rescue boats reached the village of Upton by night."
    assert encoder.calls == calls + 1  # the question only: no sentence is embedded at question time


def test_passages_without_stored_sentence_vectors_are_highlighted_anyway(searcher, library):
    with library.store.transaction() as conn:
        conn.execute("DELETE FROM sentence_vectors")  # a library made before they were stored
    answer = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    assert answer.hits[0].highlight == "Rescue boats reached the village of Upton by night."


def test_reindex_restores_sentence_vectors(library):
    library.add_documents(ARTICLES)
    with library.store.transaction() as conn:
        conn.execute("DELETE FROM sentence_vectors")
    library.reindex()
    assert library.store.count_sentence_vectors() == library.store.count("passages")


def test_results_beyond_the_first_rows_read_are_found_when_one_article_fills_them(library):
    long = "\n\n".join(f"Paragraph {i} tells about the harbour strike and its ships. " * 8 for i in range(40))
    library.add_documents([doc(long, title="Strike", url="u-strike"),
                           doc("The harbour strike stopped ships in Dover too.", title="Dover", url="u-dover")])
    passages = library.store.count("passages")
    assert passages > 20  # more than the first rows read, nearly all of one article
    answer = Searcher(library).ask("harbour strike ships", SearchOptions(k=5, max_per_article=2, min_score=0.0))
    urls = [h.article.url for h in answer.hits]
    assert "u-dover" in urls and set(urls) == {"u-dover", "u-strike"}  # two articles: the strike fills the rest


def test_rows_read_beside_the_embedding_are_not_read_again(searcher, monkeypatch):
    asked: list[int] = []
    read = searcher.library.store.passages
    monkeypatch.setattr(searcher.library.store, "passages",
                        lambda ids, *rest: asked.extend(ids) or read(ids, *rest))
    answer = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    assert answer.hits and answer.hits[0].article.title == "Valley flood"
    assert len(asked) == len(set(asked))  # every row read once
    assert answer.hits[0].passage_id in asked[:16]  # among the keyword side's early reads


def test_newer_reporting_ranks_first_when_both_say_the_same(library):
    library.add_documents([
        doc("Ferry services across the strait stopped after the storm damaged the pier.", title="Ferries stop",
            url="u-old", date="2021-05-01"),
        doc("Ferry services across the strait stopped after the storm damaged the pier.\n\nRepairs start soon.",
            title="Ferries stop", url="u-new", date="2024-05-01"),
    ])
    searcher = Searcher(library)
    ask = "Why did ferry services across the strait stop?"
    # (not grouped: grouping would show the two as one story under the earliest report; the keywords
    # counted in full, as in a library of many articles: the hash vectors of the tests say little)
    assert searcher.ask(ask, SearchOptions(min_score=0.0, group=False)).hits[0].article.url == "u-new"
    plain = searcher.ask(ask, SearchOptions(min_score=0.0, recency_weight=0.0, cutoff=0.0, group=False,
                                            keyword_floor=0.0))
    aged = searcher.ask(ask, SearchOptions(min_score=0.0, cutoff=0.0, group=False, keyword_floor=0.0))
    assert plain.hits[0].article.url == "u-old"  # the shorter passage wins without the prior
    old = {h.article.url: h.score for h in plain.hits}["u-old"]
    assert {h.article.url: h.score for h in aged.hits}["u-old"] < old


def test_recency_leaves_undated_libraries_as_they_were(searcher):
    question = "city budget taxes"
    plain = searcher.ask(question, SearchOptions(min_score=0.0, recency_weight=0.0, cutoff=0.0))
    aged = searcher.ask(question, SearchOptions(min_score=0.0, cutoff=0.0))
    undated = [(h.passage_id, h.score) for h in plain.hits if not h.article.date]
    assert undated and undated == [(h.passage_id, h.score) for h in aged.hits if not h.article.date]


def test_confidence_counts_the_question_words_over_the_whole_article(library):
    filler = " ".join(f"Sentence {i} of the report describes the weather in general terms." for i in range(30))
    library.add_documents([doc(f"The volcano erupted near the coast.\n\n{filler}\n\nAirlines cancelled flights.",
                               title="Eruption", url="u-volcano")])
    searcher = Searcher(library)
    answer = searcher.ask("volcano eruption airlines cancelled flights", SearchOptions(min_score=0.0))
    hit = answer.hits[0]
    assert searcher.coverage("volcano airlines", [hit]) == [1.0]  # the words sit in different passages
    assert "volcano" not in hit.text.lower() or "airlines" not in hit.text.lower()


def test_cutoff_hides_results_far_below_the_best_and_zero_shows_them(searcher):
    question = "Which village did rescue boats reach?"
    full = searcher.ask(question, SearchOptions(min_score=0.0, cutoff=0.0, k=5))
    cut = searcher.ask(question, SearchOptions(min_score=0.0, cutoff=0.9, k=5))
    assert len(cut.hits) < len(full.hits) and cut.hits[0].passage_id == full.hits[0].passage_id
    assert all(h.score >= 0.9 * cut.hits[0].score for h in cut.hits)


def test_one_server_s_newer_upload_never_moves_another_scope_s_ranking(library):
    library.add_documents([doc("The harbour strike ended after nine days.", title="Strike ends", url="a",
                               date="2024-01-02"),
                           doc("The harbour strike began over pay.", title="Strike begins", url="b", date="2023-03-04")])
    searcher = Searcher(library)
    options = SearchOptions(min_score=0.0, cutoff=0.0, mode="dense")  # BM25's statistics are the whole library's
    before = [(h.article.url, round(h.score, 6)) for h in searcher.ask("harbour strike", options).hits]
    library.add_documents([doc("A harbour festival was held.", url="c", date="2031-05-06")], guild_id=5)
    after = [(h.article.url, round(h.score, 6)) for h in searcher.ask("harbour strike", options).hits]
    assert after == before
    in_server = searcher.ask("harbour strike", options, [None, 5])
    assert {h.article.url for h in in_server.hits} >= {"a", "b"}


def test_an_article_published_after_the_asking_time_is_not_used_and_undated_ones_are(library):
    library.add_documents([doc("The harbour strike ended after talks.", url="late", date="2022-07-01"),
                           doc("The harbour strike began over pay.", url="early", date="2022-06-01"),
                           doc("The harbour strike is a long story.", url="undated")])
    searcher = Searcher(library)
    asked = SearchOptions(min_score=0.0, cutoff=0.0, filters=make_filters((), None, None, "2022-06-10"))
    assert {h.article.url for h in searcher.ask("harbour strike", asked).hits} == {"early", "undated"}
    today = SearchOptions(min_score=0.0, cutoff=0.0)
    assert {h.article.url for h in searcher.ask("harbour strike", today).hits} == {"early", "late", "undated"}


def test_ages_count_from_the_newest_article_the_asker_could_read(library):
    library.add_documents([doc("The harbour strike began over pay.", url="early", date="2022-06-01"),
                           doc("The harbour strike continues for a week.", url="later", date="2022-07-20")])
    searcher = Searcher(library)
    options = SearchOptions(min_score=0.0, cutoff=0.0, mode="dense", recency_weight=0.5, recency_days=30)
    asked_early = dataclasses.replace(options, filters=make_filters((), None, None, "2022-06-02"))
    early = searcher.ask("harbour strike pay", asked_early).hits[0]
    plain = searcher.ask("harbour strike pay", dataclasses.replace(options, recency_weight=0.0)).hits
    assert early.article.url == "early" and early.score == pytest.approx(
        next(h.score for h in plain if h.article.url == "early"), abs=1e-6)  # newest then: age 0, no penalty


def test_this_week_keeps_the_week_s_reporting_and_falls_back_when_it_has_none(library):
    library.add_documents([doc("The harbour strike began over pay and cranes stood still.", url="old", date="2022-05-01"),
                           doc("Harbour strike talks resumed on Monday.", url="new", date="2022-06-13")])
    searcher = Searcher(library)
    asked = SearchOptions(min_score=0.0, cutoff=0.0, recency_weight=0.0, filters=Filters(as_of="2022-06-16"))
    this_week = searcher.ask("What happened in the harbour strike this week?", asked)
    assert [h.article.url for h in this_week.hits] == ["new"]
    everything = searcher.ask("What happened in the harbour strike?", asked)
    assert {h.article.url for h in everything.hits} == {"old", "new"}
    later = dataclasses.replace(asked, filters=Filters(as_of="2022-07-30"))  # nothing that week: asked again
    assert searcher.ask("What happened in the harbour strike this week?", later).hits


def test_the_keyword_floor_reorders_a_small_library_but_keeps_its_confidence(library):
    library.add_documents([doc("The shipments were revealed after the summit.", title="Summit", url="u-summit"),
                           doc("Containers went by rail to a depot near Tikhoretsk.", title="Depot", url="u-depot")])
    searcher = Searcher(library, cache_size=0)
    question = "Where did the shipments end up?"
    plain = searcher.ask(question, SearchOptions(min_score=0.0, keyword_floor=0.0))
    floored = searcher.ask(question, SearchOptions(min_score=0.0, keyword_floor=8.0))
    assert plain.hits[0].score > floored.hits[0].score  # the one-word keyword match no longer counts in full
    assert floored.confidence == pytest.approx(plain.confidence, abs=1e-3)


DATED = [doc(f"Talks on the harbour strike went on with the union and the port. Round {word} ended late.",
             title="Strike talks", url=f"u-talks-{day}", date=f"2024-03-{day:02d}")
         for day, word in ((1, "one"), (8, "two"), (15, "three"), (22, "four"), (29, "five"))]


def test_asking_for_the_latest_leans_towards_the_newest_reporting(library):
    library.add_documents(DATED)
    searcher = Searcher(library, cache_size=0)
    options = SearchOptions(min_score=0.0, cutoff=0.0, group=False, filters=Filters(as_of="2024-03-30"))
    latest = searcher.ask("What is the latest on the harbour strike talks?", options)
    plain = searcher.ask("What is the latest on the harbour strike talks?", dataclasses.replace(options, lean="none"))
    assert latest.hits[0].article.url == "u-talks-29"
    assert latest.hits[-1].score < plain.hits[-1].score  # older reports lose more
    assert latest.confidence == pytest.approx(plain.confidence, abs=1e-3)  # the lean orders, it does not assure


def test_asking_for_the_first_reports_turns_the_age_prior_round(library):
    library.add_documents(DATED)
    searcher = Searcher(library, cache_size=0)
    options = SearchOptions(min_score=0.0, cutoff=0.0, group=False, filters=Filters(as_of="2024-03-30"))
    first = searcher.ask("What were the first reports of the harbour strike talks?", options)
    assert first.hits[0].article.url == "u-talks-1"


def test_the_reply_says_how_the_question_s_time_was_read(library):
    library.add_documents(DATED)
    searcher = Searcher(library, cache_size=0)
    options = SearchOptions(min_score=0.0, filters=Filters(as_of="2024-03-30"))
    inside = searcher.ask("What happened in the harbour strike talks this week?", options)
    assert inside.time_read == '"this week": articles of 2024-03-23 to 2024-03-30'
    assert {h.article.url for h in inside.hits} == {"u-talks-29"}
    empty = searcher.ask("What happened in the harbour strike talks yesterday?",
                         SearchOptions(min_score=0.0, filters=Filters(as_of="2024-03-20")))
    assert "held no answer" in empty.time_read and empty.hits  # said, then every day searched
    assert searcher.ask("harbour strike talks", options).time_read == ""


def test_a_question_about_an_article_is_answered_from_its_citation(searcher):
    answer = searcher.ask("Who wrote the article about the river flood and the rescue boats?",
                          SearchOptions(min_score=0.0))
    assert answer.answered and answer.hits[0].article.title == "Valley flood"
    assert answer.article_facts[0] == "“Valley flood” (Daily, 2024-01-02) does not name its author."


def test_a_named_publisher_chooses_the_article_a_question_about_articles_means(searcher):
    answer = searcher.ask("When was the Daily article published?")
    assert answer.answered and answer.article_facts == ["“Valley flood” (Daily) was published on 2024-01-02."]
    assert answer.confidence == 1.0  # the only article of that publisher
    assert answer.hits[0].text.startswith("The river flooded the valley on Monday.")  # shown by its opening
    assert answer.hits[0].paragraph == "1"


def test_asking_for_the_news_lists_the_period_s_stories_and_else_the_latest(library):
    library.add_documents([
        doc("The river flooded the valley. Families left.", title="Flood", url="u1", source="Daily", date="2024-01-02"),
        doc("Dock workers went on strike at the port. Ships waited.", title="Strike", url="u2", source="Post",
            date="2024-01-09"),
    ])
    searcher = Searcher(library)
    week = searcher.ask("What happened this week?", SearchOptions(filters=Filters(as_of="2024-01-10")))
    assert week.answered and [h.article.title for h in week.hits] == ["Strike"]
    assert week.time_read == '"this week": stories of 2024-01-03 to 2024-01-10'
    later = searcher.ask("What's the latest news?", SearchOptions(filters=Filters(as_of="2024-03-01")))
    assert [h.article.title for h in later.hits] == ["Strike", "Flood"]
    assert later.time_read == "the past week: stories of 2024-02-23 to 2024-03-01 held none; the latest, of 2024-01-02 to 2024-01-09"
    only = searcher.ask("What's new?", SearchOptions(filters=Filters(as_of="2024-03-01", sources=("daily",))))
    assert [h.article.title for h in only.hits] == ["Flood"]


def test_a_question_about_a_name_no_article_mentions_is_refused_and_says_so(searcher):
    never = searcher.ask("What did Zelensky say about the river flood?", SearchOptions(min_score=0.01, hint_score=0.0))
    assert not never.answered and never.confidence == 0.0 and never.unknown_names == ["Zelensky"]
    assert never.closest == []  # nothing close to show: the library cannot hold it
    known = searcher.ask("Which boats reached Upton?", SearchOptions(min_score=0.01))
    assert known.answered and known.unknown_names == []
    private = searcher.ask("What happened at the Upton parade?", SearchOptions(min_score=0.01))
    assert private.unknown_names == []  # a word of another server's article: not said to be unknown


def test_a_country_named_by_its_demonym_counts_as_mentioned_in_other_words(library):
    library.add_documents([doc("United States officials said the boats reached Upton.", url="u-us")])
    searcher = Searcher(library)
    assert searcher.unknown_names("What did American officials say about Upton?") == []
    assert searcher.unknown_names("What did Japanese officials say about Upton?") == ["Japanese"]


def test_an_acronym_the_passages_found_spell_out_is_no_unknown_name(library):
    library.add_documents([doc("The United Methodist Church voted to close the Upton chapel.", url="u-umc")])
    answer = Searcher(library).ask("Why did the UMC close the chapel?", SearchOptions(min_score=0.01))
    assert answer.answered and answer.unknown_names == []
    other = Searcher(library).ask("Why did the UMF close the chapel?", SearchOptions(min_score=0.01))
    assert not other.answered and other.unknown_names == ["UMF"]


def test_asking_who_a_name_is_is_answered_by_the_passage_naming_it(library):
    from retrieval.definition_question import NAMED_SUBJECT_CONFIDENCE
    from retrieval.records import Hit

    library.add_documents([doc("Harbour master Ilse Varga opened the Upton lock on Monday.", url="u-varga")])
    searcher = Searcher(library)
    article = library.articles([None])[0]
    weak = [Hit(passage_id=1, text="Harbour master Ilse Varga opened the Upton lock on Monday.", highlight="",
                score=0.1, paragraph="1", article=article, dense=0.1)]
    assert searcher.certainty("What did Ilse Varga open on Monday?", weak) < 0.5  # weak evidence
    assert searcher.certainty("Who is Ilse Varga?", weak) == NAMED_SUBJECT_CONFIDENCE  # the passage names her
    assert searcher.certainty("Who is Ilse Karga?", weak) < 0.5  # not the name it holds


def test_a_name_of_a_byline_is_no_unknown_name(library):
    library.add_documents([doc("The boats reached Upton by night.", url="u-by", author="Ilse Varga", source="Herald")])
    searcher = Searcher(library)
    assert searcher.unknown_names("Which outlet ran Ilse Varga's report on Upton?") == []
    assert searcher.unknown_names("What did the Herald say about Upton?") == []
    assert searcher.unknown_names("What did Ilse Karlsson say about Upton?") == ["Karlsson"]


def test_a_question_naming_a_writer_is_answered_from_the_bylines(library):
    library.add_documents([
        doc("The boats reached Upton by night.", title="Boats", url="u-boats", author="By Ilse Varga", source="Herald"),
        doc("The council met on Monday about the lock.", title="Council", url="u-council", author="Tom Reed",
            source="Daily"),
    ])
    searcher = Searcher(library, cache_size=0)
    wrote = searcher.ask("what did ilse varga write about?")
    assert wrote.answered and wrote.confidence == 1.0 and wrote.reply == "citations"
    assert [h.article.url for h in wrote.hits] == ["u-boats"]
    assert wrote.article_facts == ["“Boats” (Herald) was written by Ilse Varga."]
    outlet = searcher.ask("Which publisher's article was written by Tom Reed?")
    assert outlet.article_facts == ["“Council” was published by Daily."]
    who = searcher.ask("Who is Ilse Varga?")  # no passage names her: her byline does
    assert who.answered and [h.article.url for h in who.hits] == ["u-boats"]
    assert searcher.ask("What did the boats reach?").article_facts == []  # no writer named: the news


def test_asking_who_a_name_is_shows_first_the_passage_naming_it_in_full(library):
    library.add_documents([doc("Varga said the lock at Upton would reopen after the storm and the repairs.",
                               url="u-said"),
                           doc("Harbour master Ilse Varga runs the lock.", url="u-named")])
    answer = Searcher(library, cache_size=0).ask("who is ilse varga", SearchOptions(min_score=0.0, group=False))
    assert answer.hits[0].article.url == "u-named"


def test_a_question_about_articles_on_a_name_no_article_mentions_says_so(searcher):
    answer = searcher.ask("Who wrote the article about Zelensky?")
    assert not answer.answered and answer.unknown_names == ["Zelensky"] and answer.article_facts == []
    named = searcher.ask("When was the Daily article published?")  # a publisher's name is no unknown name
    assert named.answered and named.unknown_names == []


def test_a_passage_whose_highlighted_sentence_is_closer_ranks_higher_but_keeps_its_evidence():
    import numpy as np

    from retrieval.records import Article, Hit

    article = Article(id=1, title="t", source="", author="", date="", url="u", path="")
    long = Hit(passage_id=1, text="a", highlight="a", score=0.50, paragraph="1", article=article, dense=0.30)
    short = Hit(passage_id=2, text="b", highlight="b", score=0.52, paragraph="2", article=article, dense=0.60)
    query = np.array([1.0, 0.0])
    close, far = np.array([0.9, 0.436]), np.array([0.6, 0.8])  # the long passage's sentence answers
    options = SearchOptions(sentence_weight=0.5, dense_weight=0.6)
    hits, sentences, kept = Searcher._by_sentence(query, [short, long], [far, close], [(2, 0.52), (1, 0.50)], options)
    assert [h.passage_id for h in hits] == [1, 2] and [pid for pid, _ in kept] == [1, 2]
    assert sentences[0] is close
    assert long.score == round(0.50 + 0.3 * (0.9 - 0.30), 4) and long.evidence == 0.50 and long.passage_score == 0.50
    unchanged = Searcher._by_sentence(query, [short], [far], [(2, 0.52)], SearchOptions(sentence_weight=0.0))
    assert unchanged[0][0].score == 0.52


def test_how_many_results_show_is_read_on_the_passages_own_scores():
    from retrieval.records import Article, Hit

    article = Article(id=1, title="t", source="", author="", date="", url="u", path="")
    lifted = Hit(passage_id=1, text="a", highlight="a", score=0.90, paragraph="1", article=article, passage_score=0.50)
    other = Hit(passage_id=2, text="b", highlight="b", score=0.55, paragraph="2", article=article)
    assert Searcher._shown([lifted, other], 0.7) == 2  # 0.55 is within 0.7 of 0.55, not of 0.90
    assert Searcher._shown([Hit(passage_id=3, text="c", highlight="c", score=0.9, paragraph="1", article=article),
                            other], 0.7) == 1


def test_each_answer_times_its_own_search(searcher):
    import time

    first = searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    time.sleep(0.2)
    second = searcher.ask("Who passed the city budget?", SearchOptions(min_score=0.0))
    assert second.took_ms < 150 and first.timings is not second.timings  # not counted from the first question
    assert second.timings["embed"] < 150


def test_a_syndicated_copy_is_shown_once_and_its_publisher_listed(library):
    body = "The river flooded the valley on Monday. Rescue boats reached Upton by night."
    library.add_documents([doc(body, title="Flood", url="https://wire.example/f", source="Wire", date="2024-01-02"),
                           doc(body, title="Flood", url="https://herald.example/f", source="Herald",
                               date="2024-01-03")])
    answer = Searcher(library).ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0))
    assert [h.article.source for h in answer.hits] == ["Wire"]  # the earliest copy
    assert [a.source for a in answer.hits[0].also_reported_by] == ["Herald"]


def test_a_slip_of_typing_is_searched_as_the_library_s_word_and_said(searcher):
    answer = searcher.ask("Which vilalge did rescue boats reach?", SearchOptions(min_score=0.0))
    assert answer.question == "Which vilalge did rescue boats reach?"
    assert answer.read_as == "Which village did rescue boats reach?"
    assert searcher.ask("Which village did rescue boats reach?", SearchOptions(min_score=0.0)).read_as == ""
