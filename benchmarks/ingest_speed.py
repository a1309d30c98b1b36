"""Ingestion throughput: the whole ``ingest`` against plain ``SentenceTransformer.encode``.

In one run, on the same passages: (1) plain sentence-transformers encode (torch, batch 32) of
the passages the product makes; (2) the product's whole ingest (parse, clean, chunk, embed,
index, commit) into a fresh library, for each backend. Prints passages per second and the
ratio to (1).

    .venv/bin/python benchmarks/ingest_speed.py ../shared/eval/bbc-news/bbc
    .venv/bin/python benchmarks/ingest_speed.py ../shared/eval/bbc-news/bbc --limit 40   # smoke
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from config.settings import load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.chunk import chunk_article  # noqa: E402
from retrieval.embed import resolve_model  # noqa: E402
from retrieval.ingest import expand_paths, ingest  # noqa: E402
from retrieval.parsers import read_path  # noqa: E402
from retrieval.records import Document  # noqa: E402
from retrieval.writing import passage_text_for_embedding  # noqa: E402


def product_passages(files: list[Path]) -> list[str]:
    """The texts the product embeds for these files (title + passage)."""
    texts = []
    for path in files:
        for item in read_path(path, max_bytes=20_000_000):
            if isinstance(item, Document):
                texts += [passage_text_for_embedding(item.title, c.text) for c in chunk_article(item.text)]
    return texts


def plain_encode(texts: list[str]) -> float:
    """Seconds for sentence-transformers' own encode (torch, batch 32)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model("all-MiniLM-L6-v2")[0], device="cpu")
    model.encode(texts[:64], batch_size=32)
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return time.perf_counter() - started


def whole_ingest(files: list[Path], backend: str, cache: Path) -> tuple[float, int]:
    """Seconds and passages for a full ingest into a fresh library."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), engine=backend, model_cache_dir=cache)
        library = open_library(settings)
        library.encoder.encode(["warm up"] * 8)  # model loading and the one-time export are not ingest
        started = time.perf_counter()
        ingest(library, files, max_bytes=settings.max_file_bytes)
        elapsed = time.perf_counter() - started
        passages = library.store.count("passages")
        library.close()
    return elapsed, passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--backends", default="onnx-int8,torch")
    args = parser.parse_args()
    files, _ = expand_paths([args.folder])
    files = files[: args.limit] if args.limit else files
    cache = Path(tempfile.gettempdir()) / "newsbot-bench-models"
    texts = product_passages(files)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {len(files)} files, {len(texts)} passages")
    baseline = plain_encode(texts)
    print(f"{'what':<44} {'seconds':>8} {'passages/s':>11} {'× encode':>9}")
    print(f"{'SentenceTransformer.encode (torch, batch 32)':<44} {baseline:>8.1f} {len(texts) / baseline:>11.1f} "
          f"{1.0:>9.2f}")
    for backend in args.backends.split(","):
        seconds, passages = whole_ingest(files, backend, cache)
        rate = passages / seconds
        print(f"{'whole ingest, ' + backend:<44} {seconds:>8.1f} {rate:>11.1f} "
              f"{rate / (len(texts) / baseline):>9.2f}", flush=True)


if __name__ == "__main__":
    main()
