"""Evaluating answers on JSONL question sets.

Each line is a question with one of:
- ``expect``: strings, at least one of which must appear in a top-3 passage (or, for a question
  about the articles themselves, in what their citations say);
- ``expect_none``: true when the right reply is "no answer";
- ``gold_urls``: the urls of the articles that answer it (hit@1/3/5 and MRR@10, article level).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import BadInputError
from retrieval.records import Answer, Hit
from retrieval.search import Mode, Searcher, SearchOptions

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
    threshold: float = 0.0
    answerable: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, gold in top 3)
    unanswerable: list[float] = field(default_factory=list)  # confidence with the gold removed
    without_gold: int = 0  # questions asked again with their gold articles excluded (--without-gold)
    without_gold_refused: int = 0  # ... that got "not in the library"
    confidently_wrong: int = 0  # ... answered, the correct answer in no passage shown

    def answered_quality(self, threshold: float | None = None) -> tuple[float, float, float]:
        """Precision and recall of ``answered`` on the answerability set, and the share of
        unanswerable twins that were answered (a confident wrong answer).

        Answerable: each gold-url question, correct when a gold article is in the top 3.
        Unanswerable: the same question with its gold articles taken out of the results.
        """
        t = self.threshold if threshold is None else threshold
        if not self.answerable:
            return 0.0, 0.0, 0.0
        correct = sum(ok for c, ok in self.answerable if c >= t)
        wrong = sum(c >= t for c in self.unanswerable)
        answered = sum(c >= t for c, _ in self.answerable) + wrong
        return (correct / answered if answered else 1.0, correct / len(self.answerable),
                wrong / len(self.unanswerable))

    def answered_share(self, threshold: float | None = None) -> float:
        """Share of the gold-url (answerable) questions that get an answer rather than "no answer"."""
        t = self.threshold if threshold is None else threshold
        return sum(c >= t for c, _ in self.answerable) / len(self.answerable) if self.answerable else 0.0

    def merged(self, other: EvalResult) -> EvalResult:
        """The scores of both question sets together (same mode)."""
        total = EvalResult(mode=self.mode, threshold=self.threshold)
        for f in dataclasses.fields(self):
            if f.name in ("mode", "threshold"):
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            setattr(total, f.name, {k: mine[k] + theirs[k] for k in mine} if isinstance(mine, dict)
                    else mine + theirs)
        return total

    def without_gold_shares(self) -> tuple[float, float]:
        """With the gold articles excluded: the share refused and the share confidently wrong."""
        if not self.without_gold:
            return 0.0, 0.0
        return self.without_gold_refused / self.without_gold, self.confidently_wrong / self.without_gold

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
        precision, recall, wrong = self.answered_quality()
        return {"answered": round(self.answered_share(), 4), "answered_precision": round(precision, 4),
                "answered_recall": round(recall, 4),
                "unanswerable_answered": round(wrong, 4),"mode": self.mode, "questions": self.questions,
                "expect": [self.expect_passed, self.expect_total],
                "expect_none": [self.none_passed, self.none_total], "ranked": self.ranked,
                "hit@1": round(self.hit_at(1), 4), "hit@3": round(self.hit_at(3), 4),
                "hit@5": round(self.hit_at(5), 4), "mrr@10": round(self.mrr, 4),
                "without_gold_refused": round(self.without_gold_shares()[0], 4),
                "confidently_wrong": round(self.without_gold_shares()[1], 4),
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


def split_questions(questions: list[dict], at: str | None) -> list[tuple[str, list[dict]]]:
    """The questions as named parts: all of them, or those whose id sorts before ``at`` and the rest.

    Raises:
        BadInputError: a part would be empty, or a question has no id.
    """
    if at is None:
        return [("all questions", questions)]
    if any("id" not in q for q in questions):
        raise BadInputError('--split-at needs an "id" on every question')
    before = [q for q in questions if str(q["id"]) < at]
    after = [q for q in questions if str(q["id"]) >= at]
    if not before or not after:
        raise BadInputError(f"--split-at {at}: every question falls on one side")
    return [(f"ids before {at}", before), (f"ids from {at}", after)]


def evaluate(searcher: Searcher, questions: list[dict], mode: Mode, base: SearchOptions,
             progress: Callable[[int], None] | None = None, *, without_gold: bool = False) -> EvalResult:
    """Run every question in one search mode and score the answers.

    ``without_gold``: each question with gold articles is also asked with them excluded (a filter:
    the library as it would be without them), the reply shown as the product shows it; counted are
    the refusals and the confidently wrong answers (answered, but the question's ``answer`` text is
    in no passage shown)."""
    result = EvalResult(mode=mode, threshold=base.min_score)
    product = dataclasses.replace(base, mode=mode)  # answers as the product shows them (highlighted, grouped)
    # 20 passages, at most 2 per article: at least 10 articles, in the order the product ranks them
    rank_opts = dataclasses.replace(base, k=20, min_score=0.0, mode=mode, highlight=False, cutoff=0.0)
    for item in questions:
        result.questions += 1
        if item.get("gold_urls"):
            _score_ranking(result, searcher.ask(item["question"], asked_at(rank_opts, item)), item["gold_urls"])
            _score_answerability(result, searcher, item, product)
            if without_gold:
                _score_without_gold(result, searcher, item, product)
        else:
            _score_answer(result, item, searcher.ask(item["question"], asked_at(product, item)))
        if progress:
            progress(1)
    return result


def asked_at(options: SearchOptions, item: dict) -> SearchOptions:
    """The options of a question asked when its ``asked`` field says (an ISO day), if it says."""
    if not item.get("asked"):
        return options
    return dataclasses.replace(options, filters=dataclasses.replace(options.filters, as_of=str(item["asked"])[:10]))


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


def _score_answerability(result: EvalResult, searcher: Searcher, item: dict, product: SearchOptions) -> None:
    """The confidence of the answer as the product computes it, with and without the gold articles
    (the second from the same results with the gold ones left out)."""
    question, gold = item["question"], set(item["gold_urls"])
    answer = searcher.ask(question, asked_at(dataclasses.replace(product, min_score=0.0), item))
    correct = any(link in gold for hit in answer.hits[:3] for link in _links(hit))
    result.answerable.append((answer.confidence, correct))
    result.unanswerable.append(searcher.certainty(question, [h for h in answer.hits if not gold & set(_links(h))]))


def _links(hit: Hit) -> list[str]:
    """The links a result cites: its article's and those of the articles "also reported by"."""
    return [hit.article.link, *(article.link for article in hit.also_reported_by)]


