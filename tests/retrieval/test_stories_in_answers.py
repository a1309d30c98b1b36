"""Answers list other publishers' articles of a result's story under "also reported by"."""

from retrieval.records import Filters
from retrieval.search import Searcher, SearchOptions
from retrieval.stories import StoryIndex
from tests.helpers import doc


def test_a_results_story_mates_are_also_reported_by_other_publishers(library):
    library.add_documents([
        doc("Dock workers at the Lindholm harbour ended their strike on Tuesday.", url="a", source="Gazette",
            date="2024-05-03", title="Strike ends"),
        doc("Ferries run again in Lindholm after the port dispute was settled.", url="b", source="Herald",
            date="2024-05-04", title="Ferries run again"),
        doc("Lindholm port: a look back at the dispute.", url="c", source="Gazette", date="2024-05-05"),
        doc("Lindholm port strike, a month on.", url="d", source="Courier", date="2024-06-03")])
    StoryIndex(library, threshold=0.0).catch_up()  # all four are one story here
    options = SearchOptions(min_score=0.0, k=1)
    hit = Searcher(library, cache_size=0).ask("When did the Lindholm harbour strike end?", options).hits[0]
    assert hit.article.url == "a"
    assert [a.source for a in hit.also_reported_by] == ["Courier", "Herald"]  # other publishers, newest first

    asked_early = SearchOptions(min_score=0.0, k=1, filters=Filters(as_of="2024-05-10"))
    early = Searcher(library, cache_size=0).ask("When did the Lindholm harbour strike end?", asked_early).hits[0]
    assert [a.source for a in early.also_reported_by] == ["Herald"]  # not what was published after the asking day
