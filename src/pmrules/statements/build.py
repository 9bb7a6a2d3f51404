"""Statements from the current computation: a whole-period payout run, or one period of the plan year.

Employees share their scores with everyone in their group (plan, centre, rating), so the measures
and components are built once per scorecard and plan and reused; 10,000 statements cost little more
than the payout itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pmrules.catalog import Catalog
from pmrules.models.plan_options import component_names, component_weights
from pmrules.payout.compute import COMPONENTS, EmployeePayout, PayoutRun
from pmrules.payout.exact import exact
from pmrules.payout.scores import ScoreResult
from pmrules.planyear.columns import PaymentColumns
from pmrules.planyear.pay import PeriodPayout
from pmrules.statements.changes import changes_of
from pmrules.statements.model import Component, GateLine, Installment, Measure, Paid, Statement
from pmrules.workspace import Workspace

OWN = "you"  # the owner of the employee's own scorecard, in the statement's words
SOMEONE = "another employee"  # never name anyone else (a gate on another employee's KPI)


def owner_words(ws: Workspace, owner: str, employee_id: str) -> str:
    """A centre's name, "you", or "another employee": a statement names no other person."""
    centre = ws.organisation.centers.get(owner)
    if centre is not None:
        return centre.name
    return OWN if owner == employee_id else SOMEONE


def ordered_components(plan: Any) -> list[str]:
    names = component_names(plan)
    return [*(c for c in COMPONENTS if c in names), *(c for c in names if c not in COMPONENTS)]


def source_words(ws: Workspace, source: str | None, employee_id: str) -> str:
    if not source:
        return "no score"
    if source.startswith("scorecard of "):
        owner = owner_words(ws, source.removeprefix("scorecard of "), employee_id)
        return "your own scorecard" if owner == OWN else f"scorecard of {owner}"
    return source.replace("individual_factor", "individual factor")


def measures_of(ws: Workspace, catalog: Catalog, scored: ScoreResult, employee_id: str) -> tuple[Measure, ...]:
    out = []
    for line in scored.lines:
        entry = catalog.kpis.get(line.kpi)
        definition = entry.definition if entry is not None else None
        bp = line.breakpoints
        out.append(Measure(
            kpi=line.kpi, name=getattr(definition, "name", None) or line.kpi, unit=getattr(definition, "unit", None),
            owner=owner_words(ws, line.measured or scored.owner, employee_id), result=line.value,
            threshold=None if bp is None else bp.threshold, target=None if bp is None else bp.target,
            maximum=None if bp is None else bp.maximum, factor=line.factor, weight=line.weight, problem=line.problem))
    return tuple(out)


def currency_of(payout: EmployeePayout, ws: Workspace) -> str:
    """The payout record's own currency when it has one (per-employee currencies), else the workspace's."""
    own = payout.currency["currency"] if payout.currency else None  # a workspace paying in several currencies
    return str(own or payout.employee.currency or ws.manifest.currency)


