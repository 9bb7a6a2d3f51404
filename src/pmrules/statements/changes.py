"""The statement's "Adjustments and discretion": every manual change behind one employee's bonus.

Read from the payout run (issue 14): metric adjustments to an input of a measure on the employee's
statement, overrides of those measures or of a component score, discretion on the bonus, and the
effective-dated segments a bonus was paid over. Each is a `Change` with its reason, approver and source.
"""

from __future__ import annotations

from pmrules.catalog import Catalog
from pmrules.errors import Location
from pmrules.payout.compute import EmployeePayout, PayoutRun
from pmrules.payout.rounding import units_to_decimal
from pmrules.statements.model import Change
from pmrules.workspace import Workspace


def changes_of(ws: Workspace, catalog: Catalog, run: PayoutRun, p: EmployeePayout, i: int) -> list[Change]:
    """Every manual change behind the bonus of row `i` (`p` = run.at(i)), in the order a reader meets them."""
    owners = {s.removeprefix("scorecard of ") for s in p.score_sources.values() if s.startswith("scorecard of ")}
    found = [*_adjustments(ws, catalog, run, p.employee.plan, owners), *_overrides(run, p, i, owners)]
    person = p.person
    if person is not None and len(person.rows) > 1:
        for row in person.rows:
            e = run.table[row]
            first, last = run.period.clip(e.start_date, e.end_date)
            found.append(Change("segment", f"{first} to {last}: centre {e.center}, plan {e.plan}", None,
                                f"{int(run.days[row])} days", "effective-dated employees.csv row; the bonus is the "
                                "exact sum of the segments, rounded once", None, _where(ws.employee_location(e))))
    if person is not None and person.discretion is not None:
        d = person.discretion
        found.append(Change("discretion", "bonus", units_to_decimal(person.formula_units, person.unit),
                            units_to_decimal(person.bonus_units, person.unit), d.reason, d.approved_by or None,
                            _where(d.location), money=True))
    return found


def _adjustments(ws: Workspace, catalog: Catalog, run: PayoutRun, plan: str, owners: set[str]) -> list[Change]:
    """Adjustments to an input of a measure on this statement (of the centre whose scorecard it is)."""
    if not ws.adjustments:
        return []
    inputs: dict[str, set[str]] = {}
    for owner in owners:
        scored = run.scores.get((owner, plan))
        kpis = [line.kpi for line in scored.lines] if scored is not None else []
        inputs[owner] = {str(s) for k in kpis if k in catalog.kpis for s in catalog.kpis[k].inputs}
    out = []
    for a in ws.adjustments:
        if a.entity in owners and a.input in inputs.get(a.entity, set()):
            out.append(Change("adjustment", f"{a.input} of {_centre(ws, a.entity)}"
                              + (f" ({a.period})" if a.period else ""), a.raw, a.adjusted, a.reason,
                              a.approved_by or None, _where(a.where)))
    return out


def _overrides(run: PayoutRun, p: EmployeePayout, i: int, owners: set[str]) -> list[Change]:
    out = []
    plan = p.employee.plan
    for owner in sorted(owners):
        scored = run.scores.get((owner, plan))
        for line in scored.lines if scored is not None else []:
            o = getattr(line, "override", None)
            if o is not None:
                out.append(Change("override", f"factor of {line.kpi}", getattr(line, "computed", None), o.value,
                                  o.reason, o.approved_by or None, o.where))
    group = run.groups[int(run.group_of[i])]
    for component, (o, score) in group.overridden.items():
        out.append(Change("override", f"{component} score", score, o.value, o.reason, o.approved_by or None, o.where))
    return out


def _centre(ws: Workspace, entity: str) -> str:
    centre = ws.organisation.centers.get(entity)
    return centre.name if centre is not None else "your own result"


def _where(location: Location | str) -> str:
    """`file:line` with the file's name only: a statement shows no folder of the compensation team's disk."""
    text = str(location)
    return text.rsplit("/", 1)[-1]
