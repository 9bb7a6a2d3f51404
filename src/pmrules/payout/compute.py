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

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues, evaluate_kpis
from pmrules.currency.run import CurrencyRun, currency_run
from pmrules.errors import InputError
from pmrules.formula.combine import CombineForm, parse_combine
from pmrules.gcpause import cyclic_gc_paused
from pmrules.models import Employee, Gate, Plan
from pmrules.models.plan_options import RoundingStep, component_names, component_weights
from pmrules.payout.approx import GroupApprox, group_approx
from pmrules.payout.exact import exact
from pmrules.payout.period import Period
from pmrules.payout.persons import Person, Settlement, needs_settlement, settle_rows, uses_discretion
from pmrules.payout.rounding import PoolResult, common_quantum, round_fraction, units_to_decimal
from pmrules.payout.scores import GateResult, ScoreResult, check_gate, score_card
from pmrules.payout.steps import RoundingRecord, beyond_v1, target_amount
from pmrules.payout.steps import step_of as _step
from pmrules.payout.units import bonus_units
from pmrules.rational import Fraction
from pmrules.rollup import roll_up
from pmrules.workspace import Actuals, Workspace
from pmrules.workspace.employees import EmployeeTable
from pmrules.workspace.levels import measured_owner, nearest_at_level
from pmrules.workspace.membership import employee_ids_among
from pmrules.workspace.overrides import ManualOverride, index_overrides

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
    form: CombineForm | None = None  # set for plans beyond version 1 (a formula or rounding steps)
    rounded: list[RoundingRecord] = field(default_factory=list)  # every rounding step taken, in order
    score_gates: list[ScoreGateResult] = field(default_factory=list)
    # component -> (its override, the score its scorecard gave or None): `overrides:` in pmrules.yaml
    overridden: dict[str, tuple[ManualOverride, Fraction | None]] = field(default_factory=dict)

    @cached_property
    def combined(self) -> Fraction | None:
        if self.status != "paid":
            return None
        weights = self.weights
        scores = {c: s for c, s in self.scores.items() if s is not None}
        if self.form is not None:
            exact_weights = {c: exact(w) for c, w in weights.items()}
            team = self.form.team_factor(scores, exact_weights)
            step = _step(self.plan, "team_factor")
            if step is not None and team is not None:
                team = self.round("team_factor", "team factor", team, step)
            return self.form.finish(team, scores, exact_weights)
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
        value = exact(self.plan.cap) if self.capped else self.combined
        step = _step(self.plan, "multiplier")
        if step is not None:
            value = self.round("multiplier", "multiplier", value, step)  # type: ignore[arg-type]
        return value  # type: ignore[return-value]

    def round(self, step_name: str, subject: str, value: Fraction, step: RoundingStep) -> Fraction:
        """Round `value` at one of the plan's steps, and keep the record for --explain."""
        rounded = round_fraction(value, step.quantum, step.mode)
        self.rounded.append(RoundingRecord(step_name, subject, value, rounded, step.quantum, step.mode))
        return rounded

    def multiplier_float(self) -> float:
        """The same multiplier from float scores: cheap, and within 1e-15 of the exact one."""
        if self.status != "paid":
            return np.nan
        if not self.gates_passed:
            return 0.0
        if self.form is not None:
            return float(self.multiplier)  # type: ignore[arg-type]
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
    target: Fraction | None = None  # the target amount the bonus multiplied (rounded if the plan rounds it)
    rounded: list[RoundingRecord] = field(default_factory=list)
    currency: dict[str, str] | None = None  # issue 14: pay currency, rate and converted bonus (None: version 1)
    # Beyond version 1 (payout/persons.py): this row's share of the formula bonus, and the person behind it.
    formula_bonus: Decimal | None = None
    discretion: Decimal | None = None  # this row's share of the discretion paid (before any pool)
    person: Person | None = None


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
    plan_rounding: dict[str, tuple[Decimal, str]] = field(default_factory=dict)  # plans rounding bonuses themselves
    actuals_are_workspace: bool = False  # paid on the workspace's own (adjusted) actuals, not a what-if or a YTD
    currency: CurrencyRun | None = None  # issue 14: pay currencies and rates (None: the workspace's only)
    settlement: Settlement | None = None  # segments and discretion (payout/persons.py); None in version 1
    approx: GroupApprox | None = None  # each group's float multiplier and scores, with error bounds (payout/approx.py)

    def rounding_of(self, plan: Plan) -> tuple[Decimal, str]:
        """The quantum and mode a plan's bonuses are rounded with (its own, else the workspace's)."""
        return self.plan_rounding.get(plan.id, (self.quantum, self.mode))

    def target_at(self, i: int) -> Fraction:
        return target_amount(self.table, i, self.groups[int(self.group_of[i])].plan)

    def __len__(self) -> int:
        return len(self.table)

    def bonus_at(self, i: int) -> Decimal | None:
        if not self.paid_mask[i]:
            return None
        bonus = units_to_decimal(self.units[i], self.quantum)
        return bonus if self.currency is None else self.currency.shown(self.currency.codes[i].as_py(), bonus)

    def rows_of(self, employee_id: str) -> list[int]:
        """The employee's rows: one, or an effective-dated employee's segments (each carrying a share)."""
        person = self.settlement.people.get(employee_id) if self.settlement is not None else None
        if person is not None:
            return list(person.rows)
        i = self.table.position(employee_id)
        return [] if i is None else [i]

    def person_bonus(self, employee_id: str) -> Decimal | None:
        """What the person is paid: the sum of their rows' bonuses (None if no row is paid)."""
        shares = [b for b in (self.bonus_at(i) for i in self.rows_of(employee_id)) if b is not None]
        return sum(shares[1:], shares[0]) if shares else None

    def exact_bonus_at(self, i: int) -> Fraction | None:
        multiplier = self.groups[int(self.group_of[i])].multiplier
        if multiplier is None:
            return None
        return self.target_at(i) * Fraction(int(self.days[i]), self.period.days) * multiplier

    def at(self, i: int) -> EmployeePayout:
        g = self.groups[int(self.group_of[i])]
        target = self.target_at(i)
        proration = Fraction(int(self.days[i]), self.period.days)
        exact_bonus = None if g.multiplier is None else target * proration * g.multiplier
        return EmployeePayout(
            self.table[i], g.status, list(g.reasons), dict(g.scores), dict(g.score_sources), g.combined,
            g.gates_passed, g.capped, g.multiplier, int(self.days[i]), proration,
            exact_bonus, self.bonus_at(i), self.pool is not None and bool(self.paid_mask[i]),
            target, list(g.rounded) + self._target_rounding(i, g.plan),
            None if self.currency is None else self.currency.employee_fields(i, self.bonus_at(i)),
            *self._person_at(i))

    def _person_at(self, i: int) -> tuple[Decimal | None, Decimal | None, Person | None]:
        s = self.settlement
        if s is None or not self.paid_mask[i]:
            return None, None, None
        if not uses_discretion(s):
            return None, None, s.people.get(self.table.ids[i].as_py())
        return (units_to_decimal(s.formula_units[i], self.quantum),
                units_to_decimal(s.bonus_units[i] - s.formula_units[i], self.quantum),
                s.people.get(self.table.ids[i].as_py()))

    def _target_rounding(self, i: int, plan: Plan) -> list[RoundingRecord]:
        step = _step(plan, "target_amount")
        if step is None:
            return []
        raw = target_amount(self.table, i, plan, rounded=False)
        return [RoundingRecord("target_amount", "target amount", raw, self.target_at(i), step.quantum, step.mode)]

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
        """Every paid bonus; with several pay currencies, converted to the workspace currency and rounded once."""
        if self.currency is not None:
            from pmrules.currency.run import converted_total

            return converted_total(self)
        return units_to_decimal(self.units[self.paid_mask].sum(), self.quantum)


