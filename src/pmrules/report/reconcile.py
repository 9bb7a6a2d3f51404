"""The analyst's reconciliation: one row per employee with every measure, score, multiplier and bonus.

An analyst checks a published bonus line by line: each measure's result, its payout factor and
weight, the component scores, the multiplier and the bonus at the plan's rounding. This module
arranges those as plain data; `page.py` renders them as a searchable table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pmrules.payout import PayoutRun
from pmrules.payout.compute import COMPONENTS
from pmrules.rational import Fraction

MAX_ROWS = 2000  # beyond this the table is cut; `pmrules payout --format csv` has every row
SCORECARD_PREFIX = "scorecard of "


@dataclass(frozen=True)
class Measure:
    component: str
    owner: str  # the scorecard's owner
    kpi: str
    measured: str  # the centre whose KPI it is (the owner unless a shared measure)
    result: Fraction | None
    factor: Fraction | None
    weight: Fraction
    overridden: bool = False  # `overrides:` set the factor by hand


@dataclass(frozen=True)
class EmployeeRow:
    employee_id: str
    name: str
    center: str
    plan: str
    status: str
    measures: tuple[Measure, ...]
    scores: tuple[tuple[str, str, Fraction | None], ...]  # (component, source, score)
    multiplier: Fraction | None
    capped: bool
    proration: Fraction
    bonus: Decimal | None
    reasons: tuple[str, ...]
    gates_passed: bool | None = None
    currency: str | None = None  # the pay currency, in a workspace that uses currencies (issue 14)


def reconciliation(run: PayoutRun) -> list[EmployeeRow]:
    """The first MAX_ROWS employees in file order, each with the trail behind their bonus."""
    rows = []
    for i in range(min(len(run), MAX_ROWS)):
        p = run.at(i)
        e = p.employee
        group = run.groups[int(run.group_of[i])]
        order = [*(c for c in COMPONENTS if c in group.weights), *(c for c in group.weights if c not in COMPONENTS)]
        measures: list[Measure] = []
        scores = []
        for component in order:
            source = p.score_sources.get(component, "")
            scores.append((component, source, p.scores.get(component)))
            if not source.startswith(SCORECARD_PREFIX):
                continue
            owner = source.removeprefix(SCORECARD_PREFIX)
            scored = run.scores.get((owner, e.plan))
            for line in scored.lines if scored is not None else []:
                measures.append(Measure(component, owner, line.kpi, line.measured or owner, line.value, line.factor,
                                        line.weight, line.override is not None))
        rows.append(EmployeeRow(e.employee_id, e.name, e.center, e.plan, p.status, tuple(measures), tuple(scores),
                                p.multiplier, p.capped, p.proration, p.bonus, tuple(p.reasons), p.gates_passed,
                                None if p.currency is None else p.currency["currency"]))
    return rows
