"""The whole trail behind one bonus, as data an auditor can redo by hand."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues
from pmrules.errors import InputError, did_you_mean
from pmrules.models.plan_options import component_names, component_weights
from pmrules.payout.adjusted import adjustment_record, adjustments_by_input, raw_kpi_values
from pmrules.payout.compute import COMPONENTS, PayoutRun
from pmrules.payout.exact import exact, format_decimal, fraction_text
from pmrules.payout.persons import Person
from pmrules.payout.records import rounding_record
from pmrules.payout.rounding import units_to_decimal
from pmrules.payout.scores import ScoreResult, curve_of
from pmrules.rational import Fraction
from pmrules.rollup import RolledActuals
from pmrules.workspace import Actuals, Workspace
from pmrules.workspace.adjustments import Adjustment
from pmrules.workspace.overrides import ManualOverride


def _num(value: Any) -> str | None:
    return None if value is None else format_decimal(exact(value) if not hasattr(value, "denominator") else value)


def rolled_up_trail(actuals: Actuals, owner: str, name: str) -> dict[str, Any]:
    """For a rolled-up value: its kind and each child's value with its actuals line; for a gap: why. Else nothing."""
    if not isinstance(actuals, RolledActuals):
        return {}
    rolled = actuals.rolled.get((owner, name))
    if rolled is None:
        why = actuals.why_missing(owner, name)
        return {"why_missing": why} if why else {}
    children = []
    for child in rolled.children:
        where = actuals.where.get((child, name))
        children.append({"entity": child, "value": str(actuals.get(child, name)),
                         "from": None if where is None else str(where), "rolled_up": (child, name) in actuals.rolled})
    return {"rolled_up": {"kind": rolled.kind, "children": children}}


MAX_TRAIL_KPIS = 10_000  # KPI steps in one explanation: KPIs read by several KPIs are shown each time


@dataclass
class Manual:
    """The manual changes an explanation shows: adjusted inputs, and KPI values before adjustments."""

    adjusted: dict[tuple[str, str], list[Adjustment]]
    raw: KpiValues | None


def manual_changes(ws: Workspace, catalog: Catalog, run: PayoutRun,
                   through: Collection[str] | None = None) -> Manual | None:
    """None for a workspace without adjustments (nothing extra in its explanations).

    `through`: a plan-year period's payout shows only the adjustments of the periods through it.
    """
    if not ws.adjustments:
        return None
    raw = raw_kpi_values(ws, catalog, run.values.values) if run.actuals_are_workspace else None
    found = adjustments_by_input(ws)
    if through is not None:
        found = {k: kept for k, v in found.items() if (kept := [a for a in v if a.period in through])}
    return Manual(found, raw)


def _mark_adjusted(record: dict[str, Any], manual: Manual, owner: str, name: str) -> None:
    """The input's own adjustments, and those of the children a rolled-up value was made from."""
    if manual.adjusted.get((owner, name)):
        record["adjustments"] = [adjustment_record(a) for a in manual.adjusted[(owner, name)]]
    for child in record.get("rolled_up", {}).get("children", []):
        if manual.adjusted.get((child["entity"], name)):
            child["adjustments"] = [adjustment_record(a) for a in manual.adjusted[(child["entity"], name)]]


def kpi_trail(ws: Workspace, catalog: Catalog, run: PayoutRun, owner: str, kpi: str,
              budget: list[int] | None = None, manual: Manual | None = None) -> dict[str, Any]:
    """A KPI value for an owner with the formula, each input's value and where it was read."""
    budget = [MAX_TRAIL_KPIS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"--explain: the trail behind KPI '{kpi}' for '{owner}' has more than {MAX_TRAIL_KPIS:,} "
                         "KPI steps (KPIs that read shared KPIs repeat them)",
                         hint="see `pmrules kpis` for the formulas, or build the KPIs on fewer shared KPIs")
    entry = catalog.kpis[kpi]
    names = sorted(str(s) for s in entry.expr.free_symbols)
    inputs = []
    refs = []
    for name in names:
        if name in catalog.inputs:
            value = run.actuals.get(owner, name)
            where = run.actuals.where.get((owner, name))
            record: dict[str, Any] = {"input": name, "category": catalog.input_category(name),
                                      "value": None if value is None else str(value),
                                      "from": None if where is None else str(where)}
            record.update(rolled_up_trail(run.actuals, owner, name))
            if manual is not None:
                _mark_adjusted(record, manual, owner, name)
            inputs.append(record)
        else:
            refs.append(kpi_trail(ws, catalog, run, owner, name, budget, manual))
    value = run.values.get(owner, kpi)
    trail: dict[str, Any] = {"kpi": kpi, "owner": owner, "formula": entry.definition.formula, "source": entry.source,
                             "inputs": inputs, "value": _num(value),
                             "value_exact": None if value is None else fraction_text(value)}
    if refs:
        trail["kpis"] = refs
    raw = None if manual is None or manual.raw is None else manual.raw.get(owner, kpi)
    if raw is not None and raw != value:
        trail["value_raw"] = _num(raw)  # before metric adjustments
    if (owner, kpi) in run.values.problems:
        trail["problem"] = run.values.problems[(owner, kpi)]
    return trail


