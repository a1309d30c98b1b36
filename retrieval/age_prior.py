"""The age prior: older reporting of a subject loses a little, as the asker could have read it.

Ages count from the newest article of the question's own scopes published by the time it was
asked: one server's upload never moves another server's ranking, and an archive asked about
today does not decay. A question that leans (:func:`retrieval.question_time.time_lean`) changes
the prior: "the latest on …" doubles it (:data:`RECENT_LEAN`); "first reports" turns it round,
counting forward from the subject's earliest day. What the lean took off beyond the usual prior
is returned too, so the answer model can read the usual scores (it was fitted on them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from retrieval.library import Store
from retrieval.rank import recency_prior

RECENT_LEAN = 2.0  # the prior's weight times this for "the latest on …", "recently" (docs/quality.md)
EARLY_SHARE = 0.7  # "initially", "first reports": the earliest day among candidates this close to the best
Ranked = list[tuple[int, float]]


def day_of(iso: str) -> dt.date:
    """An ISO day as a date (articles' dates are stored as YYYY-MM-DD)."""
    return dt.date.fromisoformat(iso[:10])


class AgePrior:
    """The age prior over one library's candidates (its newest day remembered per library version)."""

    def __init__(self, store: Store) -> None:
        """Read dates from ``store``."""
        self.store = store
        self._newest: dict[tuple, tuple[tuple, dt.date | None]] = {}  # (scopes, until) -> (version, day)

    def apply(self, ranked: Ranked, *, weight: float, days: float, lean: str, as_of: str, version: tuple,
              scopes: Sequence[int | None]) -> tuple[Ranked, dict[int, float]]:
        """The candidates with the prior taken off, best first, and what a lean took off each beyond
        the usual prior (empty without a lean).

        Args:
            ranked: (passage id, score) pairs.
            weight: the most an old report loses (0: no prior).
            days: how fast the loss grows (see :func:`retrieval.rank.recency_prior`).
            lean: "recent", "early" or anything else (none).
            as_of: the asking day (ISO; "" is today).
            version: the library's version (the newest day is remembered per version).
            scopes: the servers searched (None is the global library).
        """
        if weight <= 0 or not ranked:
            return ranked, {}
        usual = self._aged(ranked, weight, days, as_of, version, scopes)
        if lean == "recent":
            leaned = self._aged(ranked, weight * RECENT_LEAN, days, as_of, version, scopes)
        elif lean == "early":
            leaned = self._earliest_first(ranked, weight, days)
        else:
            return usual, {}
        scores = dict(usual)
        return leaned, {pid: scores[pid] - score for pid, score in leaned}

    def newest_day(self, version: tuple, scopes: Sequence[int | None], until: str) -> dt.date | None:
        """The newest article's day of the scopes, at most ``until`` (""; none), once per library version."""
        key = (tuple(sorted({g or 0 for g in scopes})), until)
        known = self._newest.get(key)
        if known is None or known[0] != version:
            newest = self.store.newest_date(scopes, until)
            if len(self._newest) > 1024:
                self._newest.clear()
            known = self._newest[key] = (version, day_of(newest) if newest else None)
        return known[1]

    def _aged(self, ranked: Ranked, weight: float, days: float, as_of: str, version: tuple,
              scopes: Sequence[int | None]) -> Ranked:
        """The candidates less ``weight`` times the prior counted back from the newest day."""
        newest = self.newest_day(version, scopes, as_of or dt.date.today().isoformat())
        if newest is None:
            return ranked
        dates = self.store.passage_dates([pid for pid, _ in ranked])
        ages = {pid: (newest - day_of(date)).days for pid, date in dates.items()}
        return recency_prior(ranked, ages, weight, days)

    def _earliest_first(self, ranked: Ranked, weight: float, days: float) -> Ranked:
        """The prior turned round for a question asking for the first reporting ("initially"): ages
        count forward from the earliest day among the candidates within :data:`EARLY_SHARE` of the
        best, so the subject's first reports lose nothing and later ones up to ``weight``."""
        dates = self.store.passage_dates([pid for pid, _ in ranked])
        floor = ranked[0][1] * EARLY_SHARE
        relevant = [day_of(dates[pid]) for pid, score in ranked if score >= floor and pid in dates]
        if not relevant:
            return ranked
        first = min(relevant)
        later = {pid: (day_of(date) - first).days for pid, date in dates.items()}
        return recency_prior(ranked, later, weight, days)
