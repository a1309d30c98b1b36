import numpy as np

from retrieval.pooling import pool_spans
from retrieval.sentence_vectors import SentenceVectors, embed_passages, pack, sentence_spans, unpack, unpack_many
from tests.helpers import HashEncoder

PASSAGE = "The river flooded the town. Rescue boats arrived at noon. Nobody was hurt."


def test_pool_spans_averages_the_tokens_inside_each_span():
    hidden = np.array([[9, 9], [1, 0], [3, 0], [0, 2], [9, 9]], dtype=np.float32)  # CLS, 3 tokens, SEP
    offsets = [(0, 0), (0, 3), (4, 7), (9, 12), (0, 0)]
    rows = pool_spans(hidden, offsets, [(0, 7), (8, 12)])
    assert np.allclose(rows, [[1, 0], [0, 1]])  # mean of tokens 1-2, then token 3; normalised


def test_pool_spans_gives_a_truncated_sentence_the_whole_text_mean():
    hidden = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    rows = pool_spans(hidden, [(0, 0), (0, 3), (4, 7)], [(50, 60)])
    assert np.allclose(rows[0], np.array([1, 1]) / np.sqrt(2))


def test_sentence_spans_cover_each_sentence():
    spans = sentence_spans(PASSAGE)
    assert [PASSAGE[s:e] for s, e in spans] == [
        "The river flooded the town.", "Rescue boats arrived at noon.", "Nobody was hurt."]
    assert sentence_spans("") == [(0, 0)]


def test_pack_and_unpack_round_trip_within_int8_precision():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    back = unpack(*pack(SentenceVectors([(0, 5), (6, 9), (10, 20)], vectors)))
    assert back.spans == [(0, 5), (6, 9), (10, 20)]
    assert (back.vectors * vectors).sum(axis=1).min() > 0.999
    assert len(pack(SentenceVectors([(0, 5)], vectors[:1]))[1]) == 384  # one byte a dimension


def test_embed_passages_shifts_spans_past_the_title():
    encoder = HashEncoder()
    vectors, sentences = embed_passages(encoder, [f"Floods. {PASSAGE}"], [PASSAGE])
    assert vectors.shape == (1, encoder.dim) and encoder.calls == 1  # one model run for both
    assert sentences[0].sentences(PASSAGE)[1] == "Rescue boats arrived at noon."
    assert np.allclose(sentences[0].vectors[1], encoder.encode(["Rescue boats arrived at noon."])[0])


def test_embed_passages_without_span_support_embeds_sentences_alone():
    class Plain:
        name, dim = "plain", 256

        def __init__(self):
            self.inner = HashEncoder()

        def encode(self, texts):
            return self.inner.encode(texts)

    vectors, sentences = embed_passages(Plain(), [PASSAGE, "One line"], [PASSAGE, "One line"])
    assert vectors.shape[0] == 2 and [len(s.spans) for s in sentences] == [3, 1]
    assert np.allclose(sentences[1].vectors[0], HashEncoder().encode(["One line"])[0])


def test_unpack_many_decodes_each_passage_of_a_batch():
    rng = np.random.default_rng(3)
    items = {pid: SentenceVectors([(i, i + 1) for i in range(n)], rng.normal(size=(n, 8)).astype(np.float32))
             for pid, n in ((7, 1), (3, 4), (12, 2))}
    for item in items.values():
        item.vectors /= np.linalg.norm(item.vectors, axis=1, keepdims=True)
    back = unpack_many([(pid, *pack(item)) for pid, item in items.items()])
    assert set(back) == set(items)
    for pid, item in items.items():
        assert back[pid].spans == item.spans
        assert np.allclose(back[pid].vectors, item.vectors, atol=0.01)
