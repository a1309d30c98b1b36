"""The same sentence-transformers weights run through ONNX Runtime with int8 weights.

The model is exported once from its local folder (``torch.onnx``), its weights quantised
per channel to int8 (``onnxruntime.quantization``, dynamic: int8 weights, uint8 activations,
which AVX-512 VNNI runs fast), and cached in the data directory. Texts are tokenised with the
model's own ``tokenizer.json``, sorted by length to avoid padding, mean-pooled and normalised,
as the sentence-transformers pipeline does. Only models with mean pooling are supported;
others use the torch backend.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import NewsbotError
from retrieval.pooling import Span, normalise, pool_spans

logger = logging.getLogger(__name__)

ONNX_FILE = "model.int8.onnx"
ONNX_BATCH = 4  # texts per run (length-sorted); 4 beat 8 by 5-12% and 2 or 12 on ingest batches
EXPORT_VERSION = "2"  # part of the cache key: a changed export is made again


class OnnxUnavailable(NewsbotError):
    """The model cannot run on ONNX Runtime (missing package, unsupported pooling, failed export)."""


def cache_key(model_dir: Path) -> str:
    """A key that changes when the weights, the runtime or the way we export change."""
    import onnxruntime

    weights = sorted(p for p in model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    parts = [str(model_dir.resolve()), onnxruntime.__version__, EXPORT_VERSION]
    parts += [f"{p.name}:{p.stat().st_size}" for p in weights]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def check_mean_pooling(model_dir: Path) -> int:
    """The model's max sequence length; refuse models that do not mean-pool.

    Raises:
        OnnxUnavailable: the pooling is not mean pooling.
    """
    pooling = model_dir / "1_Pooling" / "config.json"
    mode = json.loads(pooling.read_text()) if pooling.exists() else {}
    # sentence-transformers writes the mode as a flag, or (from version 6, e.g. adapted models) by name
    if not (mode.get("pooling_mode_mean_tokens") or mode.get("pooling_mode") == "mean"):
        raise OnnxUnavailable(f"{model_dir} does not use mean pooling; use NEWSBOT_BACKEND=torch")
    config = model_dir / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.exists() else 256


def export_int8(model_dir: Path, target: Path) -> None:
    """Export the transformer to ONNX and quantise it to int8, written atomically to ``target``."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    class Encoder(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: D102
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    # eager attention exports as plain MatMul/Softmax: about 10% faster on ONNX Runtime than the
    # default SDPA path, which adds NaN guards (IsNaN/Where) around every attention
    model = Encoder(AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                              attn_implementation="eager").eval())
    sample = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)(
        ["a sample sentence", "another"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantiser logs every tensor on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _export(model, sample, names, axes, target)
    finally:
        root.setLevel(level)


def _export(model, sample, names: list[str], axes: dict, target: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain = Path(tmp) / "model.onnx"
        with torch.no_grad():
            torch.onnx.export(model, tuple(sample[n] for n in names), str(plain), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
                              dynamo=False)
        quantised = Path(tmp) / ONNX_FILE
        quantize_dynamic(str(plain), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(quantised, target)


def _session(path: Path):
    """A one-thread ONNX Runtime CPU session whose idle thread never spins.

    Batches run on it from one Python thread per core at once (ONNX Runtime allows concurrent
    runs): for small batches this beats one session with a thread per core by about 25% on
    our machines, and a question (a dozen word pieces, as fast on one thread) leaves the other
    core to the search steps that follow.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """The :class:`~retrieval.embed.Encoder` protocol on ONNX Runtime, int8."""

    def __init__(self, name: str, model_dir: Path, cache_dir: Path, batch_size: int = 32,
                 dim: int | None = None) -> None:
        """Prepare (not load) the model.

        Args:
            name: the identity recorded in the index manifest.
            model_dir: the sentence-transformers model folder.
            cache_dir: where the exported model is kept.
            batch_size: texts per run, at most :data:`ONNX_BATCH` (small batches of similar
                length waste little on padding and stay in the CPU caches).
            dim: the known dimension, to avoid loading the model just to ask it.
        """
        self.name = name
        self.model_dir = model_dir
        self.cache_dir = cache_dir
        self.batch_size = max(1, min(batch_size, ONNX_BATCH))
        self._dim = dim
        self._session: Any = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cores = os.cpu_count() or 1  # asked once: the call reads /sys (about 40 us)

    @property
    def dim(self) -> int:
        """The vector dimension."""
        if self._dim is None:
            self._dim = int(self.encode(["dimension"]).shape[1])
        return self._dim

    def _load(self):
        """The session and the tokenizer (exporting the model the first time)."""
        with self._lock:
            if self._session is None:
                path, self._tokenizer = self._prepare()
                self._session = _session(path)
            return self._session, self._tokenizer

    def _prepare(self) -> tuple[Path, object]:
        """Export the model once if needed; the model file and the tokenizer."""
        try:
            import onnxruntime  # noqa: F401
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxUnavailable(f"onnxruntime is not installed: {exc}") from None
        max_length = check_mean_pooling(self.model_dir)
        target = self.cache_dir / cache_key(self.model_dir) / ONNX_FILE
        if not target.exists():
            logger.info("preparing the model %s for fast CPU inference (ONNX int8): once per user and model,"
                        " about 15 s and 1 GB of memory, kept in %s", self.name.split("+")[0], target.parent)
            started = time.perf_counter()
            try:
                export_int8(self.model_dir, target)
            except Exception as exc:  # export failures come in many kinds; the torch backend remains
                shutil.rmtree(target.parent, ignore_errors=True)
                raise OnnxUnavailable(f"cannot export the model to ONNX: {exc}") from None
            logger.info("model prepared in %.1f s", time.perf_counter() - started)
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding()
        return target, tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts as L2-normalised float32 vectors, shape (len(texts), dim)."""
        return self.encode_with_spans(texts, None)[0]

    def encode_with_spans(self, texts: list[str], spans: list[list[Span]] | None
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed texts, and pool each text's token states over its character spans.

        Args:
            texts: the texts.
            spans: per text, character spans to pool (see
                :func:`retrieval.sentence_vectors.pool_spans`); None for text vectors only.

        Returns:
            (len(texts), dim) normalised vectors, and per text one normalised row per span
            (empty list when ``spans`` is None).
        """
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32), []
        session, tokenizer = self._load()
        if spans is None and len(texts) == 1:  # a question: no sorting, batching or padding
            return self._one(session, tokenizer, texts[0]), []
        order = np.argsort([len(t) for t in texts], kind="stable")
        cores = self._cores
        size = min(self.batch_size, -(-len(texts) // cores))  # a few texts are shared out too
        batches = [order[start:start + size] for start in range(0, len(texts), size)]

        def run(batch: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
            encoded = tokenizer.encode_batch([texts[i] for i in batch])
            hidden, vectors = self._run(session, encoded)
            if spans is None:
                return vectors, []
            return vectors, [pool_spans(hidden[row], encoded[row].offsets, spans[i]) for row, i in enumerate(batch)]

        if len(batches) == 1:
            results = [run(batches[0])]
        elif len(batches) <= cores:  # a question's few texts: threads kept ready, never behind an import
            results = list(self._workers(cores).map(run, batches))
        else:  # an import's many batches, one per core at once, in threads of its own
            with ThreadPoolExecutor(cores, thread_name_prefix="newsbot-embed") as pool:
                results = list(pool.map(run, batches))
        out = np.empty((len(texts), results[0][0].shape[1]), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros(0)] * len(texts) if spans is not None else []
        for batch, (vectors, rows) in zip(batches, results):
            out[batch] = vectors
            for index, row in zip(batch, rows):
                pooled[index] = row
        return out, pooled

    def _workers(self, cores: int) -> ThreadPoolExecutor:
        """Threads that run a few batches side by side, started once (a pool per call cost 0.3-0.8 ms)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(cores, thread_name_prefix="newsbot-embed")
            return self._pool

    @staticmethod
    def _one(session, tokenizer, text: str) -> np.ndarray:
        """One text's normalised vector, shape (1, dim) (a quarter of a millisecond less
        Python around the model run than a batch of one)."""
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0]
        pooled = hidden[0].sum(axis=0)  # the mean's direction; two calls rather than six
        return (pooled / max(float(np.sqrt(pooled @ pooled)), 1e-12)).reshape(1, -1)

    @staticmethod
    def _run(session, encoded: list) -> tuple[np.ndarray, np.ndarray]:
        """Token states (batch, tokens, dim) and mean-pooled normalised vectors of a batch."""
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return hidden, normalise(pooled)
