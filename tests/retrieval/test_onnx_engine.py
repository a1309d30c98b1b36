import json

import numpy as np
import pytest

from config.settings import Settings
from retrieval.embed import SentenceEmbedder, make_encoder
from retrieval.onnx_engine import OnnxEmbedder, OnnxUnavailable, check_mean_pooling

SENTENCES = [
    "North Korea delivered weapons to Russia by sea and rail.",
    "The harbour strike ended after nine days of talks.",
    "Pyongyang shipped munitions to Moscow in containers.",
    "Dock workers returned to work on Tuesday.",
    "A dog named Zoe is looking for a new home.",
]
PARAPHRASES = ["How did the arms get from North Korea to Russia?", "When did the port workers go back?",
               "Which pet is up for adoption?"]


def test_int8_vectors_match_torch_and_rank_the_same(real_encoder):
    assert isinstance(real_encoder, OnnxEmbedder)
    torch_encoder = SentenceEmbedder("all-MiniLM-L6-v2")
    onnx_vectors, torch_vectors = real_encoder.encode(SENTENCES), torch_encoder.encode(SENTENCES)
    assert onnx_vectors.shape == torch_vectors.shape == (5, 384)
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() > 0.97
    for question in PARAPHRASES:  # the same top-1 on a paraphrase check
        q_onnx, q_torch = real_encoder.encode([question])[0], torch_encoder.encode([question])[0]
        assert np.argmax(onnx_vectors @ q_onnx) == np.argmax(torch_vectors @ q_torch)


def test_batches_keep_input_order(real_encoder):
    # activations are quantised per batch, so a text's vector moves a little with its batch-mates
    one_by_one = np.stack([real_encoder.encode([s])[0] for s in SENTENCES])
    batched = real_encoder.encode(SENTENCES)
    assert (batched * one_by_one).sum(axis=1).min() > 0.98
    assert np.array_equal(np.argmax(batched @ one_by_one.T, axis=1), np.arange(len(SENTENCES)))


def test_models_without_mean_pooling_are_refused(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(OnnxUnavailable, match="mean pooling"):
        check_mean_pooling(tmp_path)


def test_backend_choice_and_fallback(tmp_path):
    assert isinstance(make_encoder(Settings(data_dir=tmp_path)), OnnxEmbedder)
    assert make_encoder(Settings(data_dir=tmp_path)).name == "all-MiniLM-L6-v2+onnx-int8"
    assert isinstance(make_encoder(Settings(data_dir=tmp_path, engine="torch")), SentenceEmbedder)
    hub_only = make_encoder(Settings(data_dir=tmp_path, model="someone/some-hub-model"))
    assert isinstance(hub_only, SentenceEmbedder)  # not local: PyTorch (which needs a hub)


def test_in_context_sentence_vectors_agree_across_backends_and_find_the_sentence(real_encoder):
    from retrieval.sentence_vectors import embed_passages

    passage = " ".join(SENTENCES[:4])
    text = f"World news. {passage}"
    _, onnx_sentences = embed_passages(real_encoder, [text], [passage])
    _, torch_sentences = embed_passages(SentenceEmbedder("all-MiniLM-L6-v2"), [text], [passage])
    assert onnx_sentences[0].sentences(passage) == SENTENCES[:4]
    assert (onnx_sentences[0].vectors * torch_sentences[0].vectors).sum(axis=1).min() > 0.95
    question = real_encoder.encode(["When did the port workers go back?"])[0]
    assert int(np.argmax(onnx_sentences[0].vectors @ question)) == 3


def test_a_single_question_takes_the_short_path_to_the_same_vector(real_encoder):
    one = real_encoder.encode([PARAPHRASES[0]])
    _, pooled = real_encoder.encode_with_spans([PARAPHRASES[0], PARAPHRASES[0]], None)
    pair = real_encoder.encode([PARAPHRASES[0], PARAPHRASES[0]])
    assert one.shape == (1, 384) and one.dtype == np.float32 and pooled == []
    assert np.allclose(one[0], pair[0], atol=1e-6)


@pytest.mark.parametrize("config", [{"pooling_mode_mean_tokens": True}, {"pooling_mode": "mean"}])
def test_mean_pooling_is_recognised_in_both_ways_sentence_transformers_writes_it(tmp_path, config):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(config))
    assert check_mean_pooling(tmp_path) == 256


def test_the_exported_model_is_kept_once_per_user_for_every_library(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSBOT_MODEL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = make_encoder(Settings(data_dir=tmp_path / "one"))
    second = make_encoder(Settings(data_dir=tmp_path / "two"))
    assert first.cache_dir == second.cache_dir == tmp_path / "cache" / "newsbot" / "models"
    assert make_encoder(Settings(data_dir=tmp_path / "one", model_cache_dir=tmp_path / "mine")).cache_dir == \
        tmp_path / "mine"
