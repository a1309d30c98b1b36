import pytest

from retrieval.errors import BadInputError
from retrieval.evaluation.sentences import bm25_scorer, load_candidates, rank_metrics
from tests.conftest import need_eval_data

CSV = """qtext,label,atext
Who founded Rome ?,1,Romulus founded Rome in 753 BC .
Who founded Rome ?,0,Rome is the capital of Italy .
Who founded Rome ?,0,Many tourists visit the city every year .
Only positives ?,1,Yes .
"""


def test_metrics_on_a_tiny_file(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(CSV)
    groups = load_candidates(path)
    m, r, n = rank_metrics(groups, bm25_scorer([t for c in groups.values() for t, _ in c]))
    assert (m, r, n) == (1.0, 1.0, 1)  # the question with only positives is left out
    worst = rank_metrics(groups, lambda q, cands: [0.0 if c.startswith("Romulus") else 1.0 for c in cands])
    assert worst[:2] == (pytest.approx(1 / 3), pytest.approx(1 / 3))  # the answer ranked last


def test_wrong_columns_are_refused(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(BadInputError, match="qtext,label,atext"):
        load_candidates(path)


def test_highlighter_beats_cosine_and_bm25_on_trecqa_dev(real_encoder):
    from retrieval.evaluation.sentences import evaluate_sentences

    results = evaluate_sentences(need_eval_data("trecqa", "dev.csv"), real_encoder)
    assert results["highlighter"][0] > results["cosine"][0] > results["bm25"][0]
    assert results["highlighter"][0] >= 0.80  # measured 0.819; fails if the highlighter regresses
