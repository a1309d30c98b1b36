"""Smoke runs of the benchmark scripts: they work end to end (timings are not asserted)."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT
from tests.conftest import MODEL_CACHE, need_eval_data

HOME = Path(tempfile.gettempdir()) / "newsbot-bench-home"  # tools may write caches under HOME


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600, env={"NEWSBOT_MODEL_CACHE_DIR": MODEL_CACHE, "PATH": "/usr/bin:/bin",
                                              "HOME": str(HOME)})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_ingest_speed_smoke():
    out = run("benchmarks/ingest_speed.py", str(need_eval_data("bbc-news", "bbc")), "--limit", "6",
              "--backends", "onnx-int8")
    assert "SentenceTransformer.encode" in out and "whole ingest, onnx-int8" in out


def test_query_latency_smoke(tmp_path):
    need_eval_data("xquad")
    library = tmp_path / "lib"
    run("-m", "bot.cli", "--data-dir", str(library), "list")  # seeds an empty library
    out = run("benchmarks/query_latency.py", "--library", f"onnx-int8={library}", "--questions", "5")
    assert "p50 ms" in out and "onnx-int8" in out and "model run alone" in out


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    library = tmp_path_factory.mktemp("bench") / "lib"
    run("-m", "bot.cli", "--data-dir", str(library), "list")  # seeds an empty library
    return library


def test_scale_recall_smoke(seeded):
    need_eval_data("xquad")
    out = run("benchmarks/scale.py", "recall", str(seeded), "--queries", "5")
    assert "recall@10" in out and "<- product" in out


def test_scale_memory_smoke():
    out = run("benchmarks/scale.py", "memory", "--sizes", "3000", "--exact-limit", "1000", "--dim", "32")
    assert "ivf-sq8" in out and "flat (exact)" in out


def test_scale_clone_and_startup_smoke(seeded, tmp_path):
    clone = tmp_path / "clone"
    out = run("benchmarks/scale.py", "clone", str(seeded), str(clone), "--passages", "30")
    assert "copies" in out
    out = run("benchmarks/startup.py", str(clone), "--runs", "1")
    assert "clone" in out and "33" in out  # 3 copies of the 11 seed passages


def test_load_smoke(seeded):
    need_eval_data("xquad")
    out = run("benchmarks/load.py", "--library", str(seeded), "--concurrent", "3", "--skip-on-loop")
    assert "in the worker pool" in out


def test_highlighter_smoke():
    need_eval_data("xquad")
    out = run("benchmarks/highlighter.py", "--limit", "8")
    assert "in context (product)" in out


def test_grouping_smoke(seeded):
    need_eval_data("xquad")
    out = run("benchmarks/grouping.py", "--library", str(seeded), "--limit", "4")
    assert "pairs that may be grouped" in out and "only while the result can still be shown" in out


def test_ask_while_importing_smoke(seeded):
    need_eval_data("xquad")
    need_eval_data("bbc-news", "bbc")
    out = run("benchmarks/ask_while_importing.py", "--library", str(seeded), "--articles", "3", "--gap", "0")
    assert "during the import" in out and "passages/s" in out


def test_cutoff_smoke(seeded, tmp_path):
    seed = next((PROJECT_ROOT / "seeds").glob("000_*.txt")).resolve()
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "a1", "question": "Where did the containers go?", "gold_urls": [str(seed)]})
                         + "\n" + json.dumps({"id": "b1", "question": "Who is Kim Jong Un meeting?",
                                               "gold_urls": [str(seed)]}) + "\n")
    out = run("benchmarks/cutoff.py", f"{seeded}={questions}", "--split-at", "b")
    assert "cut-off" in out and "ids before b" in out and out.count("gold shown") == 3


def test_feeds_smoke():
    out = run("benchmarks/feeds.py", "--feeds", "2", "--entries", "3")
    lines = out.splitlines()
    assert "first answer s" in lines[1] and lines[2].split()[:3] == ["2", "3", "6"]


def test_backends_smoke(seeded, pg_server, pg_url, tmp_path):
    need_eval_data("xquad")
    out = run("benchmarks/backends.py", "ingest", "--database", pg_url, "--files", "3")
    assert "embedded" in out and "postgresql" in out
    pg_server.psql('CREATE DATABASE "bench_clone";')
    cloned = pg_server.get_uri("bench_clone")
    run("-m", "bot.cli", "--data-dir", str(seeded), "migrate", "--to", cloned)
    out = run("benchmarks/backends.py", "clone", "--database", cloned, "--copies", "2", "--memory", "64MB")
    assert "HNSW built" in out
    out = run("benchmarks/backends.py", "recall", "--database", cloned, "--queries", "3")
    assert "<- product" in out
    out = run("benchmarks/backends.py", "processes", "--database", cloned, "--data-dir", str(seeded),
              "--questions", "2")
    assert "postgresql" in out and "embedded" in out


@pytest.mark.slow
def test_ask_during_upload_smoke(seeded):
    out = run("benchmarks/ask_during_upload.py", "--library", str(seeded), "--megabytes", "0.05", "--seconds", "1")
    assert out.count("question (2 uploads)") == 2 and "articles imported in the window" in out


def test_definition_questions_smoke(seeded):
    need_eval_data("xquad")
    out = run("benchmarks/definition_questions.py", "--data-dir", str(seeded))
    assert "questions of the form; the rule fires on" in out


def test_follows_scale_smoke():
    out = run("benchmarks/follows.py", "scale", "--questions", "50", "--articles", "10")
    assert "ms per new article" in out


@pytest.mark.slow
def test_stories_smoke():
    need_eval_data("ecbplus-dev")
    out = run("benchmarks/stories.py", "--grid", "threshold=0.3", "--halves", "1")
    assert "462 ECB+ dev articles" in out and "B3 F1" in out and "threshold 0.3" in out
    assert "rebuilt against the imports" in out and "on the other half, mean B3 F1" in out


@pytest.fixture(scope="module")
def t17_few(tmp_path_factory):
    """A library of the first 40 Timeline17 dev articles."""
    articles = need_eval_data("t17-dev", "articles.jsonl")
    folder = tmp_path_factory.mktemp("t17")
    few = folder / "few.jsonl"
    few.write_text("".join(articles.read_text().splitlines(keepends=True)[:40]))
    run("-m", "bot.cli", "--data-dir", str(folder / "t17"), "ingest", str(few), "--no-progress")
    return folder / "t17"


@pytest.mark.slow
def test_timelines_smoke(t17_few):
    out = run("benchmarks/timelines.py", str(t17_few), "--oracle")
    assert "pubcount baseline: date-F1" in out and "product: date-F1" in out
    assert "oracle sentences on the product's days" in out


@pytest.mark.slow
def test_time_lean_smoke(t17_few):
    out = run("benchmarks/time_lean.py", str(t17_few))
    assert "latest: mean age" in out and "read (lean)" in out
