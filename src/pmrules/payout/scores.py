"""Scorecard scores per (owner, plan) and gate results per plan, exact and with their working shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmrules.catalog.values import KpiValues
from pmrules.models import Gate, Plan, Scorecard
from pmrules.payout.curve import Breakpoints, curve_segment, line_factor
from pmrules.payout.exact import exact
from pmrules.payout.rounding import round_fraction
from pmrules.rational import Fraction


@dataclass(frozen=True)
class LineResult:
    kpi: str
    weight: Fraction
    value: Fraction | None
    breakpoints: Breakpoints | None
    direction: str
    factor: Fraction | None
    segment: str | None
    problem: str | None = None
    unrounded: Fraction | None = None  # the factor before the plan's line_factor rounding step, if it rounds


@dataclass
class ScoreResult:
    owner: str
    plan: str
    lines: list[LineResult] = field(default_factory=list)
    score: Fraction | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GateResult:
    owner: str
    kpi: str
    value: Fraction | None
    min: Fraction | None
    max: Fraction | None
    passed: bool | None
    problem: str | None = None


def curve_of(plan: Plan) -> Breakpoints:
    return Breakpoints(exact(plan.curve.threshold), exact(plan.curve.target), exact(plan.curve.maximum))


def score_card(card: Scorecard, plan: Plan, values: KpiValues, directions: Mapping[str, str]) -> ScoreResult:
    """sum of weight x line factor through the plan's curve; any line that cannot be scored is a problem."""
    result = ScoreResult(card.owner, plan.id)
    curve = curve_of(plan)
    step = plan.rounding_steps.line_factor if plan.rounding_steps else None
    total = Fraction(0)
    for line in card.kpis:
        direction = directions[line.kpi]
        weight = exact(line.weight)
        value = values.get(card.owner, line.kpi)
        problem = None
        if value is None:
            problem = f"KPI '{line.kpi}' for '{card.owner}': {values.problems.get((card.owner, line.kpi), 'no value')}"
        marks = (line.threshold, line.target, line.maximum)
        points = None
        if None in marks:
            problem = problem or f"KPI '{line.kpi}' on the scorecard of '{card.owner}' lacks threshold, target or maximum"
        else:
            points = Breakpoints(*(exact(m) for m in marks))  # type: ignore[arg-type]
            ordered = points.threshold < points.target < points.maximum
            if direction == "lower":
                ordered = points.threshold > points.target > points.maximum
            if not ordered:
                problem = problem or (f"KPI '{line.kpi}' on the scorecard of '{card.owner}' has breakpoints not "
                                      f"ordered for direction {direction}")
        if problem is not None or value is None or points is None:
            result.lines.append(LineResult(line.kpi, weight, value, points, direction, None, None, problem))
            result.problems.append(problem or "unscorable line")
            continue
        factor = line_factor(value, points, curve, direction)
        unrounded = None
        if step is not None:
            unrounded, factor = factor, round_fraction(factor, step.quantum, step.mode)
        total += weight * factor
        result.lines.append(LineResult(line.kpi, weight, value, points, direction, factor,
                                       curve_segment(value, points, direction), unrounded=unrounded))
    if not result.problems:
        result.score = total
    return result


def check_gate(gate: Gate, values: KpiValues, known_owners: set[str], known_kpis: set[str]) -> GateResult:
    low = None if gate.min is None else exact(gate.min)
    high = None if gate.max is None else exact(gate.max)
    if gate.owner not in known_owners or gate.kpi not in known_kpis:
        missing = f"owner '{gate.owner}'" if gate.owner not in known_owners else f"KPI '{gate.kpi}'"
        return GateResult(gate.owner, gate.kpi, None, low, high, None, f"gate names unknown {missing}")
    value = values.get(gate.owner, gate.kpi)
    if value is None:
        reason = values.problems.get((gate.owner, gate.kpi), "no value")
        return GateResult(gate.owner, gate.kpi, None, low, high, None,
                          f"gate KPI '{gate.kpi}' for '{gate.owner}': {reason}")
    passed = (low is None or value >= low) and (high is None or value <= high)
    return GateResult(gate.owner, gate.kpi, value, low, high, passed)
