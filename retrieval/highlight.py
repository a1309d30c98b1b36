"""Choosing the sentence of a passage that best answers the question (for highlighting).

A sentence scores by its cosine similarity to the question plus a bonus for the
question's content words it contains; both signals matter on newswire (see docs/quality.md).
"""

from __future__ import annotations

import numpy as np

from retrieval.answer_type import expected_kind, names_new
from retrieval.encoder import Encoder
from retrieval.sentence_vectors import SentenceVectors, sentence_spans
from retrieval.sentences import sentences
from retrieval.terms import content_terms

LEXICAL_WEIGHT = 0.3
KIND_WEIGHT = 0.1  # bonus for a sentence naming the kind of answer asked for (benchmarks/highlighter.py)


def lexical_overlap(question_terms: frozenset[str] | set[str], sentence: str) -> float:
    """The share of the question's content terms that appear in the sentence."""
    if not question_terms:
        return 0.0
    return len(question_terms & content_terms(sentence)) / len(question_terms)


def score_sentences(question: str, query: np.ndarray | None, candidates: list[str],
                    sentence_vectors: np.ndarray | None, kind_weight: float = KIND_WEIGHT) -> list[float]:
    """Score candidate sentences for one question.

    Args:
        question: the question.
        query: its normalised vector, or None for lexical scoring alone.
        candidates: the sentences.
        sentence_vectors: their normalised vectors (rows), or None.
        kind_weight: the bonus of a sentence that names something of the kind of answer the
            question expects (:mod:`retrieval.answer_type`) which the question does not.

    Returns:
        One score per candidate, higher is better.
    """
    cosine = None
    if query is not None and sentence_vectors is not None and len(candidates):
        cosine = sentence_vectors @ query.reshape(-1)
    return (_scores(content_terms(question), candidates, cosine)
            + kind_weight * _kinds(question, candidates)).tolist()


def _with_kinds(question: str, candidates: list[str], scores: np.ndarray, weight: float) -> np.ndarray:
    """``scores`` with the kind-of-answer bonus added, read only for the sentences within ``weight``
    of the best (no other can win): the same choice at a fraction of the cost."""
    kind = expected_kind(question)
    if kind is None:
        return scores
    close = np.flatnonzero(scores >= scores.max() - weight)
    bonus = np.zeros_like(scores)
    bonus[close] = [weight * names_new(question, candidates[i], kind) for i in close]
    return scores + bonus


def _kinds(question: str, candidates: list[str]) -> np.ndarray:
    """1 for each candidate naming something new of the kind of answer the question expects."""
    kind = expected_kind(question)
    return np.array([names_new(question, c, kind) for c in candidates], dtype=np.float32)


def _scores(terms: frozenset[str], candidates: list[str], cosine: np.ndarray | None) -> np.ndarray:
    """Cosine (when known) plus :data:`LEXICAL_WEIGHT` times the share of question terms."""
    lexical = np.array([lexical_overlap(terms, s) for s in candidates], dtype=np.float32)
    return lexical if cosine is None else cosine + LEXICAL_WEIGHT * lexical


def highlights(question: str, query: np.ndarray | None, passages: list[str], encoder: Encoder | None,
               stored: list[SentenceVectors | None] | None = None,
               lexical: list[np.ndarray | None] | None = None) -> list[tuple[str, np.ndarray | None]]:
    """The best sentence of each passage, with its vector.

    Args:
        question: the question.
        query: its normalised vector (None: lexical only).
        passages: passage texts.
        encoder: embeds the sentences of passages without stored vectors (None: lexical only).
        stored: each passage's sentence vectors from ingest, when it has them.
        lexical: for a passage with stored vectors, its sentences' shares of the question's
            terms when already known (:func:`sentence_overlaps`; None: computed here).

    Returns:
        One (sentence, vector or None) pair per passage; the sentence is the passage
        itself when it has a single sentence.
    """
    stored = stored or [None] * len(passages)
    if query is not None and encoder is not None:
        stored = _fill_missing(passages, stored, encoder)
    cosines = _cosines(query, stored)
    terms = content_terms(question)
    known = lexical or [None] * len(passages)
    best = []
    for text, item, cosine, overlaps in zip(passages, stored, cosines, known):
        candidates = (sentences(text) or [text]) if cosine is None or item is None else item.sentences(text)
        if cosine is not None and overlaps is not None and len(overlaps) == len(candidates):
            scores = cosine + LEXICAL_WEIGHT * overlaps
        else:
            scores = _scores(terms, candidates, cosine)
        if KIND_WEIGHT and len(candidates) > 1:
            scores = _with_kinds(question, candidates, np.asarray(scores, dtype=np.float32), KIND_WEIGHT)
        index = int(np.argmax(scores))
        best.append((candidates[index], None if cosine is None or item is None else item.vectors[index]))
    return best


def sentence_overlaps(question: str, text: str, item: SentenceVectors) -> np.ndarray:
    """The share of the question's terms in each stored sentence of a passage (the lexical part
    of :func:`highlights`' scores, which needs no question vector)."""
    return _scores(content_terms(question), item.sentences(text), None)


def _cosines(query: np.ndarray | None, stored: list[SentenceVectors | None]) -> list[np.ndarray | None]:
    """Each passage's sentence cosines to the query (None without vectors), in one product."""
    if query is None:
        return [None] * len(stored)
    known = [item.vectors for item in stored if item is not None]
    if not known:
        return [None] * len(stored)
    flat = np.concatenate(known) @ query.reshape(-1)
    out: list[np.ndarray | None] = []
    start = 0
    for item in stored:
        if item is None:
            out.append(None)
        else:
            out.append(flat[start:start + len(item.vectors)])
            start += len(item.vectors)
    return out


def _fill_missing(passages: list[str], stored: list[SentenceVectors | None],
                  encoder: Encoder) -> list[SentenceVectors | None]:
    """Embed each sentence on its own for passages stored without sentence vectors (older libraries)."""
    todo = [i for i, item in enumerate(stored) if item is None]
    if not todo:
        return stored
    spans = [sentence_spans(passages[i]) for i in todo]
    flat = [passages[i][s:e] for i, group in zip(todo, spans) for s, e in group]
    vectors = encoder.encode(flat)
    filled, offset = list(stored), 0
    for i, group in zip(todo, spans):
        filled[i] = SentenceVectors(group, vectors[offset:offset + len(group)])
        offset += len(group)
    return filled
