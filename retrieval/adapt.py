"""Adapting the embedding model to a library, without labels.

The library supplies its own training pairs: each article's headline and its passages (an
article without a headline has one derived from its lede, so there it is the lede and the rest;
a passage that holds the headline word for word is skipped). The model is fine-tuned on them
with in-batch negatives (sentence-transformers' ``MultipleNegativesRankingLoss``; one passage
per article in a batch, so no batch holds a false negative), on the CPU.

Before any training a share of the articles is held out. Their headlines become questions and
the model must find their passages (embedded without the headline) among the library's: the
base model and the adapted one are measured alike, and the adapted model is only offered to
``newsbot reindex`` when it is better there. Each run writes a new folder
``DATA_DIR/adapted-models/vNNN`` (the model and ``adapt.json``, its measurements); the base
model stays in use until ``reindex`` switches to the adapted one.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from config.settings import Settings
from retrieval.embed import resolve_model
from retrieval.errors import NewsbotError
from retrieval.library import Store

logger = logging.getLogger(__name__)

ADAPTED_DIR = "adapted-models"
REPORT_FILE = "adapt.json"
CANDIDATE_KEY = "model.candidate"  # meta: the adapted model measured better, waiting for reindex
IN_USE_KEY = "model.adapted"  # meta: the adapted model the vectors were built with
TRAIN_SEQ_LENGTH = 128  # word pieces read in training (passages are longer; 128 is 2-3x faster)
CORPUS_LIMIT = 3000  # passages the held-out headlines are searched among, at most
MAX_PAIRS = 20_000  # pairs trained on, at most (about 25 minutes an epoch on 2 cores)

Pair = tuple[int, str, str]  # (article id, headline, passage)


@dataclass(slots=True)
class AdaptReport:
    """What one ``newsbot adapt`` run did and measured."""

    model_dir: str
    base_model: str
    pairs: int
    articles: int
    held_out: int
    epochs: int
    steps: int
    seconds: float
    base_hit1: float
    base_mrr: float
    adapted_hit1: float
    adapted_mrr: float
    accepted: bool


def library_pairs(store: Store) -> dict[int, list[tuple[str, str]]]:
    """(headline, passage) of every global article, by article id; headline-only articles and
    passages that hold their headline word for word are left out."""
    by_article: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for article_id, title, text in store.global_passages():
        if title and title not in text:
            by_article[article_id].append((title, text))
    return dict(by_article)


def split_held_out(article_ids: list[int], share: float, seed: int = 0) -> tuple[list[int], list[int]]:
    """(training articles, held-out articles): ``share`` of them held out, at least 3, at most 300.

    Raises:
        NewsbotError: too few articles with headlines to train and measure.
    """
    if len(article_ids) < 10:
        raise NewsbotError(f"adapting needs at least 10 articles with headlines; this library has {len(article_ids)}")
    ids = sorted(article_ids)
    random.Random(seed).shuffle(ids)
    count = min(300, max(3, round(len(ids) * share)))
    return ids[count:], ids[:count]


def batches(pairs: dict[int, list[tuple[str, str]]], size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """One epoch of batches, each with at most one pair per article (no false negatives)."""
    pools = {a: rng.sample(items, len(items)) for a, items in pairs.items()}
    out: list[list[tuple[str, str]]] = []
    while pools:
        keys = list(pools)
        rng.shuffle(keys)
        out.extend(batch for start in range(0, len(keys), size)
                   if len(batch := [pools[k].pop() for k in keys[start:start + size]]) > 1)
        pools = {k: v for k, v in pools.items() if v}
    rng.shuffle(out)
    return out


def fine_tune(model, pairs: dict[int, list[tuple[str, str]]], *, epochs: int, batch_size: int,
              progress: Callable[[int, int], None] | None = None, seed: int = 0) -> int:
    """Train ``model`` (a SentenceTransformer) in place on headline-passage pairs; return the steps.

    AdamW at 2e-5 with a linear warm-up over the first tenth and a linear decay after it.
    """
    import torch
    from sentence_transformers.losses import MultipleNegativesRankingLoss

    rng = random.Random(seed)
    torch.manual_seed(seed)
    steps = [batch for _ in range(epochs) for batch in batches(pairs, batch_size, rng)]
    loss_of = MultipleNegativesRankingLoss(model)
    features = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
    warm = max(1, len(steps) // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: (s + 1) / warm if s < warm else max(0.0, (len(steps) - s) / max(1, len(steps) - warm)))
    model.train()
    length, model.max_seq_length = model.max_seq_length, TRAIN_SEQ_LENGTH
    try:
        for number, batch in enumerate(steps, start=1):
            loss = loss_of([features([h for h, _ in batch]), features([p for _, p in batch])], None)
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            if progress:
                progress(number, len(steps))
    finally:
        model.max_seq_length = length
        model.eval()
    return len(steps)


def headline_scores(model, questions: list[tuple[int, str]], corpus: list[tuple[int, str]]) -> tuple[float, float]:
    """(hit@1, MRR@10) of finding each headline's article among the corpus passages."""
    owners = np.array([article for article, _ in corpus])
    passages = model.encode([text for _, text in corpus], batch_size=32, normalize_embeddings=True)
    queries = model.encode([title for _, title in questions], batch_size=32, normalize_embeddings=True)
    hit1, reciprocal = 0.0, 0.0
    for (article, _), scores in zip(questions, queries @ passages.T):
        ranked = list(dict.fromkeys(owners[np.argsort(-scores)][:200].tolist()))[:10]
        if article in ranked:
            rank = ranked.index(article) + 1
            hit1 += rank == 1
            reciprocal += 1 / rank
    return hit1 / len(questions), reciprocal / len(questions)


