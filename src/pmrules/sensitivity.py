"""Which measured inputs move one employee's bonus, and by how much per 1% change, at today's actuals.

bonus = base x pct x proration x min(cap, gates x combine(scores)); score = sum weight x factor(KPI value);
factor is piecewise linear in the value, and the value a sympy formula of inputs. The chain rule through
the active curve segment gives an exact derivative: sympy differentiates each KPI formula (with the KPIs it
references substituted in), the rest is Fractions. Flat segments, a binding cap and a failed gate give 0;
gates are steps, so they have no slope. Figures are for a rise of the input: at a kink of the curve
the side the rise pushes the KPI value to is used. With a pool, every share moves with the basis too (quotient rule).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sympy

from pmrules.catalog import CONTROLS, FINANCIAL_CATEGORIES, Catalog
from pmrules.errors import InputError, did_you_mean
from pmrules.models.plan_options import component_names, component_weights
from pmrules.payout import COMPONENTS, EmployeePayout, PayoutRun, Period, compute_payouts, format_decimal
from pmrules.payout.exact import exact
from pmrules.payout.scores import LineResult, curve_of
from pmrules.payout.steps import beyond_v1
from pmrules.rational import Fraction
from pmrules.rollup import RolledActuals
from pmrules.workspace import Actuals, Workspace

Lever = tuple[str, str]  # (entity, input)


@dataclass(frozen=True)
class Path:
    """One way a lever reaches the bonus: a scorecard line of a component."""

    component: str
    owner: str
    kpi: str
    segment: str
    slope: Fraction  # d factor / d KPI value on the active segment
    d_value: Fraction | None  # d KPI value / d input


@dataclass
class LeverEffect:
    entity: str
    input: str
    category: str
    value: Decimal
    controllable: bool
    d_bonus: Fraction | None  # d bonus / d input
    paths: list[Path] = field(default_factory=list)

    @property
    def per_percent(self) -> Fraction | None:
        """Bonus change for a 1% change of the input (first order)."""
        return None if self.d_bonus is None else self.d_bonus * Fraction(self.value) / 100


@dataclass
class Sensitivity:
    employee_id: str
    center: str
    center_type: str
    bonus: Fraction | None
    levers: list[LeverEffect]
    notes: list[str]


class _Derivatives:
    """KPI formulas with referenced KPIs substituted in, differentiated once per (KPI, input)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.expanded: dict[str, sympy.Expr] = {}
        self.diffs: dict[tuple[str, str], sympy.Expr] = {}

    def expand(self, kpi: str) -> sympy.Expr:
        if kpi not in self.expanded:
            entry = self.catalog.kpis[kpi]
            self.expanded[kpi] = entry.expr.subs({sympy.Symbol(r): self.expand(r) for r in entry.kpi_refs})
        return self.expanded[kpi]

    def inputs(self, kpi: str) -> list[str]:
        return sorted(str(s) for s in self.expand(kpi).free_symbols)

    def at(self, kpi: str, name: str, point: dict[sympy.Symbol, sympy.Rational]) -> Fraction | None:
        key = (kpi, name)
        if key not in self.diffs:
            self.diffs[key] = sympy.diff(self.expand(kpi), sympy.Symbol(name))
        result = self.diffs[key].subs(point)
        if result.is_Rational:
            return Fraction(int(result.p), int(result.q))
        number = result.evalf(40)
        return Fraction(str(number)) if number.is_Number and number.is_finite else None


def segment_slope(line: LineResult, curve: tuple[Fraction, Fraction, Fraction], rising: bool = True
                  ) -> tuple[Fraction, str]:
    """d factor / d value on the segment the value moves onto (a rise if `rising`, else a fall).

    At a kink (a breakpoint) the two sides differ; the side the input change pushes the value to is the
    one a recomputed payout sees. Leaving the threshold downwards is a step, which has no slope.
    """
    if line.value is None or line.breakpoints is None:
        return Fraction(0), "no value"
    t, g, mx = line.breakpoints
    sign = -1 if line.direction == "lower" else 1
    u, ut, ug, um = (sign * x for x in (line.value, t, g, mx))
    up = (1 if rising else -1) * sign > 0  # moving towards better
    if u < ut:
        return Fraction(0), "below threshold (flat)"
    if u == ut and not up:
        return Fraction(0), "at threshold (a step down: no slope)"
    if u > um or (u == um and up):
        return Fraction(0), "at or above maximum (flat)"
    if u < ug or (u == ug and not up):
        return (curve[1] - curve[0]) / (g - t), "threshold to target" + (" (at a kink)" if u in (ut, ug) else "")
    return (curve[2] - curve[1]) / (mx - g), "target to maximum" + (" (at a kink)" if u in (ug, um) else "")


