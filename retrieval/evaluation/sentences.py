"""Evaluating the highlighter: ranking candidate sentences for a question (TrecQA format).

The file is CSV with columns ``qtext,label,atext`` (label 1: the sentence answers). Each
question's candidates are ranked by the highlighter's score, by plain cosine similarity and
by BM25; MAP and MRR are computed over questions that have both labels.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.encoder import Encoder
from retrieval.errors import BadInputError
from retrieval.highlight import score_sentences
from retrieval.terms import words

Scorer = Callable[[str, list[str]], list[float]]


def load_candidates(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Questions with their (sentence, label) candidates, in file order.

    Raises:
        BadInputError: the file lacks the qtext, label and atext columns.
    """
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"qtext", "label", "atext"} <= set(reader.fieldnames or ()):
            raise BadInputError(f"{path}: expected the columns qtext,label,atext")
        for row in reader:
            groups[row["qtext"]].append((row["atext"], int(row["label"])))
    return dict(groups)


def bm25_scorer(corpus: list[str], k1: float = 1.2, b: float = 0.75) -> Scorer:
    """A BM25 scorer whose document frequencies come from ``corpus``."""
    docs = [words(text) for text in corpus]
    df = Counter(term for doc in docs for term in set(doc))
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / max(1, n)

    def score(question: str, candidates: list[str]) -> list[float]:
        terms = words(question)
        out = []
        for text in candidates:
            tokens = words(text)
            tf = Counter(tokens)
            total = 0.0
            for term in terms:
                if tf[term]:
                    idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                    total += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(tokens) / avgdl))
            out.append(total)
        return out

    return score


def embedding_scorers(encoder: Encoder) -> tuple[Scorer, Scorer]:
    """(the highlighter's scorer, plain cosine) on the given model."""
    def vectors(question: str, candidates: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = encoder.encode([question, *candidates])
        return encoded[0], encoded[1:]

    def highlighter(question: str, candidates: list[str]) -> list[float]:
        query, rows = vectors(question, candidates)
        return score_sentences(question, query, candidates, rows)

    def cosine(question: str, candidates: list[str]) -> list[float]:
        query, rows = vectors(question, candidates)
        return (rows @ query).tolist()

    return highlighter, cosine


def rank_metrics(groups: dict[str, list[tuple[str, int]]], scorer: Scorer) -> tuple[float, float, int]:
    """MAP, MRR and the number of questions with both labels."""
    average_precisions, reciprocal_ranks = [], []
    for question, candidates in groups.items():
        labels = [label for _, label in candidates]
        if not (0 < sum(labels) < len(labels)):
            continue
        scores = scorer(question, [text for text, _ in candidates])
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        hits, precisions = 0, []
        for rank, index in enumerate(order, start=1):
            if labels[index]:
                hits += 1
                precisions.append(hits / rank)
        average_precisions.append(sum(precisions) / len(precisions))
        reciprocal_ranks.append(1.0 / (next(r for r, i in enumerate(order, 1) if labels[i])))
    count = len(average_precisions)
    return (sum(average_precisions) / count if count else 0.0,
            sum(reciprocal_ranks) / count if count else 0.0, count)


def sentence_table(results: dict[str, tuple[float, float, int]]) -> str:
    """A plain-text table: method, questions, MAP, MRR."""
    lines = [f"{'method':<12} {'questions':>9} {'MAP':>6} {'MRR':>6}", "-" * 36]
    lines += [f"{name:<12} {n:>9} {m:>6.3f} {r:>6.3f}" for name, (m, r, n) in results.items()]
    return "\n".join(lines)


def evaluate_sentences(path: Path, encoder: Encoder) -> dict[str, tuple[float, float, int]]:
    """MAP and MRR of the highlighter, plain cosine and BM25 on a TrecQA-style file."""
    groups = load_candidates(path)
    highlighter, cosine = embedding_scorers(encoder)
    corpus = [text for candidates in groups.values() for text, _ in candidates]
    return {"highlighter": rank_metrics(groups, highlighter), "cosine": rank_metrics(groups, cosine),
            "bm25": rank_metrics(groups, bm25_scorer(corpus))}
