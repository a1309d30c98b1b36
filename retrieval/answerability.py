"""Whether the library answers a question: several signals, calibrated into a probability.

One score cannot tell "the library holds the answer" from "the library holds the topic": the best
passage of a story's older coverage is as close to the question as today's. The decision takes
four signals of the ranked results — the best passage's cosine to the question, the share of the
question's words in its article, its fused score (which carries the age prior and the question's
time window) and its margin over the next article — into a logistic model fitted by
``benchmarks/fit_answerability.py`` on questions asked with and without their answering article
(the tune half of rtqa-dev; the other half is only reported). Its output is the probability that
the answer is shown ("confidence 0.83"); the product answers from ``NEWSBOT_MIN_SCORE`` up.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.records import Hit

FEATURES = ("cosine", "coverage", "score", "margin")
MODEL_FILE = Path(__file__).with_name("answer_model.json")


def signals(hits: list[Hit], coverages: list[float]) -> list[float] | None:
    """The model's features for ranked hits (None when there is no hit): the best hit's cosine, the
    best article coverage of the question's words, the best fused score, and its margin over the
    best hit of another article. "Best" is on the model's scale (``Hit.evidence``), which may order
    the hits otherwise than the ranking did (a small library's keyword floor, a question's lean)."""
    if not hits:
        return None
    top = max(hits, key=_evidence)
    best = _evidence(top)
    other = max((_evidence(h) for h in hits if h.article.id != top.article.id), default=0.0)
    return [top.dense, max(coverages) if coverages else 0.0, best, best - other]


def _evidence(hit: Hit) -> float:
    """A hit's score on the scale the model was fitted on (see ``Hit.evidence``)."""
    return hit.score if hit.evidence is None else hit.evidence


@dataclass(frozen=True, slots=True)
class AnswerModel:
    """A logistic model over standardised :data:`FEATURES`."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    fitted_on: str = ""

    def probability(self, features: list[float] | None) -> float:
        """The probability that the answer is among the results (0 with no result)."""
        if features is None:
            return 0.0
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, features, self.means, self.scales))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        """The model saved at ``path`` (the one shipped with newsbot by default)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["weights"]), float(data["bias"]), tuple(data["means"]), tuple(data["scales"]),
                   str(data.get("fitted_on", "")))

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model as JSON (atomically)."""
        data: dict[str, Any] = {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                                "bias": round(self.bias, 6), "means": [round(m, 6) for m in self.means],
                                "scales": [round(s, 6) for s in self.scales], "fitted_on": self.fitted_on}
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)


def fit(features: np.ndarray, labels: np.ndarray, *, l2: float = 1.0, fitted_on: str = "") -> AnswerModel:
    """A logistic model fitted by Newton's method with an L2 penalty (features standardised first)."""
    means, scales = features.mean(axis=0), features.std(axis=0) + 1e-9
    z = np.c_[(features - means) / scales, np.ones(len(features))]
    w = np.zeros(z.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[-1, -1] = 0.0  # the bias is not penalised
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        step = np.linalg.solve(z.T @ (z * (p * (1 - p))[:, None]) + penalty, z.T @ (p - labels) + penalty @ w)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return AnswerModel(tuple(w[:-1].tolist()), float(w[-1]), tuple(means.tolist()), tuple(scales.tolist()), fitted_on)
