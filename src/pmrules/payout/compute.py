"""Every bonus of a workspace: exact where it matters, vectorised where there are many.

The KPI values, scorecard scores and gates are few and computed exactly (Fractions). Employees
share a multiplier with everyone on the same plan, centre and rating (a *group*), so a million
employees need only thousands of multipliers. The per-employee product
base_salary x target_bonus_pct x proration x multiplier is done in NumPy; every product that lands
within a hair of a rounding boundary (a half quantum, or a whole one for `down`) is recomputed
exactly from the decimal text and the exact multiplier. So every bonus equals the exact rational
computation rounded once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues, evaluate_kpis
from pmrules.models import Employee, Gate, Manifest, Plan
from pmrules.payout.exact import exact
from pmrules.payout.limits import check_bonus_range
from pmrules.payout.period import Period
from pmrules.payout.rounding import PoolResult, allocate_pool, round_units, units_to_decimal
from pmrules.payout.scores import GateResult, ScoreResult, check_gate, score_card
from pmrules.rational import Fraction
from pmrules.rollup import roll_up
from pmrules.workspace import Actuals, Workspace
from pmrules.workspace.employees import NO_RATING, EmployeeTable
from pmrules.workspace.levels import measured_owner, nearest_at_level

COMPONENTS = ("corporate", "unit", "individual")


@dataclass(frozen=True)
class ScoreGateResult:
    """A gate on a component score or the total score (before the cap): a hurdle."""

    score: str
    value: Fraction
    min: Fraction | None
    max: Fraction | None
    passed: bool


@dataclass
class Group:
    """Employees on one plan, in one centre, with one individual score source: one multiplier."""

    plan: Plan
    center: str
    individual: str | None  # "rating N", an own scorecard's owner id, or None
    status: str = "paid"
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, Fraction | None] = field(default_factory=dict)
    score_sources: dict[str, str] = field(default_factory=dict)
    gates_passed: bool | None = None
    weights: dict[str, float | int] = field(default_factory=dict)
    score_gates: list[ScoreGateResult] = field(default_factory=list)

    @cached_property
    def combined(self) -> Fraction | None:
        if self.status != "paid":
            return None
        weights = self.weights
        scores = {c: s for c, s in self.scores.items() if s is not None}
        if self.plan.combine == "multiply":
            product = Fraction(1)
            for value in scores.values():
                product *= value
            return product
        return sum((exact(weights[c]) * s for c, s in scores.items()), Fraction(0))

    @cached_property
    def capped(self) -> bool:
        combined = self.combined
        return bool(combined is not None and self.gates_passed and self.plan.cap is not None
                    and combined > exact(self.plan.cap))

    @cached_property
    def multiplier(self) -> Fraction | None:
        """Exact: 0 if a gate fails, then min(combined, cap)."""
        if self.combined is None:
            return None
        if not self.gates_passed:
            return Fraction(0)
        return exact(self.plan.cap) if self.capped else self.combined  # type: ignore[arg-type]

    def multiplier_float(self) -> float:
        """The same multiplier from float scores: cheap, and within 1e-15 of the exact one."""
        if self.status != "paid":
            return np.nan
        if not self.gates_passed:
            return 0.0
        weights = self.weights
        scores = {c: float(s) for c, s in self.scores.items() if s is not None}
        if self.plan.combine == "multiply":
            value = float(np.prod(list(scores.values()))) if scores else 1.0
        else:
            value = sum(float(weights[c]) * s for c, s in scores.items())
        return min(value, float(self.plan.cap)) if self.plan.cap is not None else value


@dataclass
class EmployeePayout:
    """One employee's result, materialised on demand from the columns (explanations, JSON, tests)."""

    employee: Employee
    status: str
    reasons: list[str]
    scores: dict[str, Fraction | None]
    score_sources: dict[str, str]
    combined: Fraction | None
    gates_passed: bool | None
    capped: bool
    multiplier: Fraction | None
    days: int
    proration: Fraction
    exact_bonus: Fraction | None
    bonus: Decimal | None
    pooled: bool = False


