from retrieval.chunk import chunk_article, estimate_tokens, paragraph_spans
from tests.helpers import LONG_PARAGRAPH


def test_short_paragraphs_are_packed_together():
    text = "First short one.\n\nSecond short one.\n\nThird short one."
    chunks = chunk_article(text, max_tokens=200)
    assert len(chunks) == 1
    assert (chunks[0].para_start, chunks[0].para_end) == (1, 3)
    assert chunks[0].text == text


def test_passages_never_exceed_the_limit_and_cut_at_sentences():
    text = "\n\n".join([LONG_PARAGRAPH * 4] * 3)
    chunks = chunk_article(text, max_tokens=60)
    assert len(chunks) > 3
    for c in chunks:
        assert estimate_tokens(c.text) <= 60
        assert c.text.rstrip().endswith(".")
        assert text[c.char_start:c.char_end] == c.text


def test_paragraph_numbers_follow_the_text():
    text = "\n\n".join(f"Paragraph number {i} has a few words in it." for i in range(1, 8))
    chunks = chunk_article(text, max_tokens=30)
    assert chunks[0].para_start == 1
    assert chunks[-1].para_end == 7
    assert all(a.para_end < b.para_start for a, b in zip(chunks, chunks[1:]))


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    text = " ".join(["word"] * 500)
    chunks = chunk_article(text, max_tokens=50)
    assert sum(len(c.text.split()) for c in chunks) == 500
    assert all(estimate_tokens(c.text) <= 50 for c in chunks)


def test_paragraph_spans():
    assert paragraph_spans("ab\n\ncd") == [(0, 2), (4, 6)]