def _scorecard_trail(ws: Workspace, catalog: Catalog, run: PayoutRun, scored: ScoreResult,
                     budget: list[int], manual: Manual | None) -> list[dict[str, Any]]:
    lines = []
    for line in scored.lines:
        record = kpi_trail(ws, catalog, run, line.measured or scored.owner, line.kpi, budget, manual)
        if line.measured:
            record["measure_of"] = line.measured  # a shared measure: another centre's KPI
        if line.points is not None:
            record["curve_points"] = [{"result": _num(pt.result), "factor": _num(pt.factor)} for pt in line.points]
        if line.own_factors is not None:
            record["curve_own"] = {k: _num(v) for k, v in line.own_factors._asdict().items()}
        if line.below:
            record["curve_below"] = _num(line.below)
        record.update({
            "weight": _num(line.weight), "direction": line.direction,
            "breakpoints": None if line.breakpoints is None else {k: _num(v) for k, v in line.breakpoints._asdict().items()},
            "segment": line.segment, "factor": _num(line.factor),
            "weighted": None if line.factor is None else _num(line.weight * line.factor),
        })
        if line.unrounded is not None:  # the plan rounds line factors (rounding_steps.line_factor)
            record["factor_exact"] = _num(line.unrounded)
        if line.problem:
            record["problem"] = line.problem
        if line.override is not None:
            record["override"] = override_record(line.override, line.computed)
        lines.append(record)
    return lines


def override_record(override: ManualOverride, computed: Any) -> dict[str, Any]:
    """A replaced factor or score: what it was set to, by whom, why, where; and what the formula gave."""
    return {"value": override.text, "approved_by": override.approved_by, "reason": override.reason,
            "from": override.where, "computed": _num(computed), "text": override.describe()}


def explain(ws: Workspace, catalog: Catalog, run: PayoutRun, employee_id: str, *,
            through: Collection[str] | None = None) -> dict[str, Any]:
    if run.table.position(employee_id) is None:
        ids = run.table.id_list()
        raise InputError(f"--explain: no employee '{employee_id}'", hint=did_you_mean(employee_id, ids)
                         or "give an employee_id from employees.csv")
    indices = [i for i, q in enumerate(run.employees) if q.employee.employee_id == employee_id]
    person = run.settlement.people.get(employee_id) if run.settlement is not None else None
    if person is None:
        return _row_trail(ws, catalog, run, indices[0], through)
    if not person.segmented:
        return {**_row_trail(ws, catalog, run, indices[0], through), "person": person_trail(run, person)}
    segments = []
    for k, i in enumerate(person.rows):
        segment = _row_trail(ws, catalog, run, i, through)
        segment["segment"] = {"index": k + 1, "of": len(person.rows)}
        segments.append(segment)
    first = run.employees[person.rows[-1]]
    return {"employee_id": employee_id, "name": first.employee.name, "status": first.status,
            "locations": [s["location"] for s in segments], "segments": segments,
            "person": person_trail(run, person)}


