from retrieval.evaluation.baseline import NaiveBaseline, naive_chunks
from retrieval.evaluation.questions import evaluate
from retrieval.search import SearchOptions
from tests.helpers import doc


def test_naive_chunks_merge_to_sixty_words_and_cut_at_two_hundred():
    short = "\n\n".join(" ".join(["w"] * 25) for _ in range(5))
    assert [len(c.split()) for c in naive_chunks(short)] == [125]  # the short tail joins the last chunk
    long = " ".join(["w"] * 450)
    assert [len(c.split()) for c in naive_chunks(long)] == [200, 200, 50]


def test_baseline_ranks_articles_in_each_mode(library, encoder):
    library.add_documents([doc("The river flooded the valley and boats rescued families.", title="Flood", url="u1"),
                           doc("The council passed the city budget; taxes stay flat.", title="Budget", url="u2")])
    baseline = NaiveBaseline(library, encoder)
    assert baseline.size == 2
    for mode in ("naive-rrf", "naive-dense", "naive-bm25"):
        result = evaluate(baseline, [{"question": "city budget taxes", "gold_urls": ["u2"]}], mode, SearchOptions())
        assert result.hit_at(1) == 1.0, mode