def held_out_set(pairs: dict[int, list[tuple[str, str]]], held: list[int], seed: int = 0
                 ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The held-out headlines and the passages they are searched among.

    The targets are each held-out article's passages after its first (a lede restates its
    headline, which makes the task too easy to tell models apart); the others are a sample of
    the rest of the library, up to :data:`CORPUS_LIMIT` passages in all.
    """
    questions = [(a, pairs[a][0][0]) for a in held]
    corpus = [(a, text) for a in held for _, text in (pairs[a][1:] or pairs[a])]
    kept = set(held)
    others = [(a, text) for a, items in pairs.items() if a not in kept for _, text in items]
    random.Random(seed).shuffle(others)
    return questions, corpus + others[:max(0, CORPUS_LIMIT - len(corpus))]


def capped(pairs: dict[int, list[tuple[str, str]]], limit: int) -> dict[int, list[tuple[str, str]]]:
    """At most ``limit`` pairs in all, taken evenly across articles (the first passages first)."""
    if sum(len(items) for items in pairs.values()) <= limit:
        return pairs
    kept: dict[int, list[tuple[str, str]]] = {a: [] for a in pairs}
    depth, total = 0, 0
    while total < limit:
        for article, items in pairs.items():
            if depth < len(items) and total < limit:
                kept[article].append(items[depth])
                total += 1
        depth += 1
    return {a: items for a, items in kept.items() if items}


def next_model_dir(data_dir: Path) -> Path:
    """``DATA_DIR/adapted-models/vNNN``, one more than the highest there."""
    root = data_dir / ADAPTED_DIR
    numbers = [int(p.name[1:]) for p in root.glob("v[0-9][0-9][0-9]")] if root.is_dir() else []
    return root / f"v{max(numbers, default=0) + 1:03d}"


def adapt(store: Store, settings: Settings, *, epochs: int = 1, batch_size: int = 32, held_out: float = 0.1,
          max_pairs: int = MAX_PAIRS, progress: Callable[[int, int], None] | None = None) -> AdaptReport:
    """Fine-tune the configured model on the library's own pairs, measure it, keep it.

    Args:
        store: the library's store (its global articles are read).
        settings: the configured (base) model and the data directory.
        epochs: passes over the pairs.
        batch_size: pairs per step (the in-batch negatives).
        held_out: share of the articles kept out of training to measure on.
        max_pairs: the most pairs trained on (taken evenly across articles).
        progress: called with (step, steps) after each training step.

    Returns:
        The report; when ``accepted``, ``newsbot reindex`` will use the new model.

    Raises:
        NewsbotError: too few articles, or the model is not in a local folder.
    """
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    location, local = resolve_model(settings.model)
    if not local:
        raise NewsbotError(f"adapting needs the model in a local folder; {settings.model!r} is not one")
    pairs = library_pairs(store)
    train_ids, held = split_held_out(list(pairs), held_out)
    questions, corpus = held_out_set(pairs, held)
    started = time.perf_counter()
    model = SentenceTransformer(location, device="cpu", local_files_only=True)
    base = headline_scores(model, questions, corpus)
    training = capped({a: pairs[a] for a in train_ids}, max_pairs)
    steps = fine_tune(model, training, epochs=epochs, batch_size=batch_size, progress=progress)
    adapted = headline_scores(model, questions, corpus)
    target = next_model_dir(settings.data_dir)
    report = AdaptReport(model_dir=str(target.relative_to(settings.data_dir)), base_model=settings.model,
                         pairs=sum(map(len, training.values())), articles=len(training), held_out=len(held),
                         epochs=epochs, steps=steps, seconds=round(time.perf_counter() - started, 1),
                         base_hit1=round(base[0], 4), base_mrr=round(base[1], 4), adapted_hit1=round(adapted[0], 4),
                         adapted_mrr=round(adapted[1], 4), accepted=adapted[1] > base[1])
    _save(model, report, target)
    if report.accepted:
        store.set_meta(CANDIDATE_KEY, report.model_dir)
    return report


def _save(model, report: AdaptReport, target: Path) -> None:
    """Write the model and its report into a temporary folder, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".adapting-", dir=target.parent))
    try:
        model.save(str(staging))
        (staging / REPORT_FILE).write_text(json.dumps(asdict(report), indent=2) + "\n")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def library_model(settings: Settings, read_meta: Callable[[str], str]) -> tuple[Settings, Path | None]:
    """The settings with the model the library's vectors are built with, and its folder.

    That is the configured model, unless the operator left ``NEWSBOT_MODEL`` unset and
    ``newsbot reindex`` switched the library to an adapted model: then that one (named by its
    folder relative to the data directory, so the library can be moved or restored elsewhere;
    with PostgreSQL, every machine keeps the folder in its own data directory).

    Args:
        settings: the operator's settings.
        read_meta: reads the library's metadata (each backend reads its own without opening the library).
    """
    if "model" in settings.model_fields_set:
        return settings, None
    name = read_meta(IN_USE_KEY)
    if not name or not (settings.data_dir / name).is_dir():
        return settings, None
    return settings.model_copy(update={"model": name}), settings.data_dir / name


def model_for_reindex(store: Store, settings: Settings) -> str:
    """Record which model ``newsbot reindex`` rebuilds with, and return its name.

    A model set in ``NEWSBOT_MODEL`` wins (the library leaves any adapted model); otherwise the
    adapted model that ``newsbot adapt`` measured better, if one waits; otherwise the one in use.
    """
    if "model" in settings.model_fields_set:
        store.set_meta(IN_USE_KEY, "")
        return settings.model
    waiting = store.get_meta(CANDIDATE_KEY)
    if waiting and (settings.data_dir / waiting).is_dir():
        store.set_meta(IN_USE_KEY, waiting)
        store.set_meta(CANDIDATE_KEY, "")
        return waiting
    return store.get_meta(IN_USE_KEY) or settings.model
