"""Stories on ECB+: the product's online stories against the gold events, beside offline baselines.

The ECB+ dev articles are ingested in a shuffled order (``--seed``) into a new library, as
``newsbot ingest`` does (every article joins a story as it arrives); the stories are scored by
B-cubed precision, recall and F1 against the gold events. ``--grid`` re-forms the stories in the
same arrival order with other settings (no model run), to choose them; the baselines cluster
offline with average linkage over TF-IDF and over MiniLM article vectors, their threshold
chosen on the same data (an upper bound for them):

    .venv/bin/python benchmarks/stories.py --grid entity_weight=0.3,0.5,0.7 threshold=0.3,0.4,0.5
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.ingest import ingest_documents  # noqa: E402
from retrieval.parsers import parse_jsonl  # noqa: E402
from retrieval.stories import StoryIndex  # noqa: E402

ECB = PROJECT_ROOT.parent / "shared" / "eval" / "ecbplus-dev"


def bcubed(predicted: dict[str, int], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (item -> cluster) against the gold."""
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, cluster in predicted.items():
        by_pred[cluster].add(item)
    for item, cluster in gold.items():
        by_gold[cluster].add(item)
    items = [i for i in gold if i in predicted]
    precision = np.mean([len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in items])
    recall = np.mean([len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items])
    return float(precision), float(recall), float(2 * precision * recall / (precision + recall))


def average_linkage(similarity: np.ndarray, threshold: float) -> list[int]:
    """Offline agglomerative clustering, average linkage, merged while the best pair reaches ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1 - similarity, 0, 2)
    np.fill_diagonal(distance, 0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return list(fcluster(tree, t=1 - threshold, criterion="distance"))


def baselines(texts: list[str], vectors: np.ndarray, urls: list[str], gold: dict[str, str]) -> list[tuple]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    rows = []
    for name, similarity in (("TF-IDF + average linkage", (tfidf @ tfidf.T).toarray()),
                             ("MiniLM + average linkage", vectors @ vectors.T)):
        best = max(((t, bcubed(dict(zip(urls, average_linkage(similarity, t))), gold))
                    for t in np.arange(0.05, 0.95, 0.025)), key=lambda x: x[1][2])
        rows.append((f"{name} (best threshold {best[0]:.3f})", *best[1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13, help="the shuffled arrival order")
    parser.add_argument("--grid", nargs="*", default=[], help="name=v1,v2 (entity_weight, threshold)")
    parser.add_argument("--baselines", action="store_true", help="also the offline baselines")
    args = parser.parse_args()
    gold = {json.loads(line)["url"]: json.loads(line)["story"] for line in (ECB / "stories.jsonl").open()}
    docs = [d for d in parse_jsonl((ECB / "articles.jsonl").read_text(), "ecbplus")]
    random.Random(args.seed).shuffle(docs)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp) / "library")
        library = open_library(settings)
        ingest_documents(library, docs)
        index = StoryIndex(library)
        index.catch_up()
        url_of = {a.id: a.url for a in library.articles([None], limit=10_000)}
        print(f"{len(docs)} ECB+ dev articles, arrival order seed {args.seed}; {len(set(gold.values()))} gold stories")
        print(f"{'stories':<48} {'count':>5} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}")

        def score(label: str) -> None:
            predicted = {url_of[a]: s for a, s in index.story_of(list(url_of)).items()}
            print(f"{label:<48} {len(set(predicted.values())):>5} " + " ".join(
                f"{v:>6.3f}" for v in bcubed(predicted, gold)), flush=True)

        score(f"product (words {index.words_weight}, names {index.entity_weight}, threshold {index.threshold})")
        axes = [(n, [float(v) for v in vs.split(",")]) for n, vs in (g.split("=", 1) for g in args.grid)]
        for combo in itertools.product(*(values for _, values in axes)):
            chosen = dict(zip([n for n, _ in axes], combo))
            index.entity_weight = chosen.get("entity_weight", index.entity_weight)
            index.threshold = chosen.get("threshold", index.threshold)
            index.words_weight = chosen.get("words_weight", index.words_weight)
            index.rebuild()
            score(f"words {index.words_weight}, names {index.entity_weight}, threshold {index.threshold}")
        if args.baselines:
            model = index._current_model()
            vectors = model._matrix_now()
            ordered_urls = [url_of[a] for a in model.ids]
            bodies = library.store.article_bodies(model.ids)
            for row in baselines([bodies[a] for a in model.ids], vectors, ordered_urls, gold):
                print(f"{row[0]:<48} {'':>5} {row[1]:>6.3f} {row[2]:>6.3f} {row[3]:>6.3f}")
        library.close()


if __name__ == "__main__":
    main()
