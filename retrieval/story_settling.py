"""Stories settled again: the latest articles clustered together, once they have all arrived.

An article joins a story the moment it arrives (:mod:`retrieval.story_clustering`), with the word
frequencies and the stories of that moment: the first reports of two similar events (two
title defences of one boxer) may meet before either story has the articles that tell them
apart. :func:`settle` clusters a window of articles again as a whole — average linkage over
the same pairwise similarity, word and name frequencies of the window — so the result no
longer depends on the order they came in.

Where many articles are close to each other (a topic with two events of the same kind), the
similarity is damped by the local density (self-tuning, after Zelnik-Manor and Perona, 2004):
an article's density is its similarity to its :data:`DENSITY_NEIGHBOURS`-th most similar
article, and a pair's similarity is multiplied by ``min(1, DENSITY_SCALE / sqrt(d_i · d_j))``.
In a crowded topic the bar rises; an article with few close neighbours keeps the plain
threshold. Pure: numpy and scipy, no storage.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import numpy as np

from retrieval.story_clustering import DATE_GRACE_DAYS, DATE_SCALE_DAYS, StoryArticle

DENSITY_NEIGHBOURS = 5  # an article's density: its similarity to its 5th most similar article
DENSITY_SCALE = 0.3  # pairs denser than this are damped (chosen with benchmarks/stories.py, docs/quality.md)


def settle(articles: list[StoryArticle], threshold: float, words_weight: float, entity_weight: float,
           density_scale: float = DENSITY_SCALE) -> list[int]:
    """Cluster ``articles`` as a whole; return one cluster number per article.

    Args:
        articles: the window's articles (vectors, names, words, dates).
        threshold: the average similarity a cluster's pairs reach (the online threshold).
        words_weight: the TF-IDF cosine's share of a pair's similarity.
        entity_weight: the names' weighted Jaccard share (the rest is the vectors' cosine).
        density_scale: pairs whose densities' geometric mean exceeds it are damped (0: never).
    """
    if len(articles) < 2:
        return [0] * len(articles)
    similarity = pair_similarity(articles, words_weight, entity_weight)
    if density_scale > 0:
        similarity = damped(similarity, density_scale)
    return _average_linkage(similarity, threshold)


def pair_similarity(articles: list[StoryArticle], words_weight: float, entity_weight: float) -> np.ndarray:
    """Every pair's similarity, as :meth:`StoryModel.story_similarity` scores an article and a
    one-article story, with the window's frequencies: (n, n), the diagonal 1. Summed in place
    (a few n × n float32 arrays at most: about 100 MB at 2,000 articles)."""
    vectors = np.vstack([a.vector for a in articles]).astype(np.float32)
    mixed = vectors @ vectors.T
    mixed *= 1 - words_weight - entity_weight
    part = _cosines(_tfidf_rows([a.words for a in articles]))
    part *= words_weight
    mixed += part
    part = _weighted_jaccard([a.terms for a in articles])
    part *= entity_weight
    mixed += part
    del part
    days = _extra_days([a.date for a in articles])
    if days is not None:
        days /= DATE_SCALE_DAYS
        days += 1
        mixed /= days
    np.fill_diagonal(mixed, 1.0)
    return mixed


def damped(similarity: np.ndarray, scale: float) -> np.ndarray:
    """``similarity`` times ``min(1, scale / sqrt(d_i · d_j))``, d an article's density."""
    n = len(similarity)
    if n <= DENSITY_NEIGHBOURS:
        return similarity
    others = -similarity
    np.fill_diagonal(others, np.inf)
    density = np.clip(-np.partition(others, DENSITY_NEIGHBOURS - 1, axis=1)[:, DENSITY_NEIGHBOURS - 1], 1e-6, None)
    del others
    factor = np.outer(density, density).astype(np.float32)
    np.sqrt(factor, out=factor)
    np.divide(np.float32(scale), factor, out=factor)
    np.minimum(factor, 1.0, out=factor)
    factor *= similarity
    np.fill_diagonal(factor, 1.0)
    return factor


def _average_linkage(similarity: np.ndarray, threshold: float) -> list[int]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - similarity
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False).astype(np.float64)
    del distance
    tree = linkage(condensed, method="average")
    return [int(c) for c in fcluster(tree, t=1.0 - threshold, criterion="distance")]


def _tfidf_rows(counts: list[Counter]):
    """Normalised TF-IDF rows (sublinear counts), frequencies of these articles: a sparse
    (n, vocabulary) matrix."""
    columns, values, starts = _entries(counts)
    df = np.bincount(columns, minlength=int(columns.max()) + 1 if len(columns) else 1)
    weights = (1 + np.log(values)) * np.log(1 + len(counts) / (1 + df[columns]))
    rows = _csr(weights, columns, starts, len(df))
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    return _scaled_rows(rows, 1.0 / np.where(norms > 0, norms, 1.0))


def _cosines(rows) -> np.ndarray:
    return np.asarray((rows @ rows.T).todense(), dtype=np.float32)


def _weighted_jaccard(terms: list[frozenset[str]]) -> np.ndarray:
    """Pairs' IDF-weighted Jaccard of their names and numbers (0 when both have none)."""
    columns, _, starts = _entries([dict.fromkeys(names, 1) for names in terms])
    if not len(columns):
        return np.zeros((len(terms), len(terms)), dtype=np.float32)
    df = np.bincount(columns)
    idf = np.log(1 + len(terms) / (1 + df[columns]))
    present = _csr(np.ones(len(columns), dtype=np.float32), columns, starts, len(df))
    weighted = _csr(idf, columns, starts, len(df))
    shared = np.asarray((weighted @ present.T).todense(), dtype=np.float32)
    own = np.asarray(weighted.sum(axis=1), dtype=np.float32).ravel()
    union = own[:, None] + own[None, :]
    union -= shared
    np.divide(shared, union, out=shared, where=union > 0)
    shared[union <= 0] = 0.0
    return shared


def _entries(rows: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column numbers and values of each row's (term, value) items, and where each row starts."""
    vocabulary: dict[str, int] = {}
    columns = [vocabulary.setdefault(t, len(vocabulary)) for row in rows for t in row]
    values = [v for row in rows for v in row.values()]
    starts = np.cumsum([0, *(len(row) for row in rows)])
    return np.array(columns, dtype=np.int64), np.array(values, dtype=np.float32), starts


def _csr(values: np.ndarray, columns: np.ndarray, starts: np.ndarray, width: int):
    from scipy.sparse import csr_matrix

    return csr_matrix((values.astype(np.float32), columns, starts), shape=(len(starts) - 1, max(1, width)))


def _scaled_rows(matrix, factors: np.ndarray):
    from scipy.sparse import diags

    return (diags(factors.astype(np.float32)) @ matrix).tocsr()


def _extra_days(days: list[str]) -> np.ndarray | None:
    """Days between each pair beyond the grace, 0 when either is undated (None: none is dated)."""
    ordinal = np.array([_ordinal(d) for d in days], dtype=np.float32)  # exact: ordinals < 2**24
    if np.isnan(ordinal).all():
        return None
    gap = ordinal[:, None] - ordinal[None, :]
    np.abs(gap, out=gap)
    gap -= DATE_GRACE_DAYS
    np.clip(gap, 0.0, None, out=gap)
    return np.nan_to_num(gap, copy=False, nan=0.0)


def _ordinal(day: str) -> float:
    try:
        return float(date.fromisoformat(day[:10]).toordinal()) if day else math.nan
    except ValueError:
        return math.nan