@dataclass
class PayoutRun:
    table: EmployeeTable
    groups: list[Group]
    group_of: np.ndarray
    days: np.ndarray
    units: np.ndarray  # the bonus in quanta, where paid
    paid_mask: np.ndarray
    values: KpiValues
    scores: dict[tuple[str, str], ScoreResult]
    gates: dict[str, list[GateResult]]
    period: Period
    actuals: Actuals  # what the KPI values were computed from, for explanations
    quantum: Decimal
    mode: str
    exact_rows: int = 0
    pool: PoolResult | None = None

    def __len__(self) -> int:
        return len(self.table)

    def bonus_at(self, i: int) -> Decimal | None:
        return units_to_decimal(self.units[i], self.quantum) if self.paid_mask[i] else None

    def exact_bonus_at(self, i: int) -> Fraction | None:
        multiplier = self.groups[int(self.group_of[i])].multiplier
        return None if multiplier is None else _exact_bonus(self.table, i, int(self.days[i]), self.period, multiplier)

    def at(self, i: int) -> EmployeePayout:
        g = self.groups[int(self.group_of[i])]
        return EmployeePayout(
            self.table[i], g.status, list(g.reasons), dict(g.scores), dict(g.score_sources), g.combined,
            g.gates_passed, g.capped, g.multiplier, int(self.days[i]), Fraction(int(self.days[i]), self.period.days),
            self.exact_bonus_at(i), self.bonus_at(i), self.pool is not None and bool(self.paid_mask[i]))

    @cached_property
    def employees(self) -> list[EmployeePayout]:
        return [self.at(i) for i in range(len(self))]

    @property
    def paid(self) -> list[EmployeePayout]:
        return [p for p in self.employees if p.status == "paid"]

    @property
    def unpaid(self) -> list[EmployeePayout]:
        return [self.at(int(i)) for i in np.flatnonzero(~self.paid_mask)]

    @property
    def paid_count(self) -> int:
        return int(self.paid_mask.sum())

    @property
    def total(self) -> Decimal:
        return units_to_decimal(self.units[self.paid_mask].sum(), self.quantum)


def _exact_bonus(table: EmployeeTable, i: int, days: int, period: Period, multiplier: Fraction) -> Fraction:
    """base_salary x target_bonus_pct x proration x multiplier from the decimal text: the amount rounded once."""
    return (Fraction(table.salary_text[i].as_py()) * Fraction(table.pct_text[i].as_py())
            * Fraction(days, period.days) * multiplier)


