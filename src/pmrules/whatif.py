"""What-if: the same payout with some actuals changed, and what moved (KPIs, scores, bonuses, totals).

Changes are applied to a copy of the actuals in Decimal arithmetic (no float ever touches a value),
so a scenario with no change reproduces the payout to the cent. Files are never written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import InputError, did_you_mean
from pmrules.payout import PayoutRun, Period, compute_payouts, format_decimal
from pmrules.rational import Fraction
from pmrules.workspace import Actuals, Workspace

_PERCENT = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\.\d+)%$")
_PRECISION = 120  # digits: enough that x * (1 + p/100) is exact for any value read from a CSV cell


@dataclass(frozen=True)
class Change:
    """`entity.input=+5%` (relative) or `entity.input=2800` (absolute)."""

    entity: str
    input: str
    kind: str  # relative | absolute
    amount: Decimal  # percent for relative, the new value for absolute
    text: str


@dataclass(frozen=True)
class Applied:
    change: Change
    before: Decimal | None
    after: Decimal


@dataclass(frozen=True)
class EmployeeDiff:
    employee_id: str
    name: str
    center: str
    plan: str
    status_before: str
    status_after: str
    before: Decimal | None
    after: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.status_before != self.status_after


@dataclass
class WhatIf:
    applied: list[Applied]
    base: PayoutRun
    scenario: PayoutRun
    kpis: list[tuple[str, str, Fraction | None, Fraction | None]]
    scores: list[tuple[str, str, Fraction | None, Fraction | None]]
    employees: list[EmployeeDiff]
    centers: dict[str, tuple[Decimal, Decimal]]

    @property
    def total_before(self) -> Decimal:
        return self.base.total

    @property
    def total_after(self) -> Decimal:
        return self.scenario.total


def parse_change(text: str) -> Change:
    """Parse one `--set` value; entity ids may contain dots, input names never do."""
    target, sep, value = text.partition("=")
    entity, dot, name = target.strip().rpartition(".")
    value = value.strip()
    if not sep or not dot or not entity or not name or not value:
        raise InputError(f"--set {text!r}: expected ENTITY.INPUT=VALUE",
                         hint="e.g. --set retail.revenue=+5% or --set north.clients_retained=2800")
    match = _PERCENT.match(value)
    try:
        if match:
            sign, digits = match.groups()
            return Change(entity, name, "relative", Decimal(digits) * (-1 if sign == "-" else 1), text)
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InputError(f"--set {text!r}: {value!r} is neither a number nor a percentage like +5% or -2%",
                         hint="an absolute value is written as a plain number, e.g. 2800")
    return Change(entity, name, "absolute", number, text)


def apply_changes(ws: Workspace, catalog: Catalog, changes: Iterable[Change]) -> tuple[Actuals, list[Applied]]:
    """A changed copy of the workspace's actuals; unknown entities and inputs are an error with did-you-mean."""
    actuals = ws.actuals
    values = {entity: dict(row) for entity, row in actuals.values.items()}
    entities = {c.id for c in ws.manifest.centers} | {e.employee_id for e in ws.employees} | set(values)
    applied = []
    for change in changes:
        if change.entity not in entities:
            raise InputError(f"--set {change.text!r}: no centre, employee or actuals entity '{change.entity}'",
                             hint=did_you_mean(change.entity, entities) or "use a centre id or an employee id")
        if change.input not in catalog.inputs:
            raise InputError(f"--set {change.text!r}: no input '{change.input}'",
                             hint=did_you_mean(change.input, catalog.inputs) or "see `pmrules kpis DIR` for inputs")
        before = values.get(change.entity, {}).get(change.input)
        if change.kind == "relative":
            if before is None:
                raise InputError(f"--set {change.text!r}: '{change.entity}' has no value for '{change.input}' to "
                                 "change by a percentage", hint="give an absolute value instead, e.g. =1000")
            with localcontext() as ctx:
                ctx.prec = _PRECISION
                after = before * (1 + change.amount / 100)
        else:
            after = change.amount
        values.setdefault(change.entity, {})[change.input] = after
        applied.append(Applied(change, before, after))
    return Actuals(values, dict(actuals.where), actuals.form), applied


def what_if(ws: Workspace, catalog: Catalog, changes: Iterable[Change], period: Period | None = None) -> WhatIf:
    """Pay the workspace as it is and with the changes, and line the two runs up (the manifest's period by default)."""
    changed, applied = apply_changes(ws, catalog, changes)
    period = Period.of(ws.manifest) if period is None else period
    base = compute_payouts(ws, catalog, period, ws.employees)
    scenario = compute_payouts(ws, catalog, period, ws.employees, actuals=changed)
    kpis = [(o, k, base.values.get(o, k), scenario.values.get(o, k))
            for o, k in sorted(set(base.values.values) | set(scenario.values.values)
                               | set(base.values.problems) | set(scenario.values.problems))
            if base.values.get(o, k) != scenario.values.get(o, k)]
    scores = [(o, plan, s.score, scenario.scores[(o, plan)].score if (o, plan) in scenario.scores else None)
              for (o, plan), s in sorted(base.scores.items())
              if (o, plan) not in scenario.scores or scenario.scores[(o, plan)].score != s.score]
    employees = []
    centers: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for b, s in zip(base.employees, scenario.employees, strict=True):
        e = b.employee
        employees.append(EmployeeDiff(e.employee_id, e.name, e.center, e.plan, b.status, s.status, b.bonus, s.bonus))
        centers[e.center][0] += b.bonus or Decimal(0)
        centers[e.center][1] += s.bonus or Decimal(0)
    return WhatIf(applied, base, scenario, kpis, scores, employees,
                  {c: (v[0], v[1]) for c, v in sorted(centers.items())})


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else format_decimal(value)


def whatif_document(result: WhatIf) -> dict[str, Any]:
    """Plain data for JSON: money as decimal strings, KPI values and scores to 10 decimal places."""
    return {
        "changes": [{"entity": a.change.entity, "input": a.change.input, "set": a.change.text.partition("=")[2].strip(),
                     "before": _money(a.before), "after": _money(a.after)} for a in result.applied],
        "kpis": [{"owner": o, "kpi": k, "before": _exact(b), "after": _exact(a)} for o, k, b, a in result.kpis],
        "scores": [{"owner": o, "plan": p, "before": _exact(b), "after": _exact(a)} for o, p, b, a in result.scores],
        "employees": [{"employee_id": d.employee_id, "name": d.name, "center": d.center, "plan": d.plan,
                       "status_before": d.status_before, "status_after": d.status_after,
                       "bonus_before": _money(d.before), "bonus_after": _money(d.after), "delta": _money(d.delta)}
                      for d in result.employees],
        "centers": [{"center": c, "before": str(b), "after": str(a), "delta": str(a - b)}
                    for c, (b, a) in result.centers.items()],
        "total": {"before": str(result.total_before), "after": str(result.total_after),
                  "delta": str(result.total_after - result.total_before)},
    }


CSV_COLUMNS = ["employee_id", "name", "center", "plan", "status_before", "status_after", "bonus_before",
               "bonus_after", "delta"]


def csv_rows(result: WhatIf) -> list[list[str]]:
    return [[d.employee_id, d.name, d.center, d.plan, d.status_before, d.status_after,
             _money(d.before) or "", _money(d.after) or "", _money(d.delta) or ""] for d in result.employees]
