"""The :class:`retrieval.library.Store` contract, kept by every backend (written through the library)."""

import functools

import pytest

from retrieval.activity import Activity
from retrieval.records import Filters
from retrieval.rows import sentence_vectors_of
from tests.helpers import doc


def ids_of(library, url: str, scopes=(None,)) -> list[int]:
    """The passage ids of the article at ``url``."""
    rows = library.store.passages(library.store.passage_ids(), list(scopes))
    return sorted(pid for pid, row in rows.items() if row["url"] == url)


def test_keyword_search_ranks_by_bm25_within_the_scopes_asked(library):
    library.add_documents([doc("The river flooded the valley.", url="u1"), doc("The council passed the budget.", url="u2")])
    library.add_documents([doc("The river festival was cancelled.", url="u3")], guild_id=7)
    river, private = ids_of(library, "u1"), ids_of(library, "u3", [7])
    assert [pid for pid, _ in library.store.keyword_search("Where did the river flood?", 10, [None])] == river
    assert {pid for pid, _ in library.store.keyword_search("river", 10, [None, 7])} == {*river, *private}
    assert library.store.keyword_search("zebra", 10, [None]) == []


def test_absent_words_are_those_no_passage_of_any_scope_holds(library):
    library.add_documents([doc("Kirby spoke in Najin.", title="Harbour", url="u1")])
    library.add_documents([doc("Tikhoretsk lies near the border.", url="u2")], guild_id=7)
    assert library.store.absent_words(["kirby", "harbour", "tikhoretsk", "zelensky", "japan"]) == ["zelensky", "japan"]
    assert library.store.absent_words(["tikhoretzk", "najim"]) == ["najim"]  # a long name misspelled is known
    library.remove(library.articles([None])[0].id)  # its words leave with it
    assert library.store.absent_words(["kirby", "tikhoretsk"]) == ["kirby"]


def test_a_word_no_passage_holds_is_respelled_as_the_library_s_word_most_passages_hold(library):
    library.add_documents([doc("The containers reached Najin. Containers of shells.", url="u1"),
                           doc("The containers left Korea. Certain ships followed.", url="u2")])
    assert library.store.respelled(["cotnainers", "kroea", "containers", "zelensky", "ships"]) == {
        "cotnainers": "containers", "kroea": "korea"}  # held words, and words with no neighbour, left out


def test_keyword_search_survives_query_syntax_in_questions(library):
    library.add_documents([doc("The river flooded the valley.", url="u1")])
    for question in ('river" OR NEAR(', "AND OR NOT", "*", "'); DROP TABLE articles; --", "", "%_\\"):
        library.store.keyword_search(question, 5, [None])
    assert library.store.count("articles") == 1


def test_headline_words_weigh_twice_the_texts(library):
    library.add_documents([doc("Workers gathered by the gates at dawn.", title="Harbour strike", url="u1"),
                           doc("The harbour strike worried workers.", title="Weather", url="u2")])
    found = dict(library.store.keyword_search("harbour strike", 10, [None]))
    assert found[ids_of(library, "u1")[0]] > found[ids_of(library, "u2")[0]]


def kept_by_filters(library, filters: Filters) -> set[str]:
    """The links of the articles ``filters`` keep, the same by rows and by "harbour news" keywords."""
    every = library.store.passage_ids()
    by_rows = {row["url"] for row in library.store.passages(every, [None], filters).values()}
    by_words = {library.store.passages([pid], [None])[pid]["url"]
                for pid, _ in library.store.keyword_search("harbour news", 10, [None], filters)}
    assert by_rows == by_words
    return by_rows


def test_filters_keep_sources_and_dates_on_both_sides(library):
    library.add_documents([doc("Harbour news from the Daily.", url="a", source="Daily", date="2021-01-05"),
                           doc("Harbour news from the Herald.", url="b", source="Herald", date="2024-06-01"),
                           doc("Undated harbour news.", url="c", source="Daily")])
    kept = functools.partial(kept_by_filters, library)
    assert kept(Filters()) == {"a", "b", "c"}
    assert kept(Filters(sources=("daily",))) == {"a", "c"}
    assert kept(Filters(since="2022-01-01")) == {"b"}
    assert kept(Filters(until="2022-01-01", sources=("Daily", "Herald"))) == {"a"}
    assert kept(Filters(as_of="2022-01-01")) == {"a", "c"}  # asked then: nothing from after, undated kept
    assert kept(Filters(exclude=("a", "b"))) == {"c"}
    assert library.store.any_article([None], Filters(sources=("herald",)))
    assert not library.store.any_article([None], Filters(sources=("reuters",)))


def test_filters_keep_the_articles_whose_byline_holds_an_author(library):
    library.add_documents([doc("Harbour news one.", url="a", author="By Ilse Varga and Tom Reed"),
                           doc("Harbour news two.", url="b", author="Tom Reed"),
                           doc("Harbour news three.", url="c")])
    kept = functools.partial(kept_by_filters, library)
    assert kept(Filters(authors=("ilse varga",))) == {"a"}
    assert kept(Filters(authors=("Tom Reed",))) == {"a", "b"}
    assert kept(Filters(authors=("Varga", "Reed"))) == {"a", "b"}  # any of them
    assert kept(Filters(authors=("50%_",))) == set()  # matched as text, not as a pattern
    assert not library.store.any_article([None], Filters(authors=("Ana Roe",)))


