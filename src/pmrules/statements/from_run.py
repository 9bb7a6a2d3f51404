"""Statements from a committed run of the ledger: its stored amounts and trail, not a new computation.

The trail records each employee's plan, centre, salary, days, component scores, multiplier, share and
what was paid before; the run records every scorecard KPI's year-to-date value and line factor. The
thresholds, weights and KPI names shown beside them are the workspace's as it is now (the trail does
not store them); gate results are not stored, so a run's statement has no gates section.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import InputError
from pmrules.models.plan_options import component_weights
from pmrules.payout.exact import exact
from pmrules.planyear.periods import find_period
from pmrules.rational import Fraction
from pmrules.statements.build import combine_words, ordered_components, owner_words, source_words
from pmrules.statements.model import Component, Installment, Measure, Paid, Statement
from pmrules.workspace import Workspace
from pmrules.workspace.levels import nearest_at_level


def _fraction(text: str | None) -> Fraction | None:
    return None if text in (None, "") else Fraction(text)


def _decimal(text: str | None) -> Decimal | None:
    return None if text in (None, "", "None") else Decimal(text)


def _amount(text: str | None) -> Decimal:
    """An amount as recorded (0.00 stays 0.00: a zero's places are shown too)."""
    value = _decimal(text)
    return Decimal(0) if value is None else value


class RunStatements:
    """Statements for the employees paid in one committed run."""

    def __init__(self, ws: Workspace, catalog: Catalog, run: dict[str, Any], paid_before: dict[str, list[Paid]]) -> None:
        self.ws, self.catalog, self.run = ws, catalog, run
        self.kpis: dict[str, dict[str, Any]] = json.loads(run["kpis"])
        self.paid_before = paid_before
        index, definition = find_period(ws.manifest, run["period"])
        self.definition = definition
        self.final = index == len(ws.manifest.periods or []) - 1
        self.basis = f"run {run['id']} ({run['period']}, {run['status']}), committed {run['created']} by {run['created_by']}"

    @property
    def employee_ids(self) -> list[str]:
        return list(self.run["payments"])

    def _measures(self, owner: str, plan: str, employee_id: str) -> tuple[Measure, ...]:
        recorded = self.kpis.get(owner, {})
        card = self.ws.organisation.scorecards.get(owner)
        lines = [(line.kpi, line) for line in card.kpis] if card is not None else [(k, None) for k in recorded]
        out = []
        for kpi, line in lines:
            entry = self.catalog.kpis.get(kpi)
            value = recorded.get(kpi, {})
            out.append(Measure(
                kpi=kpi, name=entry.definition.name if entry is not None else kpi,
                unit=entry.definition.unit if entry is not None else None, owner=owner_words(self.ws, owner, employee_id),
                result=_fraction(value.get("ytd")),
                threshold=None if line is None or line.threshold is None else exact(line.threshold),
                target=None if line is None or line.target is None else exact(line.target),
                maximum=None if line is None or line.maximum is None else exact(line.maximum),
                factor=_fraction(value.get("factors", {}).get(plan)),
                weight=exact(line.weight) if line is not None else Fraction(0)))
        return tuple(out)

    def _owner(self, component: str, centre: str, employee_id: str) -> str | None:
        org = self.ws.organisation
        if component == "corporate":
            return org.root
        if component == "unit":
            return centre
        if component == "individual":
            return employee_id if employee_id in self.kpis else None
        return nearest_at_level(org, centre, component) if centre in org.centers else None

    def statement(self, employee_id: str) -> Statement:
        ws = self.ws
        row = self.run["payments"][employee_id]
        trail = json.loads(row["trail"])
        position = ws.employees.position(employee_id)
        name = ws.employees[position].name if position is not None else employee_id
        plan = ws.organisation.plans.get(trail["plan"])
        centre = ws.organisation.centers.get(trail["center"])
        scores: dict[str, str | None] = trail.get("scores", {})
        components = []
        names = ordered_components(plan) if plan is not None else list(scores)
        weights = component_weights(plan) if plan is not None else {}
        multiply = plan is not None and plan.combine == "multiply"
        for component in names:
            owner = self._owner(component, trail["center"], employee_id)
            measures = self._measures(owner, trail["plan"], employee_id) if owner in self.kpis else ()
            source = (source_words(ws, f"scorecard of {owner}", employee_id) if measures and owner is not None
                      else "as recorded in the run")
            weight = weights.get(component)
            components.append(Component(component, None if multiply or weight is None else exact(weight), source,
                                        _fraction(scores.get(component)), measures))
        paid_before = _amount(trail.get("paid_before"))
        forgiven_before = _amount(trail.get("forgiven_before"))
        paid = _amount(row["paid"])
        installment = Installment(
            period=self.run["period"], final=self.final, earned=_decimal(row["earned"]),
            share=_fraction(trail.get("share")) or Fraction(1), target=_decimal(trail.get("target")),
            net_paid_before=paid_before - forgiven_before, due=_decimal(row["due"]), pay=paid,
            forgiven=_amount(row["forgiven"]), carried=_amount(row["carried"]),
            note=trail.get("note", ""))
        days, year_days = int(trail["days"]), int(trail["year_days"])
        salary = Decimal(trail["base_salary"])
        pct = _decimal(trail.get("target_bonus_pct"))
        return Statement(
            employee_id=employee_id, name=name, centre=centre.name if centre else trail["center"],
            centre_id=trail["center"], plan=trail["plan"], workspace=ws.manifest.workspace,
            plan_year=self.run["plan_year"], period=self.run["period"], start=self.definition.start,
            end=self.definition.end, currency=str(trail.get("currency") or ws.manifest.currency),
            status=row["status"], reasons=list(trail.get("reasons", [])), base_salary=salary, target_pct=pct,
            target_bonus=None, target_amount=None if pct is None else salary * pct, days=days, period_days=year_days,
            employed_from=None, employed_to=None, components=components,
            combine=_combine(plan), combined=None, cap=None if plan is None or plan.cap is None else exact(plan.cap),
            capped=False, gates=None, multiplier=_fraction(trail.get("multiplier")), bonus=_decimal(row["earned"]),
            installment=installment, paid_before=self.paid_before.get(employee_id, []), basis=self.basis)


def _combine(plan: Any) -> str:
    return "as recorded in the run" if plan is None else combine_words(plan)


def check_employees(wanted: list[str], known: list[str], where: str) -> None:
    missing = [e for e in wanted if e not in set(known)]
    if missing:
        from pmrules.errors import did_you_mean

        raise InputError(f"--employee {missing[0]}: not in {where}",
                         hint=did_you_mean(missing[0], known) or "give an employee_id that was paid")
