"""What a retro adjustment is worth: the money a restated actual of an earlier, paid period moves now.

For one employee, the year-to-date earned bonus is recomputed with the restated input put back to the
value its run recorded (the other inputs as they are now); the difference to the earned bonus paid now
is the restatement's share of it, and the same for the target (share x earned, rounded as the plan
rounds). With several restatements each is valued alone, and all of them together (the parts need not
add up: a curve's kink or the rounding sits between them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import Location
from pmrules.payout import Period, compute_payouts, round_to_quantum
from pmrules.planyear.accumulate import accumulate
from pmrules.planyear.pay import PeriodPayout, Retro
from pmrules.planyear.periods import employed_through, find_period
from pmrules.planyear.ytd import accumulation, periods_through
from pmrules.rational import Fraction
from pmrules.workspace import Actuals, Workspace
from pmrules.workspace.employees import EmployeeTable


def as_recorded(actuals: Actuals, changes: Sequence[Retro]) -> Actuals:
    """A copy of one period's actuals with `changes` put back to the values their run recorded."""
    values = {entity: dict(row) for entity, row in actuals.values.items()}
    where = dict(actuals.where)
    for change in changes:
        row = values.setdefault(change.entity, {})
        if change.recorded is None:
            row.pop(change.input, None)
            where.pop((change.entity, change.input), None)
        else:
            row[change.input] = Decimal(change.recorded)
            where.setdefault((change.entity, change.input), Location(f"the ledger's run {change.run_id}"))
    return dataclasses.replace(actuals, values=values, where=where)


def _earned_without(ws: Workspace, catalog: Catalog, period_id: str, employee: EmployeeTable,
                    changes: Sequence[Retro]) -> Decimal | None:
    assert ws.period_actuals is not None
    through = periods_through(ws, period_id)
    per_period = {p: as_recorded(ws.period_actuals[p], [c for c in changes if c.period == p]) for p in through}
    ytd = accumulate(per_period, through, accumulation(ws, catalog))
    return compute_payouts(ws, catalog, Period.of(ws.manifest), employee, actuals=ytd).bonus_at(0)


def retro_money(ws: Workspace, catalog: Catalog, result: PeriodPayout, employee_id: str) -> list[dict[str, Any]]:
    """Per restatement (and all together when there are several): earned and target with the value as
    recorded, as now, and the difference this period's payment carries."""
    if not result.retro:
        return []
    i = result.run.table.position(employee_id)
    assert i is not None
    payment = result.payments[i]
    _, period = find_period(ws.manifest, result.period)
    one = employed_through(EmployeeTable.from_employees(ws.employees.file, [ws.employees[i]]), period.end)
    quantum, mode = Decimal(ws.manifest.rounding.quantum), ws.manifest.rounding.mode
    parts: list[tuple[str, Sequence[Retro]]] = [(_name(r), [r]) for r in result.retro]
    if len(result.retro) > 1:
        parts.append(("all restatements together", list(result.retro)))
    valued = []
    for name, changes in parts:
        before = _earned_without(ws, catalog, result.period, one, changes)
        entry: dict[str, Any] = {"restatement": name, "earned_as_recorded": _text(before),
                                 "earned": _text(payment.earned), "earned_difference": None,
                                 "target_as_recorded": None, "target": _text(payment.target),
                                 "target_difference": None}
        if before is not None and payment.earned is not None:
            entry["earned_difference"] = str(payment.earned - before)
            if payment.target is not None:
                recorded_target = round_to_quantum(payment.share * Fraction(before), quantum, mode)
                entry["target_as_recorded"] = str(recorded_target)
                entry["target_difference"] = str(payment.target - recorded_target)
        valued.append(entry)
    return valued


def _name(r: Retro) -> str:
    return f"{r.period} {r.input} of {r.entity} {r.recorded} -> {r.now}"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
