"""Evaluating answers on JSONL question sets.

Each line is a question with one of:
- ``expect``: strings, at least one of which must appear in a top-3 passage;
- ``expect_none``: true when the right reply is "no answer";
- ``gold_urls``: the urls of the articles that answer it (hit@1/3/5 and MRR@10, article level).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import BadInputError
from retrieval.models import Answer
from retrieval.search import SearchOptions, Searcher

MODES = ("hybrid", "dense", "keyword")


@dataclass(slots=True)
class EvalResult:
    """Scores of one search mode on one question set."""

    mode: str
    questions: int = 0
    expect_total: int = 0
    expect_passed: int = 0
    none_total: int = 0
    none_passed: int = 0
    ranked: int = 0
    hits: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 5: 0})
    reciprocal_ranks: float = 0.0
    failures: list[str] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        """Share of gold-url questions with a gold article in the top ``k``."""
        return self.hits[k] / self.ranked if self.ranked else 0.0

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the first gold article within the top 10."""
        return self.reciprocal_ranks / self.ranked if self.ranked else 0.0

    @property
    def passed(self) -> bool:
        """True when every expect and expect_none question passed."""
        return not self.failures

    def as_dict(self) -> dict:
        """The scores as JSON."""
        return {"mode": self.mode, "questions": self.questions,
                "expect": [self.expect_passed, self.expect_total],
                "expect_none": [self.none_passed, self.none_total], "ranked": self.ranked,
                "hit@1": round(self.hit_at(1), 4), "hit@3": round(self.hit_at(3), 4),
                "hit@5": round(self.hit_at(5), 4), "mrr@10": round(self.mrr, 4),
                "failures": self.failures}


def load_questions(path: Path) -> list[dict]:
    """Read a JSONL question file.

    Raises:
        BadInputError: a line is not a JSON object with a "question".
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read {path}: {exc}") from None
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise BadInputError(f'{path}:{number}: each line needs a "question" string')
        questions.append(item)
    return questions


def evaluate(searcher: Searcher, questions: list[dict], mode: str, base: SearchOptions,
             progress: Callable[[int], None] | None = None) -> EvalResult:
    """Run every question in one search mode and score the answers."""
    result = EvalResult(mode=mode)
    answer_opts = SearchOptions(k=3, max_per_article=base.max_per_article, min_score=base.min_score,
                                mode=mode, highlight=False)
    rank_opts = SearchOptions(k=10, max_per_article=1, min_score=0.0, mode=mode, highlight=False)
    for item in questions:
        result.questions += 1
        if item.get("gold_urls"):
            _score_ranking(result, searcher.ask(item["question"], rank_opts), item["gold_urls"])
        else:
            _score_answer(result, item, searcher.ask(item["question"], answer_opts))
        if progress:
            progress(1)
    return result


def _score_ranking(result: EvalResult, answer: Answer, gold: list[str]) -> None:
    result.ranked += 1
    links = list(dict.fromkeys(h.article.link for h in answer.hits))[:10]
    rank = next((i for i, link in enumerate(links, start=1) if link in set(gold)), None)
    if rank is None:
        return
    result.reciprocal_ranks += 1.0 / rank
    for k in result.hits:
        if rank <= k:
            result.hits[k] += 1


def _score_answer(result: EvalResult, item: dict, answer: Answer) -> None:
    label = item.get("id") or item["question"]
    if item.get("expect_none"):
        result.none_total += 1
        if not answer.answered:
            result.none_passed += 1
        else:
            result.failures.append(f"{label}: answered, but the library does not cover it")
        return
    expected = item.get("expect") or []
    if isinstance(expected, str):
        expected = [expected]
    result.expect_total += 1
    texts = [h.text for h in answer.hits[:3]]
    if answer.answered and any(e in t for e in expected for t in texts):
        result.expect_passed += 1
    else:
        why = "no answer" if not answer.answered else "not in the top 3"
        result.failures.append(f"{label}: expected {expected!r}: {why}")


def results_table(results: list[EvalResult]) -> str:
    """A plain-text table of results, one row per mode."""
    header = f"{'mode':<11} {'questions':>9} {'expect':>9} {'no-answer':>9} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR@10':>7}"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.mode:<11} {r.questions:>9} {f'{r.expect_passed}/{r.expect_total}':>9} "
            f"{f'{r.none_passed}/{r.none_total}':>9} {r.hit_at(1):>6.3f} {r.hit_at(3):>6.3f} "
            f"{r.hit_at(5):>6.3f} {r.mrr:>7.3f}"
        )
    return "\n".join(lines)
