"""The highlighter: which sentence of the answering passage is shown in bold, and its cost.

On XQuAD (the answer text is known) the passage holding the answer is cut as the product
cuts it; each way of choosing a sentence is right when the chosen sentence contains the
answer. Compared: question words alone, sentences embedded on their own (the previous
product: about 120 ms a question at query time), and in-context sentence vectors pooled from
the passage's own model run at ingest (the product: nothing embedded at query time).

    .venv/bin/python benchmarks/highlighter.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.chunk import chunk_article  # noqa: E402
from retrieval.embed import make_encoder  # noqa: E402
from retrieval.highlight import LEXICAL_WEIGHT, score_sentences  # noqa: E402
from retrieval.sentence_vectors import embed_passages  # noqa: E402
from retrieval.writing import passage_text_for_embedding  # noqa: E402

XQUAD = PROJECT_ROOT.parent / "shared" / "eval" / "xquad"
METHODS = ("question words only", "cosine, sentences alone", f"cosine + {LEXICAL_WEIGHT} words, alone",
           "cosine, in context", f"cosine + {LEXICAL_WEIGHT} words, in context (product)")


def cases(limit: int, skip: int = 0) -> list[tuple[str, str, str, str]]:
    """(question, answer, article title, passage holding the answer) for XQuAD questions."""
    articles = {}
    for line in (XQUAD / "articles.jsonl").read_text().splitlines():
        item = json.loads(line)
        articles[item["url"]] = item
    out = []
    for line in (XQUAD / "questions.jsonl").read_text().splitlines()[skip:skip + limit]:
        item = json.loads(line)
        article = articles[item["gold_urls"][0]]
        passage = next((c.text for c in chunk_article(article["text"]) if item["answer"] in c.text), None)
        if passage:
            out.append((item["question"], item["answer"], article["title"], passage))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100_000, help="questions to use")
    parser.add_argument("--skip", type=int, default=0, help="questions to leave out first (those tuned on)")
    parser.add_argument("--kind-weights", default="0.05,0.1,0.2",
                        help="bonuses tried for a sentence naming the kind of answer asked for (answer_type.py)")
    args = parser.parse_args()
    weights = [float(w) for w in args.kind_weights.split(",") if w]
    methods = [*METHODS, *(f"product + {w} kind of answer" for w in weights)]
    encoder = make_encoder(load_settings())
    found = {m: 0 for m in methods}
    alone_ms: list[float] = []
    counted = 0
    contexts: dict[str, object] = {}
    for question, answer, title, passage in cases(args.limit, args.skip):
        if passage not in contexts:
            contexts[passage] = embed_passages(encoder, [passage_text_for_embedding(title, passage)],
                                               [passage])[1][0]
        in_context = contexts[passage]
        sentences = in_context.sentences(passage)
        if len(sentences) < 2:
            continue
        counted += 1
        query = encoder.encode([question])[0]
        started = time.perf_counter()
        alone = encoder.encode(sentences)
        alone_ms.append((time.perf_counter() - started) * 1000)
        choices = [score_sentences(question, None, sentences, None, 0.0), alone @ query,
                   score_sentences(question, query, sentences, alone, 0.0), in_context.vectors @ query,
                   score_sentences(question, query, sentences, in_context.vectors, 0.0)]
        choices += [score_sentences(question, query, sentences, in_context.vectors, w) for w in weights]
        for method, scores in zip(methods, choices):
            found[method] += answer in sentences[int(np.argmax(scores))]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{counted} XQuAD questions whose answering passage has 2+ sentences; {encoder.name}")
    print(f"{'how the sentence is chosen':<44} {'answer in the highlight':>23}")
    for method in methods:
        print(f"{method:<44} {found[method] / max(counted, 1):>23.3f}")
    print(f"embedding one passage's sentences alone at question time: p50 {np.percentile(alone_ms, 50):.1f} ms "
          f"(the product's answers need 5-8 passages); in context: 0 ms (stored at ingest)")


if __name__ == "__main__":
    main()