def compute_payouts(ws: Workspace, catalog: Catalog, period: Period, employees: EmployeeTable, *,
                    actuals: Actuals | None = None, progress: Callable[[int], None] | None = None) -> PayoutRun:
    """Pay `employees` for `period` under the workspace's plans; `actuals` replace the workspace's (what-if).

    The period and the employees are arguments, not read from the workspace, so a caller can pay another
    period or another employee table (a subset, effective-dated segments) without copying the workspace.
    """
    m = ws.manifest
    table = employees
    actuals = roll_up(ws, catalog, ws.actuals if actuals is None else actuals)
    org = ws.organisation
    cards, plans, root = org.scorecards, org.plans, org.root
    owners = set(org.centers) | set(table.id_list())
    measured = {card.owner: [measured_owner(ws, card.owner, line) or card.owner for line in card.kpis]
                for card in m.scorecards}
    requests = {(who, line.kpi) for card in m.scorecards
                for who, line in zip(measured[card.owner], card.kpis, strict=True)}
    requests |= {(g.owner, g.kpi) for p in m.plans for g in p.gates
                 if g.owner in owners and g.kpi in catalog.kpis}  # type: ignore[misc]
    values = evaluate_kpis(catalog, actuals, sorted(requests))
    directions = {k: e.definition.direction for k, e in catalog.kpis.items()}
    scores: dict[tuple[str, str], ScoreResult] = {}

    by_curve: dict[tuple[str, tuple[float, float, float]], ScoreResult] = {}

    def score(owner: str, plan: Plan) -> ScoreResult | None:
        """A scorecard's score depends on the plan only through its curve: plans sharing a curve share it."""
        if owner not in cards:
            return None
        key = (owner, plan.id)
        if key not in scores:
            curve_key = (owner, (plan.curve.threshold, plan.curve.target, plan.curve.maximum))
            if curve_key not in by_curve:
                by_curve[curve_key] = score_card(cards[owner], plan, values, directions, measured[owner])
            scores[key] = by_curve[curve_key]
        return scores[key]

    gates = {p.id: [check_gate(g, values, owners, set(catalog.kpis)) for g in p.gates if g.score is None]
             for p in m.plans}
    group_of, keys = _group_keys(table, cards)
    shared: dict[tuple[str, str], Group] = {}
    def level_owner(center: str, level: str) -> str | None:
        return nearest_at_level(org, center, level)

    groups = [_score_group(plans[plan], center, individual, root, score, gates[plan], shared, level_owner)
              for plan, center, individual in keys]
    if progress is not None:
        progress(len(table) // 2)
    days = period.days_employed(table)
    paid_mask = np.array([g.status == "paid" for g in groups], dtype=bool)[group_of] if groups else \
        np.zeros(0, dtype=bool)
    units, exact_rows, pool = _units(m, table, period, days, groups, group_of, paid_mask)
    if progress is not None:
        progress(len(table) - len(table) // 2)
    return PayoutRun(table, groups, group_of, days, units, paid_mask, values, scores, gates, period, actuals,
                     Decimal(m.rounding.quantum), m.rounding.mode, exact_rows, pool)


def _units(m: Manifest, table: EmployeeTable, period: Period, days: np.ndarray, groups: list[Group],
           group_of: np.ndarray, paid_mask: np.ndarray) -> tuple[np.ndarray, int, PoolResult | None]:
    """Each bonus in quanta: the float product rounded once (exactly near a boundary), then pooled if asked."""
    quantum = Decimal(m.rounding.quantum)
    multipliers = np.array([g.multiplier_float() for g in groups], dtype=np.float64)

    def exact_bonus(i: int) -> Fraction:
        multiplier = groups[int(group_of[i])].multiplier
        assert multiplier is not None  # asked for paid employees only
        return _exact_bonus(table, i, int(days[i]), period, multiplier)

    if len(table):
        check_bonus_range(table, days, period.days, multipliers[group_of], paid_mask)
    with np.errstate(invalid="ignore"):
        approx = table.salary * table.pct * (days / period.days) * multipliers[group_of] / float(quantum)
    units, exact_rows = round_units(approx, paid_mask, quantum, m.rounding.mode, exact_bonus)
    if m.pool is None:
        return units, exact_rows, None
    paid = np.flatnonzero(paid_mask)
    shares, pool = allocate_pool([exact_bonus(int(i)) for i in paid], units[paid],
                                 table.ids.take(pa.array(paid)).to_pylist(), Decimal(m.pool.amount), quantum)
    units[paid] = shares
    return units, exact_rows, pool


def _group_keys(table: EmployeeTable, cards: Collection[str]) -> tuple[np.ndarray, list[tuple[str, str, str | None]]]:
    """Each employee's group index, and each group's (plan, centre, individual source)."""
    n = len(table)
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    plans = pc.dictionary_encode(table.plans)
    centers = pc.dictionary_encode(table.centers)
    plan_code = plans.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    center_code = centers.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    ratings, rating_code = np.unique(table.rating, return_inverse=True)
    key = (plan_code * len(centers.dictionary) + center_code) * len(ratings) + rating_code.astype(np.int64)
    own = pc.is_in(table.ids, value_set=pa.array(list(cards), pa.string())).to_numpy(zero_copy_only=False)
    key = np.where(own, -1 - np.arange(n, dtype=np.int64), key)  # an own scorecard is a group of one
    unique, first, group_of = np.unique(key, return_index=True, return_inverse=True)
    plan_names = plans.dictionary.to_pylist()
    center_names = centers.dictionary.to_pylist()
    keys: list[tuple[str, str, str | None]] = []
    for k, row in zip(unique.tolist(), first.tolist(), strict=True):
        plan, center = plan_names[plan_code[row]], center_names[center_code[row]]
        if k < 0:
            keys.append((plan, center, f"card:{table.ids[row].as_py()}"))
        else:
            rating = int(table.rating[row])
            keys.append((plan, center, None if rating == NO_RATING else f"rating:{rating}"))
    return group_of.astype(np.int64), keys


def _score_group(plan: Plan, center: str, individual: str | None, root: str,
                 score: Callable[[str, Plan], ScoreResult | None], gates: list[GateResult],
                 shared: dict[tuple[str, str], Group], level_owner: Callable[[str, str], str | None]) -> Group:
    """One group's component scores; the corporate, unit and level parts are shared by every rating in a centre."""
    weights = plan.components.weights()
    base = shared.get((plan.id, center))
    if base is None:
        base = Group(plan, center, None, weights=weights)
        for component in weights:
            if component in ("corporate", "unit"):
                _score_component(base, component, root if component == "corporate" else center, plan, score)
            elif component != "individual":  # a level: the nearest ancestor-or-self at it
                owner = level_owner(center, component)
                if owner is None:
                    base.reasons.append(f"{component} component: no centre at level '{component}' above '{center}'")
                    base.scores[component] = None
                else:
                    _score_component(base, component, owner, plan, score)
        base.reasons.extend(g.problem for g in gates if g.problem)
        shared[(plan.id, center)] = base
    group = Group(plan, center, individual, reasons=list(base.reasons), scores=dict(base.scores),
                  score_sources=dict(base.score_sources), weights=weights)
    if "individual" in weights:
        if individual is not None and individual.startswith("card:"):
            _score_component(group, "individual", individual.split(":", 1)[1], plan, score)
        elif individual is None:
            group.reasons.append("individual component: no individual_rating and no own scorecard")
            group.scores["individual"] = None
        else:
            rating = int(individual.split(":", 1)[1])
            table = plan.individual_ratings or {}
            if rating in table:
                group.scores["individual"] = exact(table[rating])
                group.score_sources["individual"] = f"rating {rating}"
            else:
                group.reasons.append(f"individual component: rating {rating} is not in plan '{plan.id}'")
                group.scores["individual"] = None
    if group.reasons:
        group.status = "unpaid"
    else:
        group.score_gates = [_score_gate(g, group) for g in plan.gates if g.score is not None]
        group.gates_passed = all(g.passed for g in gates) and all(g.passed for g in group.score_gates)
    return group


def _score_gate(gate: Gate, group: Group) -> ScoreGateResult:
    """`total` is the combined score before the cap (an overall hurdle); otherwise one component's score."""
    value = group.combined if gate.score == "total" else group.scores[gate.score]  # type: ignore[index]
    assert value is not None and gate.score is not None  # a paid group has every score
    low = None if gate.min is None else exact(gate.min)
    high = None if gate.max is None else exact(gate.max)
    return ScoreGateResult(gate.score, value, low, high, (low is None or value >= low) and (high is None or value <= high))


def _score_component(group: Group, component: str, owner: str, plan: Plan,
                     score: Callable[[str, Plan], ScoreResult | None]) -> None:
    scored = score(owner, plan)
    if scored is None:
        group.reasons.append(f"{component} component: '{owner}' has no scorecard")
        group.scores[component] = None
        return
    group.score_sources[component] = f"scorecard of {owner}"
    group.scores[component] = scored.score
    if scored.score is None:
        group.reasons.extend(f"{component} component: {p}" for p in scored.problems)

