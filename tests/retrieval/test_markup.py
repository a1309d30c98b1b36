import html as html_lib
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.markup import drop_elements, entry_text, replace_tags, tags_to_lines

# the expressions markup.py replaces: the same text, in quadratic time on hostile input
OLD_SCRIPTS = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
OLD_HIDDEN = re.compile(r"(?is)<(script|style|noscript)\b.*?</\1\s*>")
OLD_BLOCK_END = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>")


def old_entry_text(html: str) -> str:
    text = OLD_SCRIPTS.sub(" ", html)
    text = re.sub(r"<[^>]*>", "", OLD_BLOCK_END.sub("\n\n", text))
    paragraphs = (" ".join(p.split()) for p in html_lib.unescape(text).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def old_tags_to_lines(html: str) -> str:
    text = OLD_HIDDEN.sub(" ", html)
    text = re.sub(r"(?s)<[^>]*>", "\n", text)
    return "\n\n".join(" ".join(line.split()) for line in html_lib.unescape(text).splitlines() if line.strip())


PIECES = st.sampled_from(["<", ">", "/", " ", "\n", "p", "br", "script", "SCRIPT", "style", "noscript", "</script>",
                          "<script>", "</p>", "<br/>", "< /p>", "</ h1>", "</h2 >", "_", "x", "&amp;", "é", "<a href='>'>"])
MARKUP = st.lists(PIECES, max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(MARKUP)
def test_entry_text_is_what_the_regular_expressions_gave(html):
    assert entry_text(html) == old_entry_text(html)


@settings(max_examples=600, deadline=None)
@given(MARKUP)
def test_tags_to_lines_is_what_the_regular_expressions_gave(html):
    assert tags_to_lines(html) == old_tags_to_lines(html)


def test_scripts_and_block_ends():
    html = "<p>One <b>two</b></p><script>var x = '<p>';</script><p>Three<br>four</p>"
    assert entry_text(html) == "One two\n\nThree\n\nfour"
    assert drop_elements("a<style>b</style >c", ("style",)) == "a c"
    assert replace_tags("a< br x>b<brx>c", "|", ("br",)) == "a|b<brx>c"


def test_hostile_shapes_take_linear_time():
    for shape in ("&lt;script", "<script", "<", "<br", "<a <b", "</script"):
        text = shape * 200_000
        started = time.perf_counter()
        entry_text(html_lib.unescape(text))
        tags_to_lines(html_lib.unescape(text))
        assert time.perf_counter() - started < 2.0, shape  # the expressions took minutes on these