def _row_trail(ws: Workspace, catalog: Catalog, run: PayoutRun, index: int,
               through: Collection[str] | None = None) -> dict[str, Any]:
    """One row of employees.csv: the whole computation of its (segment's) bonus."""
    p = run.employees[index]
    e = p.employee
    plan = ws.organisation.plans[e.plan]
    weights = component_weights(plan)
    names = component_names(plan)
    curve = curve_of(plan)
    components = []
    budget = [MAX_TRAIL_KPIS]
    manual = manual_changes(ws, catalog, run, through)
    group = run.groups[int(run.group_of[index])]
    for component in [*(c for c in COMPONENTS if c in names), *(c for c in names if c not in COMPONENTS)]:
        record: dict[str, Any] = {"component": component, "weight": _num(weights.get(component)),
                                  "source": p.score_sources.get(component), "score": _num(p.scores.get(component))}
        owners = {"corporate": ws.organisation.root, "unit": e.center, "individual": e.employee_id}
        source = p.score_sources.get(component, "")
        owner = owners.get(component) or source.removeprefix("scorecard of ")
        scored = run.scores.get((owner, plan.id))
        if scored is not None and p.score_sources.get(component, "").startswith("scorecard"):
            record["lines"] = _scorecard_trail(ws, catalog, run, scored, budget, manual)
        if component in group.overridden:
            record["override"] = override_record(*group.overridden[component])
        components.append(record)
    first, last = run.period.clip(e.start_date, e.end_date)
    quantum, mode = run.rounding_of(plan)
    trail: dict[str, Any] = {
        "employee_id": e.employee_id, "name": e.name, "center": e.center, "plan": plan.id,
        "location": str(ws.employee_location(e)), "status": p.status, "reasons": list(p.reasons),
        "curve": {k: _num(v) for k, v in curve._asdict().items()},
        "combine": plan.combine, "components": components,
        "combined": _num(p.combined),
        "gates": [{"owner": g.owner, "kpi": g.kpi, "value": _num(g.value), "min": _num(g.min), "max": _num(g.max),
                   "passed": g.passed, **({"problem": g.problem} if g.problem else {})} for g in run.gates[plan.id]]
        + [{"score": g.score, "value": _num(g.value), "min": _num(g.min), "max": _num(g.max), "passed": g.passed}
           for g in run.groups[int(run.group_of[index])].score_gates],
        "cap": _num(plan.cap), "capped": p.capped, "multiplier": _num(p.multiplier),
        "multiplier_exact": None if p.multiplier is None else fraction_text(p.multiplier),
        "proration": {"start": str(first), "end": str(last), "days": p.days, "period_days": run.period.days,
                      "fraction": fraction_text(p.proration)},
        "base_salary": str(e.base_salary), "target_bonus_pct": str(e.target_bonus_pct),
        "bonus_exact": None if p.exact_bonus is None else fraction_text(p.exact_bonus),
        "bonus_exact_decimal": None if p.exact_bonus is None else format_decimal(p.exact_bonus, 12),
        "rounding": {"quantum": str(quantum), "mode": mode},
        "bonus": None if p.bonus is None else str(p.bonus), "pooled": p.pooled,
    }
    if p.rounded or e.target_bonus is not None or plan.rounding is not None or plan.rounding_steps is not None:
        trail["target_bonus"] = None if e.target_bonus is None else str(e.target_bonus)
        trail["target_amount"] = None if p.target is None else format_decimal(p.target, 12)
        trail["target_amount_exact"] = None if p.target is None else fraction_text(p.target)
        trail["rounding_steps"] = [rounding_record(r) for r in p.rounded]
        trail["rounding"]["source"] = f"plan {plan.id}" if plan.rounding is not None else "workspace"
        line_step = plan.rounding_steps.line_factor if plan.rounding_steps else None
        if line_step is not None:
            trail["line_factor_rounding"] = {"quantum": line_step.quantum, "mode": line_step.mode}
    if run.currency is not None:  # issue 14: the pay currency, its rounding, and a foreign bonus converted
        from pmrules.currency.explain import currency_trail

        currency_trail(trail, run, index, (quantum, mode))
    return trail


def person_trail(run: PayoutRun, person: Person) -> dict[str, Any]:
    """A person's money: the segments' exact sum, discretion (with reason, approver and file:line), one rounding."""
    out: dict[str, Any] = {
        "segments": [{"center": run.table.centers[i].as_py(), "plan": run.table.plans[i].as_py(),
                      "days": int(run.days[i]), "bonus_exact": fraction_text(b),
                      "bonus_exact_decimal": format_decimal(b, 12)}
                     for i, b in zip(person.paid_rows, person.segment_exact, strict=True)],
        "formula_bonus_exact": fraction_text(person.formula_exact),
        "formula_bonus_exact_decimal": format_decimal(person.formula_exact, 12),
        "rounding": {"quantum": str(person.quantum), "mode": person.mode, "source": f"plan {person.rounding_plan}"
                     + (" (the last segment's)" if person.segmented else "")},
        "formula_bonus": str(units_to_decimal(person.formula_units, person.unit)),
    }
    d = person.discretion
    if d is not None:
        out["discretion"] = {
            "written": d.describe(), "amount_exact": fraction_text(person.asked or Fraction(0)),
            "applies": person.applies, "range": _range(run, person.rounding_plan),
            "uncapped_exact": None if person.uncapped_exact is None else fraction_text(person.uncapped_exact),
            "cap_limit_exact": None if person.cap_limit is None else fraction_text(person.cap_limit),
            "capped": person.capped, "floored_at_zero": person.floored,
            "applied_exact": fraction_text(person.applied), "reason": d.reason, "approved_by": d.approved_by,
            "location": str(d.location)}
    out["bonus_exact"] = fraction_text(person.final_exact)
    out["bonus_exact_decimal"] = format_decimal(person.final_exact, 12)
    out["bonus_before_pool"] = str(units_to_decimal(person.bonus_units, person.unit))
    paid = person.paid_rows
    final = run.units[paid].sum()
    out["bonus"] = str(units_to_decimal(final, run.quantum))
    out["pooled"] = run.pool is not None
    return out


def _range(run: PayoutRun, plan_id: str) -> str:
    plan = next((g.plan for g in run.groups if g.plan.id == plan_id), None)
    rules = None if plan is None else plan.discretion
    if rules is None:
        return "none"
    return ", ".join(f"{k} {v}" for k in ("min_pct", "max_pct", "min_amount", "max_amount")
                     if (v := getattr(rules, k)) is not None) or "unbounded"
