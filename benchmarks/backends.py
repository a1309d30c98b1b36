"""PostgreSQL beside the embedded backend: ingest speed, a million passages, processes under load.

    # ingest throughput: the same BBC files into a new embedded library and a new PostgreSQL one
    .venv/bin/python benchmarks/backends.py ingest --database postgresql://…/ingest --files 300

    # a PostgreSQL library of about a million passages cloned from a migrated one (rows copied in
    # the server, vectors moved slightly as scale.py clone does), HNSW built at the end:
    # build time, sizes, the server's memory; then recall@10 of HNSW against exact search
    .venv/bin/python benchmarks/backends.py clone --database postgresql://…/big --copies 116
    .venv/bin/python benchmarks/backends.py build --database postgresql://…/big   # indexes again, timed
    .venv/bin/python benchmarks/backends.py recall --database postgresql://…/big --queries 200

    # HNSW alone at a given size, on the library's real vectors and copies moved further
    # (cosine 0.71 with their original): build time, memory, recall@10 by ef_search
    .venv/bin/python benchmarks/backends.py graph --database postgresql://…/xquad --size 1000000

    # two bot processes (shards 0 and 1 of 2) on the fake Discord, 50 questions each at once,
    # on one library: PostgreSQL, then the embedded library the same two processes share
    .venv/bin/python benchmarks/backends.py processes --database postgresql://…/xquad --data-dir /tmp/nb-xquad

Ask latency at either scale is ``benchmarks/query_latency.py`` with ``--library onnx-int8=URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402

from config.settings import PROJECT_ROOT, load_settings  # noqa: E402
from retrieval.backend import open_library  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402
from retrieval.pg.db import register_vector  # noqa: E402
from retrieval.pg.vectors import EF_SEARCH, EF_SEARCH_LARGE, HNSW_EF_CONSTRUCTION, HNSW_M, LARGE_LIBRARY  # noqa: E402

EVAL = PROJECT_ROOT.parent / "shared" / "eval"
CLONE_NOISE = 0.35  # as scale.py: a clone keeps cosine ~0.94 with its original


def machine() -> str:
    return f"machine: {platform.machine()}, {os.cpu_count()} cores"


def server_rss_mb(conn: psycopg.Connection) -> float:
    """Resident memory of every process of the PostgreSQL server, in MB (it runs on this machine)."""
    data = Path(conn.execute("SHOW data_directory").fetchone()[0])
    pid = int((data / "postmaster.pid").read_text().split()[0])
    total = 0
    for child in [pid, *_children(pid)]:
        status = Path(f"/proc/{child}/status")
        if status.exists():
            total += next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS"))
    return total / 1024


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


# --- ingest -----------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> None:
    files = sorted((EVAL / "bbc-news" / "bbc").rglob("*.txt"))[: args.files]
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "files"
        staged.mkdir()
        for number, path in enumerate(files):
            shutil.copy(path, staged / f"{number:04d}.txt")
        print(machine(), f"; {len(files)} BBC files, model loaded and warmed before timing")
        print(f"{'backend':<12} {'articles':>8} {'passages':>8} {'seconds':>8} {'passages/s':>10}")
        for name, url in (("embedded", None), ("postgresql", args.database)):
            settings = load_settings(data_dir=Path(tmp) / name, database_url=url)
            library = open_library(settings)
            library.encoder.encode(["warm up"])
            started = time.perf_counter()
            ingest(library, [staged], max_bytes=settings.max_file_bytes)
            took = time.perf_counter() - started
            passages = library.store.count("passages")
            print(f"{name:<12} {library.store.count('articles'):>8} {passages:>8} {took:>8.1f}"
                  f" {passages / took:>10.1f}",
                  flush=True)
            library.close()


# --- clone ------------------------------------------------------------------------------
def cmd_clone(args: argparse.Namespace) -> None:
    conn = psycopg.connect(args.database, autocommit=True)
    register_vector(conn)
    base_a, base_p = conn.execute("SELECT max(id) FROM articles").fetchone()[0], \
        conn.execute("SELECT max(id) FROM passages").fetchone()[0]
    step_a, step_p = base_a + 1, base_p + 1
    started = time.perf_counter()
    conn.execute("DROP INDEX IF EXISTS passages_embedding")
    conn.execute("ALTER TABLE terms DROP CONSTRAINT terms_pkey")
    ids, vectors = zip(*conn.execute("SELECT id, embedding FROM passages WHERE id <= %s ORDER BY id", (base_p,),
                                     binary=True).fetchall())
    vectors = np.stack(vectors)
    rng = np.random.default_rng(0)
    for copy in range(1, args.copies + 1):
        a, p, tag = copy * step_a, copy * step_p, f"#copy{copy}"
        with conn.transaction():
            conn.execute("INSERT INTO articles (id, guild_id, identity, content_hash, title, source, author, date, url,"
                         " path, body, added_at) SELECT id + %s, guild_id, identity || %s, content_hash || %s, title,"
                         " CASE WHEN source = '' THEN 'copied' ELSE source END, author, date, url || %s, path, body,"
                         " added_at FROM articles WHERE id <= %s", (a, tag, tag, tag, base_a))
            moved = _moved(vectors, CLONE_NOISE, rng)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS moved (id bigint, embedding vector)")
            conn.execute("TRUNCATE moved")
            with conn.cursor() as cursor, cursor.copy("COPY moved (id, embedding) FROM STDIN (FORMAT BINARY)") as out:
                out.set_types(["int8", "vector"])
                for pid, vector in zip(ids, moved):
                    out.write_row((pid + p, vector))
            conn.execute("INSERT INTO passages (id, article_id, scope, ord, para_start, para_end, char_start, char_end,"
                         " text, tokens, embedding) SELECT q.id + %s, q.article_id + %s, q.scope, q.ord, q.para_start,"
                         " q.para_end, q.char_start, q.char_end, q.text, q.tokens, m.embedding FROM passages q"
                         " JOIN moved m ON m.id = q.id + %s WHERE q.id <= %s", (p, a, p, base_p))
            conn.execute("INSERT INTO terms SELECT term, passage_id + %s, tf, tokens, scope FROM terms"
                         " WHERE passage_id <= %s", (p, base_p))
            conn.execute("INSERT INTO sentence_vectors SELECT passage_id + %s, spans, vectors, scales"
                         " FROM sentence_vectors WHERE passage_id <= %s", (p, base_p))
        print(f"copy {copy}/{args.copies}: {time.perf_counter() - started:.0f} s", flush=True)
    copies = args.copies + 1
    with conn.transaction():
        conn.execute("UPDATE term_stats SET df = df * %s", (copies,))
        conn.execute("UPDATE library_stats SET passages = (SELECT count(*) FROM passages),"
                     " tokens = (SELECT sum(tokens) FROM passages)")
        conn.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles))")
        conn.execute("SELECT setval(pg_get_serial_sequence('passages', 'id'), (SELECT max(id) FROM passages))")
        conn.execute("SELECT nextval('library_generation')")
    print(f"rows copied in {time.perf_counter() - started:.0f} s", flush=True)
    _build_indexes(conn, args.memory)


def cmd_build(args: argparse.Namespace) -> None:
    """Rebuild the keyword and vector indexes of a cloned library (as the end of ``clone`` does)."""
    conn = psycopg.connect(args.database, autocommit=True)
    conn.execute("DROP INDEX IF EXISTS passages_embedding")
    conn.execute("ALTER TABLE terms DROP CONSTRAINT IF EXISTS terms_pkey")
    _build_indexes(conn, args.memory)


def _build_indexes(conn: psycopg.Connection, memory: str) -> None:
    terms_started = time.perf_counter()
    conn.execute(f"SET maintenance_work_mem = '{memory}'")
    conn.execute("ALTER TABLE terms ADD PRIMARY KEY (term, passage_id) INCLUDE (tf, tokens, scope)")
    terms_s = time.perf_counter() - terms_started
    conn.execute("VACUUM ANALYZE")
    peak = _build_hnsw(conn, memory)
    sizes = {name: conn.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", (name,)).fetchone()[0]
             for name in ("passages", "terms", "passages_embedding", "sentence_vectors")}
    print(machine())
    print(f"passages {conn.execute('SELECT count(*) FROM passages').fetchone()[0]:,};"
          f" keyword index built in {terms_s:.0f} s, HNSW built in {peak['seconds']:.0f} s"
          f" (server RSS during the build at most {peak['rss_mb']:.0f} MB, maintenance_work_mem {memory})")
    print("sizes:", ", ".join(f"{k} {v}" for k, v in sizes.items()),
          f"; database {conn.execute('SELECT pg_size_pretty(pg_database_size(current_database()))').fetchone()[0]}")


def _build_hnsw(conn: psycopg.Connection, memory: str, table: str = "passages") -> dict:
    """Build the HNSW index, sampling the server's memory while it runs."""
    import threading

    samples, done = [server_rss_mb(conn)], threading.Event()
    watcher = psycopg.connect(conn.info.dsn, autocommit=True)

    def sample() -> None:
        while not done.wait(2.0):
            samples.append(server_rss_mb(watcher))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    conn.execute(f"SET maintenance_work_mem = '{memory}'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    index = "passages_embedding" if table == "passages" else "bench_embedding"
    conn.execute(f"CREATE INDEX {index} ON {table} USING hnsw (embedding vector_cosine_ops)"
                 f" WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    watcher.close()
    return {"seconds": seconds, "rss_mb": max(samples)}


# --- recall -----------------------------------------------------------------------------
def cmd_recall(args: argparse.Namespace) -> None:
    from retrieval.pg.db import Database
    from retrieval.pg.vectors import PgVectors

    settings = load_settings(data_dir=Path(tempfile.gettempdir()))
    from retrieval.embed import make_encoder

    encoder = make_encoder(settings)
    questions = [json.loads(line)["question"] for line in (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()]
    queries = encoder.encode(questions[: args.queries])
    conn = psycopg.connect(args.database, autocommit=True)
    register_vector(conn)
    ids, vectors = [], []
    with conn.transaction(), conn.cursor(name="all", binary=True) as cursor:
        cursor.itersize = 20000
        cursor.execute("SELECT id, embedding FROM passages ORDER BY id")
        for pid, vector in cursor:
            ids.append(pid)
            vectors.append(vector)
    ids, matrix = np.array(ids), np.stack(vectors)
    del vectors
    exact = [set(ids[np.argsort(-(matrix @ q))[:10]].tolist()) for q in queries]
    vectors_db = PgVectors(Database(args.database))
    print(machine(), f"; {len(ids):,} passages, {len(queries)} XQuAD questions as queries")
    product_ef = EF_SEARCH_LARGE if len(ids) >= LARGE_LIBRARY else EF_SEARCH
    print(f"{'ef_search':>9} {'recall@10':>9} {'p50 ms':>7} {'p95 ms':>7}")
    import retrieval.pg.vectors as pgv

    for ef in (40, 100, 200, 400, 800):
        pgv.EF_SEARCH = pgv.EF_SEARCH_LARGE = ef
        found, times = [], []
        for q in queries:
            started = time.perf_counter()
            hits = vectors_db.search(q, 10, [None])
            times.append((time.perf_counter() - started) * 1000)
            found.append({pid for pid, _ in hits})
        recall = np.mean([len(f & e) / 10 for f, e in zip(found, exact)])
        marker = "  <- product" if ef == product_ef else ""
        print(f"{ef:>9} {recall:>9.3f} {np.percentile(times, 50):>7.2f} {np.percentile(times, 95):>7.2f}{marker}",
              flush=True)


# --- graph ------------------------------------------------------------------------------
def cmd_graph(args: argparse.Namespace) -> None:
    """HNSW alone on synthetic vectors: each real passage vector of the library and copies of it
    moved by ``noise`` (copies of one passage have cosine about 1/(1+noise²) with each other),
    in a side table; build time and memory, then recall@10 against exact by ef_search."""
    conn = psycopg.connect(args.database, autocommit=True)
    register_vector(conn)
    real = np.stack([v for (v,) in conn.execute("SELECT embedding FROM passages WHERE embedding IS NOT NULL"
                                                " ORDER BY id LIMIT %s", (args.base,), binary=True).fetchall()])
    copies = -(-args.size // len(real))
    rng = np.random.default_rng(0)
    matrix = np.concatenate([real] + [_moved(real, args.noise, rng) for _ in range(copies - 1)])[: args.size]
    conn.execute("DROP TABLE IF EXISTS bench_vectors")
    conn.execute(f"CREATE UNLOGGED TABLE bench_vectors (id bigint PRIMARY KEY, embedding vector({real.shape[1]}))")
    with conn.cursor() as cursor, cursor.copy("COPY bench_vectors FROM STDIN (FORMAT BINARY)") as out:
        out.set_types(["int8", "vector"])
        for number, vector in enumerate(matrix):
            out.write_row((number, vector))
    conn.execute("VACUUM ANALYZE bench_vectors")
    peak = _build_hnsw(conn, args.memory, table="bench_vectors")
    size = conn.execute("SELECT pg_size_pretty(pg_relation_size('bench_embedding'))").fetchone()[0]
    made = (f" and copies moved by noise {args.noise} (a copy's cosine with its original about"
            f" {1 / np.sqrt(1 + args.noise ** 2):.2f})") if copies > 1 else " only"
    print(machine(), f"; {len(matrix):,} vectors: {len(real):,} real passage vectors{made}")
    print(f"HNSW (m {HNSW_M}, ef_construction {HNSW_EF_CONSTRUCTION}) built in {peak['seconds']:.0f} s,"
          f" server RSS at most {peak['rss_mb']:.0f} MB; index {size}")
    _recall_table(conn, matrix, args.queries)
    conn.execute("DROP TABLE bench_vectors")


def _moved(vectors: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    moved = vectors + noise * rng.standard_normal(vectors.shape).astype(np.float32) / np.sqrt(vectors.shape[1])
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def _recall_table(conn: psycopg.Connection, matrix: np.ndarray, queries: int) -> None:
    from retrieval.embed import make_encoder

    encoder = make_encoder(load_settings(data_dir=Path(tempfile.gettempdir())))
    questions = [json.loads(line)["question"] for line in (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()]
    query_vectors = encoder.encode(questions[:queries])
    exact = [set(np.argsort(-(matrix @ q))[:10].tolist()) for q in query_vectors]
    print(f"{'ef_search':>9} {'recall@10':>9} {'p50 ms':>7} {'p95 ms':>7}")
    product_ef = EF_SEARCH_LARGE if len(matrix) >= LARGE_LIBRARY else EF_SEARCH
    for ef in (40, 100, 200, 400, 800):
        found, times = [], []
        for q in query_vectors:
            started = time.perf_counter()
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
                rows = conn.execute("SELECT id FROM bench_vectors ORDER BY embedding <=> %s LIMIT 10", (q,)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
            found.append({r[0] for r in rows})
        recall = np.mean([len(f & e) / 10 for f, e in zip(found, exact)])
        marker = "  <- product" if ef == product_ef else ""
        print(f"{ef:>9} {recall:>9.3f} {np.percentile(times, 50):>7.2f} {np.percentile(times, 95):>7.2f}{marker}",
              flush=True)


# --- processes --------------------------------------------------------------------------
async def _round(env: dict, questions: list[str], per_process: int) -> dict:
    from tests.bot.fake_discord import GUILD_ID, OTHER_GUILD_ID, FakeDiscord

    fake = FakeDiscord()
    await fake.start()
    env = {**env, "NEWSBOT_DISCORD_API_BASE": fake.api_base}
    logs = tempfile.mkdtemp()
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--shard-count", "2", "--shard-ids", str(shard), cwd=PROJECT_ROOT,
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=open(Path(logs) / f"{shard}.log", "w")) for shard in (0, 1)]
    try:
        await asyncio.wait_for(fake.ready.wait(), 120)
        while not fake.commands:
            await asyncio.sleep(0.05)
        for guild in (GUILD_ID, OTHER_GUILD_ID):  # a first question warms each process
            token = await fake.slash("ask", guild=guild, question="warm up")
            while token not in fake.replies:
                await asyncio.sleep(0.02)
        started = time.perf_counter()
        tokens = [await fake.slash("ask", guild=guild, question=f"{questions[n]} ({guild[-1]})")
                  for n in range(per_process) for guild in (GUILD_ID, OTHER_GUILD_ID)]
        replied: dict[str, float] = {}
        while len(replied) < len(tokens):
            now = time.perf_counter() - started
            replied.update({t: now for t in tokens if t in fake.replies and t not in replied})
            await asyncio.sleep(0.005)
        took = max(replied.values())
        replies = [fake.replies[t] for t in tokens]
        answered = sum(1 for r in replies if r["embeds"] and r["embeds"][0].get("fields"))
        busy = sum(1 for r in replies if "ask again in a moment" in (r.get("content") or ""))
        rss = max(_peak_rss_mb(process.pid) for process in processes)
        waits = np.array(list(replied.values())) * 1000
        return {"seconds": took, "answered": answered, "busy": busy, "asked": len(tokens),
                "p50": np.percentile(waits, 50), "p95": np.percentile(waits, 95), "rss_mb": rss}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await process.wait()
        await fake.stop()


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def cmd_processes(args: argparse.Namespace) -> None:
    questions = [json.loads(line)["question"] for line in (EVAL / "xquad" / "questions.jsonl").read_text().splitlines()]
    base = {**os.environ, "HF_HUB_OFFLINE": "1", "DISCORD_TOKEN": "fake-token", "NEWSBOT_COOLDOWN_SECONDS": "0",
            "NEWSBOT_FEED_CHECK_SECONDS": "0", "NEWSBOT_DEV_GUILD_ID": "900000000000000002",
            "NEWSBOT_DATA_DIR": str(args.data_dir)}
    print(machine(), f"; 2 bot processes (shards 0 and 1 of 2), {args.questions} questions each sent at once")
    print(f"{'library':<12} {'questions':>9} {'answered':>8} {'no answer':>9} {'busy':>4} {'all replied s':>13}"
          f" {'reply p50 ms':>12}"
          f" {'reply p95 ms':>12} {'process peak MB':>15}")
    for name, url in (("postgresql", args.database), ("embedded", None)):
        env = dict(base)
        if url:
            env["NEWSBOT_DATABASE_URL"] = url
        else:
            env.pop("NEWSBOT_DATABASE_URL", None)
        result = asyncio.run(_round(env, questions, args.questions))
        unanswered = result["asked"] - result["answered"] - result["busy"]
        print(f"{name:<12} {result['asked']:>9} {result['answered']:>8} {unanswered:>9} {result['busy']:>4}"
              f" {result['seconds']:>13.2f}"
              f" {result['p50']:>12.0f} {result['p95']:>12.0f} {result['rss_mb']:>15.0f}", flush=True)


def _command(sub, name: str, memory: bool = False, queries: bool = False) -> argparse.ArgumentParser:
    """A subcommand taking the database's URI, and the index builds' memory or the query count."""
    parser = sub.add_parser(name)
    parser.add_argument("--database", required=True)
    if memory:
        parser.add_argument("--memory", default="3GB", help="maintenance_work_mem for the index builds")
    if queries:
        parser.add_argument("--queries", type=int, default=200)
    return parser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _command(sub, "ingest").add_argument("--files", type=int, default=300)
    _command(sub, "clone", memory=True).add_argument("--copies", type=int, default=116)
    _command(sub, "build", memory=True)
    _command(sub, "recall", queries=True)
    p = _command(sub, "graph", memory=True, queries=True)
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--base", type=int, default=10_000, help="real passage vectors to start from")
    p.add_argument("--noise", type=float, default=1.0)
    p = _command(sub, "processes")
    p.add_argument("--data-dir", type=Path, required=True, help="the same library, embedded")
    p.add_argument("--questions", type=int, default=50)
    args = parser.parse_args()
    commands = {"ingest": cmd_ingest, "clone": cmd_clone, "build": cmd_build, "graph": cmd_graph,
                "recall": cmd_recall, "processes": cmd_processes}
    commands[args.command](args)


if __name__ == "__main__":
    main()
