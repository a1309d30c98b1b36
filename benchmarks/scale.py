"""Scale: the vector index by library size — recall, memory, speed — and large test libraries.

Three commands, each printing a table:

    # recall@10 of the approximate index against exact search, on real embeddings: the
    # library's passage vectors plus its in-context sentence vectors, real questions as queries
    .venv/bin/python benchmarks/scale.py recall /tmp/nb-bbc

    # memory per passage, peak RSS and search time at 100k and 1M synthetic vectors, the
    # product's choice (IVF-SQ8 from 50k) beside exact search
    .venv/bin/python benchmarks/scale.py memory --sizes 100000 1000000

    # a library of about N passages cloned from a real one (vectors moved slightly, nothing
    # re-embedded), for start-up and whole-pipeline latency at scale
    .venv/bin/python benchmarks/scale.py clone /tmp/nb-bbc /tmp/nb-1m --passages 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.embedded.library import EmbeddedLibrary  # noqa: E402
from retrieval.embedded.store import (
    DB_FILE,  # noqa: E402
    SqliteStore,  # noqa: E402
)
from retrieval.embedded.vectors import EXACT_LIMIT, VectorIndex, build_ivf, plan_index  # noqa: E402
from retrieval.sentence_vectors import unpack  # noqa: E402

QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "xquad" / "questions.jsonl"
CLONE_NOISE = 0.35  # a clone's vector keeps cosine ~0.94 with its original


def machine() -> str:
    """One line about the machine."""
    return f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores"


# --- recall ---------------------------------------------------------------------------------
def real_vectors(data_dir: Path, limit: int) -> np.ndarray:
    """Passage vectors, then in-context sentence vectors, of a library (at most ``limit``)."""
    settings = load_settings(data_dir=data_dir)
    library = EmbeddedLibrary.from_settings(settings, repair=False)
    _, passages = library.vectors.all_vectors()
    rows = [passages]
    for spans, vectors, scales in library.store.connection.execute(
            "SELECT spans, vectors, scales FROM sentence_vectors"):
        rows.append(unpack(spans, vectors, scales).vectors)
        if sum(len(r) for r in rows) >= limit:
            break
    library.close()
    return np.ascontiguousarray(np.concatenate(rows)[:limit], dtype=np.float32)


def question_vectors(data_dir: Path, count: int) -> np.ndarray:
    """Real questions (XQuAD), embedded with the library's model."""
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()][:count]
    library = EmbeddedLibrary.from_settings(load_settings(data_dir=data_dir), repair=False)
    vectors = library.encoder.encode(questions)
    library.close()
    return vectors


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k found by the approximate search."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def cmd_recall(args: argparse.Namespace) -> None:
    """Recall@10 and search time of IVF-SQ8 (the product's plan, and other nprobe) vs exact."""
    import faiss

    base = real_vectors(args.library, args.limit)
    queries = question_vectors(args.library, args.queries)
    plan = plan_index(len(base), exact_limit=1)  # what the product would build at this size
    ids = np.arange(len(base), dtype=np.int64)
    exact = faiss.IndexFlatIP(base.shape[1])
    exact.add(base)
    started = time.perf_counter()
    _, truth = exact.search(queries, 10)
    exact_ms = (time.perf_counter() - started) * 1000 / len(queries)
    ivf = build_ivf(base, ids, plan)
    print(f"{machine()}; {len(base):,} real vectors ({args.library.name}: passages + in-context sentences), "
          f"{len(queries)} XQuAD questions, {plan.nlist} lists")
    print(f"{'index':<28} {'recall@10':>9} {'ms/query':>9}")
    print(f"{'exact (IndexFlatIP)':<28} {1.0:>9.3f} {exact_ms:>9.3f}")
    for nprobe in sorted({plan.nprobe // 4, plan.nprobe // 2, plan.nprobe, plan.nprobe * 2} - {0}):
        ivf.nprobe = nprobe
        started = time.perf_counter()
        _, found = ivf.search(queries, 10)
        ms = (time.perf_counter() - started) * 1000 / len(queries)
        mark = "  <- product" if nprobe == plan.nprobe else ""
        print(f"{f'ivf-sq8, nprobe {nprobe}':<28} {recall_at(found, truth):>9.3f} {ms:>9.3f}{mark}")


# --- memory ---------------------------------------------------------------------------------
def synthetic(count: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors clustered like text embeddings (mixture of 1,000 directions), float32."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, dim)).astype(np.float32)
    out = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, 100_000):
        part = min(100_000, count - start)
        rows = centres[rng.integers(0, 1000, part)] + 1.2 * rng.standard_normal((part, dim)).astype(np.float32)
        out[start:start + part] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def build_one(count: int, exact_limit: int, dim: int, directory: Path) -> dict:
    """Build and save a VectorIndex the product's way (batches added, then fitted)."""
    vectors = synthetic(count, dim, seed=1)
    index = VectorIndex(directory, "synthetic", dim, exact_limit)
    started = time.perf_counter()
    for start in range(0, count, 50_000):  # added in batches, as ingest does
        index.add(list(range(start + 1, min(count, start + 50_000) + 1)), vectors[start:start + 50_000])
    index.save()  # fits the index type to the size first
    return {"build_s": time.perf_counter() - started, "build_peak_mb": _peak_mb(),
            "plan": index.plan.describe(), "file_bytes": (directory / "vectors.faiss").stat().st_size}


def serve_one(directory: Path, dim: int) -> dict:
    """Open a saved index as the bot does and answer 200 vector searches: memory and time."""
    before = _rss_mb()
    index = VectorIndex.open(directory, "synthetic", dim)
    loaded = _rss_mb()
    times = []
    for query in synthetic(200, dim, seed=2):
        started = time.perf_counter()
        index.search(query, 60)
        times.append((time.perf_counter() - started) * 1000)
    return {"index_mb": loaded - before, "serve_peak_mb": _peak_mb(),
            "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95))}


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def cmd_memory(args: argparse.Namespace) -> None:
    """Each size and index built in one fresh process and served from disk in another."""
    print(f"{machine()}; synthetic clustered unit vectors, dim {args.dim}; 200 searches for 60 candidates")
    print(f"{'passages':>10} {'index':<36} {'bytes/passage':>13} {'in RAM MB':>9} {'serving peak MB':>15} "
          f"{'build s':>8} {'build peak MB':>13} {'p50 ms':>7} {'p95 ms':>7}")
    for count in args.sizes:
        for limit, label in ((args.exact_limit, "product"), (count + 1, "exact")):
            if label == "exact" and count > args.max_exact:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                built = _child("_build", str(count), str(limit), str(args.dim), tmp)
                served = _child("_serve", tmp, str(args.dim))
            name = f"{built['plan']} ({label})"
            print(f"{count:>10,} {name:<36} {built['file_bytes'] / count:>13.0f} {served['index_mb']:>9.0f} "
                  f"{served['serve_peak_mb']:>15.0f} {built['build_s']:>8.1f} {built['build_peak_mb']:>13.0f} "
                  f"{served['p50_ms']:>7.2f} {served['p95_ms']:>7.2f}", flush=True)


# --- clone ----------------------------------------------------------------------------------
def cmd_clone(args: argparse.Namespace) -> None:
    """A library of about ``--passages`` passages: copies of SRC's articles, vectors moved slightly."""
    src, dst = args.source, args.target
    dst.mkdir(parents=True, exist_ok=False)
    started = time.perf_counter()
    settings = load_settings(data_dir=src)
    source = EmbeddedLibrary.from_settings(settings, repair=False)
    ids, vectors = source.vectors.all_vectors()
    model, dim = source.vectors.model, source.vectors.dim
    source.close()
    copies = max(1, -(-args.passages // len(ids)))  # at least the size asked for
    _copy_rows(src / DB_FILE, dst / DB_FILE, copies)
    index = VectorIndex(dst, model, dim)
    rng = np.random.default_rng(0)
    step = int(ids.max()) + 1
    for copy in range(copies):
        moved = vectors if copy == 0 else vectors + CLONE_NOISE * rng.standard_normal(vectors.shape).astype(
            np.float32) / np.sqrt(dim)
        moved /= np.linalg.norm(moved, axis=1, keepdims=True)
        index.add((ids + copy * step).tolist(), moved)
    index.save()
    print(f"{dst}: {copies} copies of {len(ids):,} passages = {index.count:,} passages, "
          f"index {index.plan.describe()}, {time.perf_counter() - started:.0f} s")


def _copy_rows(src: Path, dst: Path, copies: int) -> None:
    """Copy articles, passages, keyword entries and sentence vectors ``copies`` times, ids offset."""
    SqliteStore(dst).close()  # creates the schema
    conn = sqlite3.connect(dst)
    conn.execute("ATTACH ? AS src", (str(src),))
    a_step = conn.execute("SELECT max(id) + 1 FROM src.articles").fetchone()[0]
    p_step = conn.execute("SELECT max(id) + 1 FROM src.passages").fetchone()[0]
    conn.execute("INSERT INTO meta SELECT * FROM src.meta")
    for copy in range(copies):
        a, p, tag = copy * a_step, copy * p_step, f"#copy{copy}" if copy else ""
        # copies share their original's publisher (unknown ones get one name), so they are never
        # grouped as "also reported by" each other: that work does not happen with real articles
        conn.execute("INSERT INTO articles SELECT id + ?, guild_id, identity || ?, content_hash || ?, title,"
                     " CASE WHEN source = '' THEN 'copied' ELSE source END, author, date, url || ?, path, body,"
                     " added_at FROM src.articles", (a, tag, tag, tag))
        conn.execute("INSERT INTO passages SELECT id + ?, article_id + ?, ord, para_start, para_end, char_start,"
                     " char_end, text FROM src.passages", (p, a))
        conn.execute("INSERT INTO passages_fts (rowid, title, text) SELECT p.id + ?, a.title, p.text"
                     " FROM src.passages p JOIN src.articles a ON a.id = p.article_id", (p,))
        conn.execute("INSERT INTO sentence_vectors SELECT passage_id + ?, spans, vectors, scales"
                     " FROM src.sentence_vectors", (p,))
        conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    recall = sub.add_parser("recall", help="recall@10 of IVF-SQ8 against exact search on real embeddings")
    recall.add_argument("library", type=Path)
    recall.add_argument("--limit", type=int, default=200_000, help="most vectors to use")
    recall.add_argument("--queries", type=int, default=1000)
    memory = sub.add_parser("memory", help="memory and search time by size, synthetic vectors")
    memory.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    memory.add_argument("--dim", type=int, default=384)
    memory.add_argument("--exact-limit", type=int, default=EXACT_LIMIT)
    memory.add_argument("--max-exact", type=int, default=1_000_000, help="largest size also run exact")
    clone = sub.add_parser("clone", help="a large library cloned from a real one")
    clone.add_argument("source", type=Path)
    clone.add_argument("target", type=Path)
    clone.add_argument("--passages", type=int, required=True)
    build = sub.add_parser("_build")
    for name in ("count", "limit", "dim"):
        build.add_argument(name, type=int)
    build.add_argument("directory", type=Path)
    serve = sub.add_parser("_serve")
    serve.add_argument("directory", type=Path)
    serve.add_argument("dim", type=int)
    args = parser.parse_args()
    if args.command == "_build":
        print(json.dumps(build_one(args.count, args.limit, args.dim, args.directory)))
    elif args.command == "_serve":
        print(json.dumps(serve_one(args.directory, args.dim)))
    else:
        {"recall": cmd_recall, "memory": cmd_memory, "clone": cmd_clone}[args.command](args)


if __name__ == "__main__":
    main()