def _point(actuals: Actuals, owner: str, names: list[str]) -> dict[sympy.Symbol, sympy.Rational]:
    """Where the derivatives are taken: the values the payout used (rolled-up ones included)."""
    point = {}
    for name in names:
        raw = actuals.get(owner, name)
        if raw is not None:
            point[sympy.Symbol(name)] = sympy.Rational(str(raw))
    return point


def _owners(ws: Workspace, root: str, payout: EmployeePayout, cards: set[str]) -> dict[str, str]:
    e = payout.employee
    owners = {"corporate": root, "unit": e.center}
    if e.employee_id in cards:
        owners["individual"] = e.employee_id
    return owners


def _unfollowed(ws: Workspace, plan: Any, owners: Any) -> list[str]:
    """Shapes the slopes do not follow yet (issue 13), said rather than silently left out."""
    notes = []
    levels = [c for c in component_names(plan) if c not in COMPONENTS]
    if levels:
        notes.append(f"level components ({', '.join(levels)}) are not followed: their slopes are not shown")
    cards = ws.organisation.scorecards
    lines = [line for owner in owners if owner in cards for line in cards[owner].kpis]
    if any(line.curve is not None for line in lines):
        notes.append("lines with their own curve are not followed: their slopes are not shown")
    if any(line.of is not None or line.of_level is not None for line in lines):
        notes.append("shared measures (`of`, `of_level`) are not followed: their slopes are not shown")
    return notes


def _d_multiplier(payout: EmployeePayout, combine: str, weights: dict[str, Any], cap: Fraction | None,
                  component: str) -> Fraction:
    """d multiplier / d component score: 0 when a gate fails or the cap binds."""
    if not payout.gates_passed or payout.combined is None:
        return Fraction(0)
    if cap is not None and payout.combined >= cap:
        return Fraction(0)
    if combine == "multiply":
        other = Fraction(1)
        for name, score in payout.scores.items():
            if name != component and score is not None:
                other *= score
        return other
    return exact(weights[component])


