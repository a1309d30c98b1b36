"""Words of a question: stop words, content terms and the FTS5 query built from them."""

from __future__ import annotations

import functools
import re

STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have he her his how i in is it its "
    "of on or she that the their them they this to was were what when where which who whom why "
    "will with would you your about after into than then there these those also not no can could "
    "should may might been being over under up down out".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return re.findall(r"\w+", text.lower())


def content_words(text: str) -> list[str]:
    """Lower-cased words that are not stop words, in order (all words if none are left)."""
    found = words(text)
    content = [w for w in found if w not in STOPWORDS]
    return content or found


# irregular English verbs whose past forms share no five-letter stem with the present ("took
# place" answers "when did it take place?"): the past forms read as the present
_IRREGULAR = {past: present for present, forms in (
    ("take", "took taken"), ("meet", "met"), ("say", "said"), ("give", "gave given"), ("send", "sent"),
    ("come", "came"), ("go", "went gone"), ("make", "made"), ("begin", "began begun"), ("bring", "brought"),
    ("buy", "bought"), ("build", "built"), ("catch", "caught"), ("choose", "chose chosen"), ("drive", "drove"),
    ("fall", "fell fallen"), ("fight", "fought"), ("find", "found"), ("fly", "flew flown"), ("get", "got gotten"),
    ("grow", "grew grown"), ("hold", "held"), ("keep", "kept"), ("know", "knew known"), ("lead", "led"),
    ("leave", "left"), ("lose", "lost"), ("pay", "paid"), ("rise", "rose risen"), ("run", "ran"), ("see", "saw seen"),
    ("sell", "sold"), ("shoot", "shot"), ("speak", "spoke spoken"), ("spend", "spent"), ("stand", "stood"),
    ("steal", "stole stolen"), ("strike", "struck"), ("teach", "taught"), ("tell", "told"), ("think", "thought"),
    ("throw", "threw thrown"), ("win", "won"), ("write", "wrote written"), ("break", "broke broken"),
    ("sink", "sank sunk"), ("flee", "fled"), ("feel", "felt"), ("hear", "heard"), ("seek", "sought"),
    ("bear", "bore born"), ("beat", "beaten"), ("arise", "arose arisen"), ("swear", "swore sworn"),
    ("wear", "wore worn"), ("forbid", "forbade"), ("freeze", "froze frozen"), ("hide", "hid hidden"),
    ("ride", "rode ridden"), ("shake", "shook shaken"), ("sing", "sang sung"), ("swim", "swam swum"),
    ("drink", "drank drunk"), ("eat", "ate eaten"), ("draw", "drew drawn"), ("overtake", "overtook"),
    ("undertake", "undertook"), ("withdraw", "withdrew withdrawn"), ("understand", "understood"),
) for past in forms.split()}


def terms_of(text: str) -> frozenset[str]:
    """Content words cut to a five-letter stem, so "delivered" meets "deliveries" (and the past of
    an irregular verb its present: "took" meets "take")."""
    return frozenset(map(_stem, set(words(text)) - STOPWORDS))


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word's five-letter stem, a short word's inflection dropped first ("meets", "meeting" and
    "met" meet "meet"; longer words share five letters anyway)."""
    word = _IRREGULAR.get(word, word)
    if len(word) <= 7:
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
                word = word[:-len(suffix)]
                break
    return word[:5]


# sentences of popular passages come back question after question
content_terms = functools.lru_cache(maxsize=65536)(terms_of)


def fts_query(question: str) -> str:
    """A safe FTS5 query: the question's distinct content words, quoted and OR-ed."""
    unique = list(dict.fromkeys(content_words(question)))[:32]
    return " OR ".join(f'"{w}"' for w in unique)