def _score_without_gold(result: EvalResult, searcher: Searcher, item: dict, options: SearchOptions) -> None:
    filters = dataclasses.replace(options.filters, exclude=tuple(item["gold_urls"]))
    answer = searcher.ask(item["question"], asked_at(dataclasses.replace(options, filters=filters), item))
    result.without_gold += 1
    if not answer.answered:
        result.without_gold_refused += 1
        return
    expected = str(item.get("answer") or "").lower()
    if not expected or not any(expected in hit.text.lower() for hit in answer.hits):
        result.confidently_wrong += 1


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
    texts = [*answer.article_facts, *(h.text for h in answer.hits[:3])]  # a byline question: its citations
    if answer.answered and any(e in t for e in expected for t in texts):
        result.expect_passed += 1
    else:
        why = "no answer" if not answer.answered else "not in the top 3"
        result.failures.append(f"{label}: expected {expected!r}: {why}")


def results_table(results: list[EvalResult]) -> str:
    """A plain-text table of results, one row per mode."""
    gold_out = any(r.without_gold for r in results)
    header = (f"{'mode':<11} {'questions':>9} {'expect':>9} {'no-answer':>9} {'hit@1':>6} {'hit@3':>6} "
              f"{'hit@5':>6} {'MRR@10':>7} {'answered':>8} {'ans.prec':>8} {'ans.rec':>7}"
              + (f" {'w/o gold: refused':>17} {'conf. wrong':>11}" if gold_out else ""))
    lines = [header, "-" * len(header)]
    for r in results:
        precision, recall, _ = r.answered_quality()
        measured = any(c for c, _ in r.answerable)  # baselines give no confidence to measure
        quality = (f"{r.answered_share():>8.3f} {precision:>8.3f} {recall:>7.3f}" if measured
                   else f"{'n/a':>8} {'n/a':>8} {'n/a':>7}")
        lines.append(
            f"{r.mode:<11} {r.questions:>9} {f'{r.expect_passed}/{r.expect_total}':>9} "
            f"{f'{r.none_passed}/{r.none_total}':>9} {r.hit_at(1):>6.3f} {r.hit_at(3):>6.3f} "
            f"{r.hit_at(5):>6.3f} {r.mrr:>7.3f} {quality}"
            + (f" {r.without_gold_shares()[0]:>17.3f} {r.without_gold_shares()[1]:>11.3f}"
               if gold_out and r.without_gold else f" {'n/a':>17} {'n/a':>11}" if gold_out else "")
        )
    return "\n".join(lines)
