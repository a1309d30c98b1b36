"""Adapting the model: the pairs, batches and held-out split it trains and measures on, and how a
library switches to the adapted model (the slow test trains a real one)."""

import random

import pytest

from config.settings import Settings
from retrieval.adapt import (
    CANDIDATE_KEY,
    IN_USE_KEY,
    batches,
    capped,
    held_out_set,
    library_model,
    library_pairs,
    model_for_reindex,
    next_model_dir,
    split_held_out,
)
from retrieval.embedded.library import EmbeddedLibrary
from retrieval.embedded.store import read_meta_file
from retrieval.errors import NewsbotError
from tests.helpers import HashEncoder, doc


def test_pairs_are_headline_and_passage_and_skip_what_holds_the_headline(library):
    library.add_documents([
        doc("Floods closed the valley road on Monday.\n\nRescuers reached Upton by night.", title="Valley flood",
            url="a"),
        doc("Valley flood: the road is open again after a week of repairs by the county.", title="Valley flood",
            url="b"),
        doc("A page of nothing but a headline", title="A page of nothing but a headline", url="c"),
    ])
    library.add_documents([doc("This server's own article about the harbour strike.", title="Strike", url="d")],
                          guild_id=5)
    pairs = library_pairs(library.store)
    assert list(pairs.values()) == [[("Valley flood", "Floods closed the valley road on Monday.\n\n"
                                      "Rescuers reached Upton by night.")]]


def test_batches_never_hold_two_passages_of_one_article():
    pairs = {a: [(f"title {a}", f"passage {a}.{i}") for i in range(a % 4 + 1)] for a in range(50)}
    epoch = batches(pairs, 8, random.Random(1))
    assert all(len(b) <= 8 and len({h for h, _ in b}) == len(b) for b in epoch)
    assert sorted(p for b in epoch for _, p in b) == sorted(p for items in pairs.values() for _, p in items)


def test_held_out_articles_are_a_share_kept_apart_and_too_few_are_refused():
    train, held = split_held_out(list(range(100)), 0.1)
    assert len(held) == 10 and not set(train) & set(held) and len(train) == 90
    assert split_held_out(list(range(100)), 0.1) == (train, held)  # the same every run
    with pytest.raises(NewsbotError, match="at least 10 articles"):
        split_held_out(list(range(9)), 0.1)


def test_held_out_corpus_holds_the_held_out_articles_after_their_ledes():
    pairs = {a: [(f"t{a}", f"p{a}.{i}") for i in range(3)] for a in range(20)}
    questions, corpus = held_out_set(pairs, [3, 7])
    assert questions == [(3, "t3"), (7, "t7")]
    assert {text for a, text in corpus if a in (3, 7)} == {"p3.1", "p3.2", "p7.1", "p7.2"}  # not the ledes
    assert len(corpus) == 58


def test_model_folders_are_numbered(tmp_path):
    assert next_model_dir(tmp_path).name == "v001"
    (tmp_path / "adapted-models" / "v007").mkdir(parents=True)
    assert next_model_dir(tmp_path).name == "v008"


def meta(settings):
    """Reads the embedded library's metadata without opening it, as the embedded library does."""
    return lambda key: read_meta_file(settings.data_dir, key)


def test_reindex_switches_to_the_waiting_adapted_model_and_an_explicit_setting_wins(tmp_path):
    data = tmp_path / "lib"
    library = EmbeddedLibrary(data, HashEncoder())
    (data / "adapted-models" / "v001").mkdir(parents=True)
    settings = Settings(data_dir=data)
    assert library_model(settings, meta(settings)) == (settings, None)  # nothing adapted yet
    library.store.set_meta(CANDIDATE_KEY, "adapted-models/v001")
    assert library_model(settings, meta(settings))[1] is None  # waiting: the base model stays until reindex
    assert model_for_reindex(library.store, settings) == "adapted-models/v001"
    chosen, location = library_model(settings, meta(settings))
    assert chosen.model == "adapted-models/v001" and location == data / "adapted-models" / "v001"
    assert library.store.get_meta(CANDIDATE_KEY) == ""
    explicit = Settings(data_dir=data, model="all-MiniLM-L6-v2")
    assert library_model(explicit, meta(settings)) == (explicit, None)
    assert model_for_reindex(library.store, explicit) == "all-MiniLM-L6-v2"
    assert library.store.get_meta(IN_USE_KEY) == "" and library_model(settings, meta(settings))[1] is None
    library.close()


def test_pairs_are_capped_evenly_across_articles():
    pairs = {1: [("a", f"a{i}") for i in range(10)], 2: [("b", "b0")], 3: [("c", f"c{i}") for i in range(3)]}
    kept = capped(pairs, 6)
    assert {a: [p for _, p in items] for a, items in kept.items()} == {1: ["a0", "a1", "a2"], 2: ["b0"],
                                                                        3: ["c0", "c1"]}
    assert capped(pairs, 100) == pairs


# A newsroom's own shorthand: its headlines name desks and projects by words no model has seen,
# while the stories describe them plainly. Adapting on the library's pairs must learn what the
# shorthand stands for and find held-out stories from their headlines.
SHORTHAND = {"Veltrak": "the river ferry service", "Obrinth": "the city water utility",
             "Quessa": "the regional airport", "Drumvale": "the public library network",
             "Parnox": "the hospital trust", "Selvarin": "the tram line", "Kothbay": "the fishing fleet",
             "Umbrisk": "the university press", "Taldren": "the football club", "Yorvane": "the power station"}
EVENTS = {"strike": "workers walked out over pay on Monday and talks broke down",
          "new chief": "the board named a new chief executive after a long search",
          "price rise": "prices will rise by a tenth from next month, officials said",
          "expansion": "a large expansion was approved with building work to start in spring",
          "outage": "an outage left thousands without service for most of the weekend",
          "award": "staff were given a national award for their work this year"}


@pytest.mark.slow
def test_adapt_learns_the_librarys_shorthand_and_reindex_switches_to_it(tmp_path):
    from bot.cli import main
    from config.settings import load_settings
    from retrieval.adapt import adapt

    data = tmp_path / "lib"
    settings = load_settings(data_dir=data)
    library = EmbeddedLibrary.from_settings(settings)
    library.add_documents([
        doc(f"{plain.capitalize()}: {detail}.\n\nLocal people said {plain} mattered to the whole area.",
            title=f"{word} {event}", url=f"u-{word}-{event}".replace(" ", "-"))
        for word, plain in SHORTHAND.items() for event, detail in EVENTS.items()])
    report = adapt(library.store, settings, epochs=12, batch_size=16, held_out=0.2)
    library.close()
    assert report.held_out == 12 and report.pairs == 48
    assert report.adapted_mrr > report.base_mrr + 0.1 and report.accepted
    assert (data / report.model_dir / "adapt.json").exists()
    assert main(["--data-dir", str(data), "reindex"]) == 0
    reopened = EmbeddedLibrary.from_settings(settings)
    assert reopened.encoder.name.startswith(report.model_dir) and reopened.vectors.count == 60
    reopened.close()