def sensitivity(ws: Workspace, catalog: Catalog, employee_id: str, run: PayoutRun | None = None) -> Sensitivity:
    """d bonus / d input for every input behind the employee's scorecards and gates."""
    run = run or compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees)
    by_id = {p.employee.employee_id: p for p in run.employees}
    if employee_id not in by_id:
        raise InputError(f"no employee '{employee_id}'",
                         hint=did_you_mean(employee_id, by_id) or "give an employee_id from employees.csv")
    me = by_id[employee_id]
    org = ws.organisation
    centers, plans, root = org.centers, org.plans, org.root
    # The derivative below knows add and multiply without rounding; anything else would be silently wrong.
    for plan in plans.values():
        if beyond_v1(plan):
            raise InputError(f"sensitivity cannot yet differentiate plan '{plan.id}' (a combine formula, a plain "
                             "component list or rounding steps)", hint="use `pmrules whatif` to see what a change pays")
    cards = set(org.scorecards)
    derivs = _Derivatives(catalog)
    center_type = centers[me.employee.center].type
    notes: list[str] = []
    score_grads: dict[tuple[str, str], dict[str, Fraction | None]] = {}
    line_paths: dict[tuple[str, str], dict[str, list[tuple[str, str, Fraction, Fraction | None]]]] = {}

    def score_gradient(owner: str, plan_id: str) -> dict[str, Fraction | None]:
        """d score(owner, plan) / d input of owner, with the lines it goes through."""
        key = (owner, plan_id)
        if key in score_grads:
            return score_grads[key]
        grad: dict[str, Fraction | None] = defaultdict(Fraction)
        paths: dict[str, list[tuple[str, str, Fraction, Fraction | None]]] = defaultdict(list)
        scored = run.scores.get(key)
        curve = tuple(curve_of(plans[plan_id]))
        for line in scored.lines if scored else []:
            names = derivs.inputs(line.kpi)
            point = _point(run.actuals, owner, names)
            for name in names:
                d_value = derivs.at(line.kpi, name, point) if len(point) == len(names) else None
                slope, segment = segment_slope(line, curve, d_value is None or d_value >= 0)  # type: ignore[arg-type]
                paths[name].append((line.kpi, segment, slope, d_value))
                if slope == 0:
                    continue
                current = grad[name]
                grad[name] = None if d_value is None or current is None else current + line.weight * slope * d_value
        score_grads[key], line_paths[key] = dict(grad), dict(paths)
        return score_grads[key]

    def bonus_gradient(p: EmployeePayout, lever: Lever) -> Fraction | None:
        """d exact bonus / d lever for any employee (the pool needs everybody's)."""
        if p.status != "paid" or p.exact_bonus is None:
            return Fraction(0)
        plan = plans[p.employee.plan]
        k = (p.target if p.target is not None else Fraction(0)) * p.proration
        cap = None if plan.cap is None else exact(plan.cap)
        total: Fraction | None = Fraction(0)
        for component, owner in _owners(ws, root, p, cards).items():
            if owner != lever[0] or component not in component_weights(plan):
                continue
            d_score = score_gradient(owner, plan.id).get(lever[1], Fraction(0))
            dm = _d_multiplier(p, plan.combine, component_weights(plan), cap, component)
            if dm == 0:
                continue
            if d_score is None or total is None:
                total = None
                continue
            total += k * dm * d_score
        return total

    plan = plans[me.employee.plan]
    if me.status != "paid":
        notes.append("not paid: " + "; ".join(me.reasons))
    elif not me.gates_passed:
        notes.append("a gate fails, so the bonus is 0 whatever the scores (no input has a slope)")
    elif plan.cap is not None and me.combined is not None and me.combined >= exact(plan.cap):
        notes.append(f"the cap {plan.cap} binds, so small changes do not move the bonus")
    notes.extend(_unfollowed(ws, plan, _owners(ws, root, me, cards).values()))
    levers: dict[Lever, list[Path]] = {}
    my_owners = _owners(ws, root, me, cards)
    for component in COMPONENTS:
        owner = my_owners.get(component)
        if owner is None or component not in component_weights(plan):
            continue
        score_gradient(owner, plan.id)
        for name, items in line_paths.get((owner, plan.id), {}).items():
            levers.setdefault((owner, name), []).extend(Path(component, owner, *item) for item in items)
    for gate in plan.gates:
        if gate.owner is not None and gate.kpi is not None and gate.kpi in catalog.kpis:
            for name in derivs.inputs(gate.kpi):
                levers.setdefault((gate.owner, name), []).append(
                    Path("gate", gate.owner, gate.kpi, "gate (a step: no slope unless crossed)", Fraction(0), None))
    pool = run.pool if run.pool is not None and run.pool.distributable and run.pool.factor else None
    if pool is not None:
        notes.append(f"a pool of {pool.amount} is set: each share moves with the sum of all bonuses too")
    effects = []
    for (entity, name), paths in levers.items():
        value = ws.actuals.get(entity, name)
        if value is None:
            rolled = run.actuals.rolled.get((entity, name)) if isinstance(run.actuals, RolledActuals) else None
            if rolled is not None:
                notes.append(f"{entity}'s {name} is rolled up ({rolled.kind}) from {', '.join(rolled.children)}: "
                             "it moves with theirs, which are not followed here")
            continue
        d_bonus = bonus_gradient(me, (entity, name))
        if pool is not None and d_bonus is not None and me.exact_bonus is not None:
            d_basis: Fraction | None = Fraction(0)
            for p in run.paid:
                d = bonus_gradient(p, (entity, name))
                d_basis = None if d is None or d_basis is None else d_basis + d
            assert pool.factor is not None  # a distributed pool has a factor
            basis = Fraction(pool.amount) / pool.factor
            d_bonus = None if d_basis is None else pool.factor * (d_bonus - me.exact_bonus * d_basis / basis)
        category = catalog.input_category(name)
        controllable = category not in FINANCIAL_CATEGORIES or category in CONTROLS[center_type]
        effects.append(LeverEffect(entity, name, category, value, controllable, d_bonus, paths))
    effects.sort(key=lambda e: (-(abs(e.per_percent) if e.per_percent is not None else Fraction(-1)), e.entity,
                                e.input))
    bonus = me.exact_bonus if pool is None or me.exact_bonus is None else me.exact_bonus * pool.factor
    return Sensitivity(employee_id, me.employee.center, center_type, bonus, effects, notes)


def _text(value: Fraction | None, places: int = 6) -> str | None:
    return None if value is None else format_decimal(value, places)


def sensitivity_document(result: Sensitivity) -> dict[str, Any]:
    return {
        "employee_id": result.employee_id, "center": result.center, "center_type": result.center_type,
        "bonus_exact": _text(result.bonus, 10), "notes": result.notes,
        "levers": [{
            "entity": e.entity, "input": e.input, "category": e.category, "value": str(e.value),
            "controllable_by_own_centre": e.controllable, "d_bonus_d_input": _text(e.d_bonus, 12),
            "bonus_change_per_1pct": _text(e.per_percent, 6),
            "elasticity": None if e.per_percent is None or not result.bonus else _text(e.per_percent * 100
                                                                                       / result.bonus, 6),
            "paths": [{"component": p.component, "owner": p.owner, "kpi": p.kpi, "segment": p.segment,
                       "factor_slope": _text(p.slope, 10), "d_kpi_d_input": _text(p.d_value, 12)} for p in e.paths],
        } for e in result.levers],
    }