def test_dates_bodies_and_the_newest_date(library):
    assert library.store.newest_date() == ""
    library.add_documents([doc("Old news about the harbour.", url="a", date="2021-01-05"),
                           doc("New news about the harbour.", url="b", date="2024-06-01"),
                           doc("Undated news about the harbour.", url="c")])
    old, new, undated = ids_of(library, "a"), ids_of(library, "b"), ids_of(library, "c")
    assert library.store.newest_date() == "2024-06-01"
    library.add_documents([doc("Later news of one server.", url="d", date="2025-02-03")], guild_id=8)
    assert library.store.newest_date() == library.store.newest_date([None, 9]) == "2024-06-01"
    assert library.store.newest_date([None, 8]) == "2025-02-03" and library.store.newest_date([9]) == ""
    assert library.store.passage_dates([*old, *new, *undated]) == {old[0]: "2021-01-05", new[0]: "2024-06-01"}
    first = next(a.id for a in library.articles() if a.url == "a")
    assert library.store.article_bodies([first, 999_999]) == {first: "Old news about the harbour."}


def test_passage_rows_carry_their_sentence_vectors_when_asked(library):
    library.add_documents([doc("One sentence. Two sentences.", url="u1")])
    pid = library.store.passage_ids()[0]
    plain = library.store.passages([pid], [None])[pid]
    rows = library.store.passages([pid], [None], sentences=True)
    assert plain["text"] == rows[pid]["text"] == "One sentence. Two sentences."
    assert sentence_vectors_of(rows.values())[pid].spans == library.store.sentence_vectors([pid])[pid].spans


def test_articles_are_listed_newest_first_paged_and_found_by_title(library):
    library.add_documents([doc(f"Story number {n} about the harbour.", title=f"Harbour {n}", url=f"u{n}")
                           for n in range(5)])
    listed = library.store.list_articles([None])
    assert [a.title for a in listed] == [f"Harbour {n}" for n in (4, 3, 2, 1, 0)] and listed[0].passages == 1
    assert [a.title for a in library.store.list_articles([None], offset=1, limit=2)] == ["Harbour 3", "Harbour 2"]
    assert [a.title for a in library.store.list_articles([None], title_like="our 2")] == ["Harbour 2"]


def test_an_existing_version_is_found_by_identity_in_its_scope(library):
    library.add_documents([doc("The river flooded.", url="u1")], guild_id=3)
    article = library.articles([3])[0]
    found = library.store.find_existing(doc("Changed text.", url="u1"), 3)
    assert found is not None and found[0] == article.id
    assert library.store.find_existing(doc("Changed text.", url="u1"), None) is None


def test_the_same_text_at_another_site_is_an_article_of_its_own(library):
    body = "The river flooded the valley on Monday and the boats reached Upton."
    statuses = library.add_documents([doc(body, url="https://wire.example/flood", source="Wire"),
                                      doc(body, url="https://www.herald.example/flood", source="Herald"),
                                      doc(body, url="https://wire.example/flood?page=2", source="Wire")])
    assert statuses == ["added", "added", "unchanged"]  # a second link on the same site is the same article
    later = library.add_documents([doc(body, url="https://post.example/f", source="Post"), doc(body, path="a.txt")])
    assert later == ["added", "unchanged"]  # a file of the same text is the same article
    assert library.add_documents([doc(body, url="https://uk.wire.example/f", source="wire")]) == ["unchanged"]
    assert sorted(a.source for a in library.articles([None])) == ["Herald", "Post", "Wire"]  # one publisher's


def test_metadata_is_kept(library):
    assert library.store.get_meta("seeded", "no") == "no"
    library.store.set_meta("seeded", "1")
    library.store.set_meta("seeded", "2")
    assert library.store.get_meta("seeded") == "2"


def test_a_failed_transaction_leaves_nothing(library):
    Activity(library.store)  # its tables, in the portable SQL every store runs
    with pytest.raises(RuntimeError):
        with library.store.transaction(library_change=False) as conn:
            conn.execute("INSERT INTO guild_channels (guild_id, channel_id) VALUES (?, ?)", (1, 2))
            raise RuntimeError("crash")
    assert library.store.connection.execute("SELECT count(*) FROM guild_channels").fetchone()[0] == 0


def test_global_passages_are_the_global_library_s_only(library):
    library.add_documents([doc("Global text.", title="Global", url="g")])
    library.add_documents([doc("Server text.", title="Server", url="s")], guild_id=9)
    assert [(title, text) for _, title, text in library.store.global_passages()] == [("Global", "Global text.")]


@pytest.mark.parametrize(("listing", "field"), [("sources", "source"), ("authors", "author")])
def test_bylines_are_the_scopes_publishers_or_authors_most_articles_first(library, listing, field):
    library.add_documents([doc("Harbour news one.", url="a", **{field: "Daily Post"}),
                           doc("Harbour news two.", url="b", **{field: "Daily Post"}),
                           doc("Harbour news three.", url="c", **{field: "Herald"}),
                           doc("Harbour news four.", url="d", **{field: ""})])
    library.add_documents([doc("Private harbour news.", url="e", **{field: "Dailyish_Club"})], guild_id=7)
    names = getattr(library.store, listing)
    assert names([None]) == ["Daily Post", "Herald"]
    assert names([None, 7], like="daily") == ["Daily Post", "Dailyish_Club"]
    assert names([None, 7], like="_") == ["Dailyish_Club"]  # no wildcards in what is typed
    assert names([None], limit=1) == ["Daily Post"]