def compute_payouts(ws: Workspace, catalog: Catalog, period: Period, employees: EmployeeTable, *,
                    actuals: Actuals | None = None, progress: Callable[[int], None] | None = None,
                    manual: bool = True) -> PayoutRun:
    """Pay `employees` for `period` under the workspace's plans; `actuals` replace the workspace's (what-if).

    The period and the employees are arguments, not read from the workspace, so a caller can pay another
    period or another employee table (a subset, effective-dated segments) without copying the workspace.
    `manual=False` pays as if there were no metric adjustments and no overrides (what the formula alone pays).
    """
    with cyclic_gc_paused():
        return _compute_payouts(ws, catalog, period, employees, actuals=actuals, progress=progress, manual=manual)


def _compute_payouts(ws: Workspace, catalog: Catalog, period: Period, employees: EmployeeTable, *,
                     actuals: Actuals | None, progress: Callable[[int], None] | None, manual: bool) -> PayoutRun:
    m = ws.manifest
    table = employees
    own_actuals = actuals is None
    if not manual and actuals is None and ws.raw_actuals is not None:
        actuals = ws.raw_actuals
    actuals = roll_up(ws, catalog, ws.actuals if actuals is None else actuals)
    org = ws.organisation
    cards, plans, root = org.scorecards, org.plans, org.root
    owners = set(org.centers) | employee_ids_among(table, [g.owner for p in m.plans for g in p.gates if g.owner])
    measured = {card.owner: [measured_owner(ws, card.owner, line) or card.owner for line in card.kpis]
                for card in m.scorecards}
    requests = {(who, line.kpi) for card in m.scorecards
                for who, line in zip(measured[card.owner], card.kpis, strict=True)}
    requests |= {(g.owner, g.kpi) for p in m.plans for g in p.gates
                 if g.owner in owners and g.kpi in catalog.kpis}  # type: ignore[misc]
    values = evaluate_kpis(catalog, actuals, sorted(requests))
    directions = {k: e.definition.direction for k, e in catalog.kpis.items()}
    overrides = index_overrides(ws, enabled=manual)
    line_overrides: dict[str, dict[str, ManualOverride]] = {}
    for (owner, kpi), override in overrides.lines.items():
        line_overrides.setdefault(owner, {})[kpi] = override
    scores: dict[tuple[str, str], ScoreResult] = {}

    by_curve: dict[tuple[str, tuple[float, float, float], tuple[str, str] | None], ScoreResult] = {}

    def score(owner: str, plan: Plan) -> ScoreResult | None:
        """A scorecard's score depends on the plan only through its curve: plans sharing a curve share it."""
        if owner not in cards:
            return None
        key = (owner, plan.id)
        if key not in scores:
            step = _step(plan, "line_factor")
            curve_key = (owner, (plan.curve.threshold, plan.curve.target, plan.curve.maximum),
                         None if step is None else (step.quantum, step.mode))
            if curve_key not in by_curve:
                by_curve[curve_key] = score_card(cards[owner], plan, values, directions, measured[owner],
                                                 line_overrides.get(owner))
            scores[key] = by_curve[curve_key]
        return scores[key]

    gates = {p.id: [check_gate(g, values, owners, set(catalog.kpis)) for g in p.gates if g.score is None]
             for p in m.plans}
    group_of, keys = _group_keys(table, cards)
    shared: dict[tuple[str, str], Group] = {}
    forms = {p.id: parse_combine(p.combine, component_names(p)) for p in m.plans if beyond_v1(p)}

    def level_owner(center: str, level: str) -> str | None:
        return nearest_at_level(org, center, level)

    parts = {p.id: (component_weights(p), component_names(p)) for p in m.plans}  # once per plan, not per group
    groups = [_score_group(plans[plan], center, individual, root, score, gates[plan], shared, level_owner,
                           forms.get(plan), overrides.components, parts.get(plan))
              for plan, center, individual in keys]
    if progress is not None:
        progress(len(table) // 2)
    days = period.days_employed(table)
    paid_mask = np.array([g.status == "paid" for g in groups], dtype=bool)[group_of] if groups else \
        np.zeros(0, dtype=bool)
    plan_rounding: dict[str, tuple[Decimal, str]] = {
        p.id: (Decimal(p.rounding.quantum), p.rounding.mode) for p in m.plans if p.rounding is not None}
    currency = currency_run(ws, table)
    unit = common_quantum([Decimal(m.rounding.quantum), *(q for q, _ in plan_rounding.values()),
                           *(currency.quanta if currency is not None else ())])
    discretion = [d for d in ws.discretion if table.position(d.employee_id) is not None]
    people = needs_settlement(table, discretion)
    if people and currency is not None:
        raise InputError("effective-dated employees and discretion do not combine with pay currencies yet",
                         location=ws.locate("currencies") if ws.manifest.currencies else None,
                         hint="pay the people of each currency in a workspace of that currency, or remove "
                              "the currency column, fx.csv and `currencies:`")
    approx = group_approx(groups)
    units, exact_rows, pool = bonus_units(m, table, period, days, groups, group_of, paid_mask, plan_rounding, unit,
                                          currency, pooled=not people, multipliers=approx.multiplier)
    settlement = None
    if people:
        units, settlement = settle_rows(m, table, period, days, groups, group_of, paid_mask, units, plan_rounding,
                                        unit, discretion)
        pool = settlement.pool
    if progress is not None:
        progress(len(table) - len(table) // 2)
    return PayoutRun(table, groups, group_of, days, units, paid_mask, values, scores, gates, period, actuals,
                     unit, m.rounding.mode, exact_rows, pool, plan_rounding, own_actuals, currency, settlement, approx)


def _group_keys(table: EmployeeTable, cards: Collection[str]) -> tuple[np.ndarray, list[tuple[str, str, str | None]]]:
    """Each employee's group index, and each group's (plan, centre, individual source).

    Groups are in the order np.unique would sort their keys (own scorecards first, last row first),
    found by counting over the key space rather than sorting a million keys.
    """
    n = len(table)
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    plans = pc.dictionary_encode(table.plans)
    centers = pc.dictionary_encode(table.centers)
    plan_code = plans.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    center_code = centers.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    ratings, rating_code = _distinct(table.rating.astype(np.int64))
    key = (plan_code * len(centers.dictionary) + center_code) * len(ratings) + rating_code
    factors: list[str] = [""]
    if table.factor_text is not None:  # an individual_factor column: one group per distinct factor too
        encoded = pc.dictionary_encode(table.factor_text)
        factors = encoded.dictionary.to_pylist()
        key = key * len(factors) + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    own = pc.is_in(table.ids, value_set=pa.array(list(cards), pa.string())).to_numpy(zero_copy_only=False)
    own_rows = np.flatnonzero(own)[::-1]  # an own scorecard is a group of one; np.unique put them first, last row first
    shared_rows = ~own
    unique, inverse = _distinct(key[shared_rows])
    group_of = np.empty(n, dtype=np.int64)
    group_of[own_rows] = np.arange(len(own_rows))
    group_of[shared_rows] = len(own_rows) + inverse
    plan_names = plans.dictionary.to_pylist()
    center_names = centers.dictionary.to_pylist()
    keys: list[tuple[str, str, str | None]] = [
        (plan_names[plan_code[row]], center_names[center_code[row]], f"card:{table.ids[row].as_py()}")
        for row in own_rows.tolist()]
    rest, factor_index = np.divmod(unique, len(factors))
    rest, rating_index = np.divmod(rest, len(ratings))
    plan_index, center_index = np.divmod(rest, len(centers.dictionary))
    for p, c, r, f in zip(plan_index.tolist(), center_index.tolist(), rating_index.tolist(), factor_index.tolist(),
                          strict=True):
        rating = table.rating_of(int(ratings[r]))
        factor = factors[f]
        keys.append((plan_names[p], center_names[c],
                     f"factor:{factor}" if factor else None if rating is None else f"rating:{rating}"))
    return group_of, keys


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) for int64 values; by counting when their range is small."""
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low >= max(4 * len(values), 1 << 16):
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.reshape(-1).astype(np.int64)
    present = np.zeros(high - low + 1, dtype=bool)
    present[values - low] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, position[values - low]


def _score_group(plan: Plan, center: str, individual: str | None, root: str,
                 score: Callable[[str, Plan], ScoreResult | None], gates: list[GateResult],
                 shared: dict[tuple[str, str], Group], level_owner: Callable[[str, str], str | None],
                 form: CombineForm | None = None,
                 overridden: Mapping[tuple[str, str], ManualOverride] | None = None,
                 parts: tuple[dict[str, float | int], list[str]] | None = None) -> Group:
    """One group's component scores; the corporate, unit and level parts are shared by every rating in a centre.

    `parts`: the plan's component weights and names, when the caller has them (groups of a plan share them).
    """
    weights, names = parts if parts is not None else (component_weights(plan), component_names(plan))
    base = shared.get((plan.id, center))
    if base is None:
        base = Group(plan, center, None, weights=weights, form=form)
        for component in names:
            if component in ("corporate", "unit"):
                _score_component(base, component, root if component == "corporate" else center, plan, score,
                                 overridden)
            elif component != "individual":  # a level: the nearest ancestor-or-self at it
                owner = level_owner(center, component)
                if owner is None:
                    base.reasons.append(f"{component} component: no centre at level '{component}' above '{center}'")
                    base.scores[component] = None
                else:
                    _score_component(base, component, owner, plan, score, overridden)
        base.reasons.extend(g.problem for g in gates if g.problem)
        shared[(plan.id, center)] = base
    group = Group(plan, center, individual, reasons=list(base.reasons), scores=dict(base.scores),
                  score_sources=dict(base.score_sources), weights=weights, form=form, rounded=list(base.rounded),
                  overridden=dict(base.overridden))
    if "individual" in names:
        if individual is not None and individual.startswith("card:"):
            _score_component(group, "individual", individual.split(":", 1)[1], plan, score)
        elif individual is not None and individual.startswith("factor:"):
            factor = individual.split(":", 1)[1]
            _set_score(group, "individual", Fraction(factor), f"individual_factor {factor}")
        elif individual is None:
            group.reasons.append("individual component: no individual_rating and no own scorecard")
            group.scores["individual"] = None
        else:
            rating = individual.split(":", 1)[1]
            table = plan.individual_ratings or {}
            if rating in table:
                _set_score(group, "individual", exact(table[rating]), f"rating {rating}")
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
                     score: Callable[[str, Plan], ScoreResult | None],
                     overridden: Mapping[tuple[str, str], ManualOverride] | None = None) -> None:
    scored = score(owner, plan)
    override = overridden.get((owner, component)) if overridden else None
    if override is not None:  # as written: no rounding step, and the scorecard's problems do not stop it
        group.scores[component] = override.value
        group.score_sources[component] = f"scorecard of {owner}"
        group.overridden[component] = (override, None if scored is None else scored.score)
        return
    if scored is None:
        group.reasons.append(f"{component} component: '{owner}' has no scorecard")
        group.scores[component] = None
        return
    _set_score(group, component, scored.score, f"scorecard of {owner}")
    if scored.score is None:
        group.reasons.extend(f"{component} component: {p}" for p in scored.problems)



def _set_score(group: Group, component: str, value: Fraction | None, source: str) -> None:
    """A component's score, rounded if the plan rounds component scores."""
    step = _step(group.plan, "component_score")
    if value is not None and step is not None:
        value = group.round("component_score", component, value, step)
    group.scores[component] = value
    group.score_sources[component] = source
