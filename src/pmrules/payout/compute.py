"""Every bonus of a workspace, exactly: components, gates, cap, proration, one rounding per bonus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from pmrules.catalog import Catalog
from pmrules.kpivalues import KpiValues, evaluate_kpis
from pmrules.models import Employee, Plan
from pmrules.payout.exact import exact, round_to_quantum
from pmrules.payout.pool import PoolResult, allocate_pool
from pmrules.payout.scores import GateResult, ScoreResult, check_gate, score_card
from pmrules.workspace import Workspace

COMPONENTS = ("corporate", "unit", "individual")


@dataclass
class EmployeePayout:
    employee: Employee
    status: str  # paid | unpaid
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, Fraction | None] = field(default_factory=dict)
    score_sources: dict[str, str] = field(default_factory=dict)
    combined: Fraction | None = None
    gates_passed: bool | None = None
    capped: bool = False
    multiplier: Fraction | None = None
    days: int = 0
    proration: Fraction = Fraction(0)
    exact_bonus: Fraction | None = None
    bonus: Decimal | None = None
    pooled: bool = False


@dataclass
class PayoutRun:
    employees: list[EmployeePayout]
    values: KpiValues
    scores: dict[tuple[str, str], ScoreResult]
    gates: dict[str, list[GateResult]]
    period_days: int
    quantum: Decimal
    mode: str
    pool: PoolResult | None = None

    @property
    def paid(self) -> list[EmployeePayout]:
        return [p for p in self.employees if p.status == "paid"]

    @property
    def unpaid(self) -> list[EmployeePayout]:
        return [p for p in self.employees if p.status != "paid"]

    @property
    def total(self) -> Decimal:
        return sum((p.bonus for p in self.paid if p.bonus is not None), Decimal(0)).quantize(self.quantum)


def days_employed(employee: Employee, start: dt.date, end: dt.date) -> int:
    """Days inside [start, end], both ends inclusive; empty dates mean the period's edge."""
    first = max(employee.start_date or start, start)
    last = min(employee.end_date or end, end)
    return max(0, (last - first).days + 1)


def compute_payouts(ws: Workspace, catalog: Catalog, progress: Callable[[int], None] | None = None) -> PayoutRun:
    m = ws.manifest
    cards = {s.owner: s for s in m.scorecards}
    plans = {p.id: p for p in m.plans}
    root = next(c.id for c in m.centers if c.parent is None)
    owners = {c.id for c in m.centers} | {e.employee_id for e in ws.employees}
    requests = {(card.owner, line.kpi) for card in m.scorecards for line in card.kpis}
    requests |= {(g.owner, g.kpi) for p in m.plans for g in p.gates if g.owner in owners and g.kpi in catalog.kpis}
    values = evaluate_kpis(catalog, ws.actuals, sorted(requests))
    directions = {k: e.definition.direction for k, e in catalog.kpis.items()}
    scores: dict[tuple[str, str], ScoreResult] = {}

    def score(owner: str, plan: Plan) -> ScoreResult | None:
        if owner not in cards:
            return None
        key = (owner, plan.id)
        if key not in scores:
            scores[key] = score_card(cards[owner], plan, values, directions)
        return scores[key]

    gates = {p.id: [check_gate(g, values, owners, set(catalog.kpis)) for g in p.gates] for p in m.plans}
    period_days = (m.period_end - m.period_start).days + 1
    quantum = Decimal(m.rounding.quantum)
    results = []
    for i, employee in enumerate(ws.employees):
        plan = plans[employee.plan]
        result = _pay_one(employee, plan, root, cards, score, gates[plan.id])
        result.days = days_employed(employee, m.period_start, m.period_end)
        result.proration = Fraction(result.days, period_days)
        if result.status == "paid" and result.multiplier is not None:
            result.exact_bonus = (Fraction(employee.base_salary) * Fraction(employee.target_bonus_pct)
                                  * result.proration * result.multiplier)
            result.bonus = round_to_quantum(result.exact_bonus, quantum, m.rounding.mode)
        results.append(result)
        if progress is not None and i % 1000 == 999:
            progress(1000)
    run = PayoutRun(results, values, scores, gates, period_days, quantum, m.rounding.mode)
    if m.pool is not None:
        run.pool = allocate_pool(run.paid, Decimal(m.pool.amount), quantum)
    return run


def _pay_one(employee: Employee, plan: Plan, root: str, cards: dict[str, object],
             score: Callable[[str, Plan], ScoreResult | None], gates: list[GateResult]) -> EmployeePayout:
    result = EmployeePayout(employee, "paid")
    weights = plan.components.weights()
    for component in COMPONENTS:
        if component not in weights:
            continue
        owner = {"corporate": root, "unit": employee.center, "individual": employee.employee_id}[component]
        if component == "individual" and owner not in cards:
            if employee.individual_rating is None:
                result.reasons.append("individual component: no individual_rating and no own scorecard")
                result.scores[component] = None
                continue
            table = plan.individual_ratings or {}
            if employee.individual_rating not in table:
                result.reasons.append(f"individual component: rating {employee.individual_rating} is not in plan "
                                      f"'{plan.id}'")
                result.scores[component] = None
                continue
            result.scores[component] = exact(table[employee.individual_rating])
            result.score_sources[component] = f"rating {employee.individual_rating}"
            continue
        scored = score(owner, plan)
        if scored is None:
            result.reasons.append(f"{component} component: '{owner}' has no scorecard")
            result.scores[component] = None
            continue
        result.score_sources[component] = f"scorecard of {owner}"
        result.scores[component] = scored.score
        if scored.score is None:
            result.reasons.extend(f"{component} component: {p}" for p in scored.problems)
    for gate in gates:
        if gate.problem:
            result.reasons.append(gate.problem)
    if result.reasons:
        result.status = "unpaid"
        return result
    component_scores = {c: s for c, s in result.scores.items() if s is not None}
    if plan.combine == "multiply":
        combined = Fraction(1)
        for value in component_scores.values():
            combined *= value
    else:
        combined = sum((exact(weights[c]) * s for c, s in component_scores.items()), Fraction(0))
    result.combined = combined
    result.gates_passed = all(g.passed for g in gates)
    multiplier = combined if result.gates_passed else Fraction(0)
    if plan.cap is not None and multiplier > exact(plan.cap):
        multiplier = exact(plan.cap)
        result.capped = True
    result.multiplier = multiplier
    return result
