"""Smoke runs of the benchmark scripts: they work end to end (timings are not asserted)."""

import subprocess
import sys

from config.settings import PROJECT_ROOT
from tests.conftest import MODEL_CACHE, need_eval_data


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600, env={"NEWSBOT_MODEL_CACHE_DIR": MODEL_CACHE, "PATH": "/usr/bin:/bin",
                                              "HOME": str(PROJECT_ROOT)})
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
    assert "p50 ms" in out and "onnx-int8" in out