class StatementBuilder:
    """Statements for employees of one payout run (and, for a period, its payments)."""

    def __init__(self, ws: Workspace, catalog: Catalog, run: PayoutRun, *, period: PeriodPayout | None = None,
                 paid_before: dict[str, list[Paid]] | None = None) -> None:
        self.ws, self.catalog, self.run, self.period = ws, catalog, run, period
        self.paid_before = paid_before
        self._measures: dict[tuple[str, str, str], tuple[Measure, ...]] = {}
        self.positions = {employee_id: i for i, employee_id in enumerate(run.table.id_list())}

    def _measures_for(self, owner: str, plan: str, employee_id: str) -> tuple[Measure, ...]:
        scored = self.run.scores.get((owner, plan))
        if scored is None:
            return ()
        own = owner if owner == employee_id else ""  # an own scorecard says "you": not shareable
        key = (owner, plan, own)
        if key not in self._measures:
            self._measures[key] = measures_of(self.ws, self.catalog, scored, employee_id)
        return self._measures[key]

    def _kpi_name(self, kpi: str) -> str:
        entry = self.catalog.kpis.get(kpi)
        return entry.definition.name if entry is not None else kpi

    def statement(self, i: int) -> Statement:
        ws, run = self.ws, self.run
        p = run.at(i)
        e = p.employee
        plan = ws.organisation.plans[e.plan]
        weights = component_weights(plan)
        multiply = plan.combine == "multiply"
        components = []
        for name in ordered_components(plan):
            source = p.score_sources.get(name)
            measures: tuple[Measure, ...] = ()
            if source and source.startswith("scorecard of "):
                measures = self._measures_for(source.removeprefix("scorecard of "), plan.id, e.employee_id)
            weight = weights.get(name)
            components.append(Component(name, None if multiply or weight is None else exact(weight),
                                        source_words(ws, source, e.employee_id), p.scores.get(name), measures))
        group = run.groups[int(run.group_of[i])]
        gates = [GateLine(f"{self._kpi_name(g.kpi)} of {owner_words(ws, g.owner, e.employee_id)}", g.value, g.min, g.max,
                          g.passed) for g in run.gates[plan.id]]
        gates += [GateLine("total score" if g.score == "total" else f"{g.score} score", g.value, g.min, g.max, g.passed)
                  for g in group.score_gates]
        first, last = run.period.clip(e.start_date, e.end_date)
        centre = ws.organisation.centers.get(e.center)
        installment = None
        start, end, period_id = run.period.start, run.period.end, run.period.id
        if self.period is not None:
            installment = _installment(self.period, i)
            index, definition = _period_def(ws, self.period.period)
            start, end, period_id = definition.start, definition.end, self.period.period
        return Statement(
            employee_id=e.employee_id, name=e.name, centre=centre.name if centre else e.center, centre_id=e.center,
            plan=plan.id, workspace=ws.manifest.workspace, plan_year=ws.manifest.period, period=period_id,
            start=start, end=end, currency=currency_of(p, ws), status=p.status, reasons=list(p.reasons),
            base_salary=e.base_salary, target_pct=e.target_bonus_pct, target_bonus=e.target_bonus,
            target_amount=p.target, days=p.days, period_days=run.period.days,
            employed_from=first if p.days else None, employed_to=last if p.days else None,
            components=components, combine=combine_words(plan), combined=p.combined,
            cap=None if plan.cap is None else exact(plan.cap), capped=p.capped, gates=gates, multiplier=p.multiplier,
            bonus=run.person_bonus(e.employee_id) if p.person is not None else p.bonus, installment=installment, pooled=p.pooled,
            paid_before=None if self.paid_before is None else self.paid_before.get(e.employee_id, []),
            changes=changes_of(ws, self.catalog, run, p, i))

    def statements(self, employee_ids: Sequence[str] | None = None,
                   progress: Callable[[int], None] | None = None) -> Iterable[Statement]:
        # One statement per person: an effective-dated employee's last row (its statement lists every segment).
        positions = sorted(set(self.positions.values())) if employee_ids is None else \
            [self.positions[e] for e in employee_ids]
        for n, i in enumerate(positions):
            yield self.statement(i)
            if progress is not None:
                progress(n + 1)


def combine_words(plan: Any) -> str:
    if plan.combine == "add":
        return "weighted sum of the component scores"
    if plan.combine == "multiply":
        return "product of the component scores"
    return f"formula {plan.combine}"


def _period_def(ws: Workspace, period_id: str) -> Any:
    from pmrules.planyear.periods import find_period

    return find_period(ws.manifest, period_id)


def _installment(result: PeriodPayout, i: int) -> Installment:
    """Row i's payment (payments are per person: found by the row that pays them, else by position)."""
    if isinstance(result.payments, PaymentColumns):  # person k is row k
        p = result.payments[i]
    else:
        p = next((q for q in result.payments if q.row == i), result.payments[i])
    return Installment(period=result.period, final=result.final, earned=p.earned, share=p.share, target=p.target,
                       net_paid_before=p.net_before, due=p.due, pay=p.pay, forgiven=p.forgiven, carried=p.carried,
                       note=p.note)
