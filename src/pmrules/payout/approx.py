"""Every group's multiplier and component scores in float, each with a bound on its distance from the exact value.

The bonus product and the CSV text of multipliers and scores are decided in float; rows where the
float could fall on the wrong side of a rounding boundary go back to the exact values. The bounds
here are what makes "could" precise: a float converted from an exact value is within U x |value|,
a sum of k products within about (k + 2) U x the sum of their magnitudes; the bounds below allow
four times that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pmrules.payout.decimals import TINY, U, exact_bound

if TYPE_CHECKING:
    from pmrules.payout.compute import Group


@dataclass(frozen=True)
class GroupApprox:
    """Per group (in run.groups order): float multiplier and scores, NaN where there is none."""

    paid: np.ndarray
    multiplier: np.ndarray
    multiplier_bound: np.ndarray
    scores: dict[str, np.ndarray]

    def score_bound(self, component: str) -> np.ndarray:
        return exact_bound(self.scores[component])


def group_approx(groups: Sequence[Group]) -> GroupApprox:
    """The same floats as Group.multiplier_float, for all groups at once, with their bounds."""
    n = len(groups)
    paid = np.fromiter((g.status == "paid" for g in groups), dtype=bool, count=n)
    first: dict[str, Group] = {}
    for g in groups:
        first.setdefault(g.plan.id, g)
    components = list(dict.fromkeys(c for g in first.values() for c in g.scores))
    scores = {c: np.array([np.nan if (s := g.scores.get(c)) is None else float(s) for g in groups], dtype=np.float64)
              for c in components}
    value = np.full(n, np.nan)
    bound = np.full(n, np.nan)
    plan_of = np.array([g.plan.id for g in groups], dtype=object)
    for plan_id, g in first.items():
        rows = np.flatnonzero((plan_of == plan_id) & paid)
        if not len(rows):
            continue
        plan = g.plan
        if g.form is not None:  # a formula or rounding steps: the exact multiplier, once per group
            exact = np.array([float(groups[i].multiplier) for i in rows.tolist()], dtype=np.float64)  # type: ignore[arg-type]
            value[rows], bound[rows] = exact, exact_bound(exact)
            continue
        order = list(g.scores)  # the order Group.multiplier_float adds or multiplies in
        if plan.combine == "multiply":
            acc = np.ones(len(rows))
            for c in order:  # a missing score is left out, as Group.multiplier_float does
                score = scores[c][rows]
                acc = acc * np.where(np.isnan(score), 1.0, score)
            size = np.abs(acc)
        else:
            acc = np.zeros(len(rows))
            size = np.zeros(len(rows))
            for c in order:
                score = scores[c][rows]
                term = np.where(np.isnan(score), 0.0, float(g.weights[c]) * score)
                acc = acc + term
                size = size + np.abs(term)
        error = 4 * (len(order) + 4) * U * size + TINY
        if plan.cap is not None:
            cap = float(plan.cap)
            acc = np.minimum(acc, cap)
            error = error + 4 * U * abs(cap)
        value[rows], bound[rows] = acc, error
    gated = paid & ~np.fromiter((bool(g.gates_passed) for g in groups), dtype=bool, count=n)
    value[gated], bound[gated] = 0.0, 0.0
    return GroupApprox(paid, value, bound, scores)
