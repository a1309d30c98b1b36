from retrieval.writing import content_hash, identity_of, passage_text_for_embedding
from tests.helpers import doc


def test_identity_is_url_then_path_and_hash_ignores_spacing():
    assert identity_of(doc("x", url="https://a", path="/p")) == "https://a"
    assert identity_of(doc("x", path="/p")) == "/p"
    assert content_hash(doc("A  b\nc")) == content_hash(doc("a b c"))


def test_a_passage_is_embedded_after_its_headline():
    assert passage_text_for_embedding("Flood", "The river rose.") == "Flood. The river rose."
    assert passage_text_for_embedding("", "The river rose.") == "The river rose."
