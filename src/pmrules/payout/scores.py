"""Scorecard scores per (owner, plan) and gate results per plan, exact and with their working shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmrules.catalog.values import KpiValues
from pmrules.models import Gate, Plan, Scorecard, ScorecardLine
from pmrules.payout.curve import (
    Breakpoints,
    Point,
    curve_segment,
    line_factor,
    points_factor,
    points_ordered,
    points_segment,
)
from pmrules.payout.exact import exact
from pmrules.payout.rounding import round_fraction
from pmrules.rational import Fraction
from pmrules.workspace.overrides import ManualOverride


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
    measured: str | None = None  # the centre whose KPI the line measures, when not the card's owner
    points: tuple[Point, ...] | None = None  # the line's own multi-point curve
    own_factors: Breakpoints | None = None  # the line's own factors at threshold, target, maximum
    below: Fraction | None = None  # the line's own factor below threshold (when it sets one)
    unrounded: Fraction | None = None  # the factor before the plan's line_factor rounding step, if it rounds
    override: ManualOverride | None = None  # `overrides:` replaced the factor (the KPI value stays the real one)
    computed: Fraction | None = None  # with an override: the factor the curve gave (None if it could not)


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


def _ordered(points: Breakpoints, direction: str) -> bool:
    """threshold <= target <= maximum (mirrored for lower); equal neighbours are cliffs, not disorder."""
    if direction == "lower":
        return points.threshold >= points.target >= points.maximum
    return points.threshold <= points.target <= points.maximum


def _line_points(line: ScorecardLine) -> tuple[Point, ...] | None:
    if line.curve is None or line.curve.points is None:
        return None
    return tuple(Point(exact(p.result), exact(p.factor)) for p in line.curve.points)


def score_card(card: Scorecard, plan: Plan, values: KpiValues, directions: Mapping[str, str],
               measured: Sequence[str] | None = None,
               overrides: Mapping[str, ManualOverride] | None = None) -> ScoreResult:
    """sum of weight x line factor through the line's own curve or the plan's; any unscorable line is a problem.

    `measured[j]` is the centre whose KPI line j measures (a shared measure), by default the card's owner.
    `overrides` (by KPI) replace a line's factor as written: no rounding step applies to it, and a line
    whose KPI cannot be computed is scorable once overridden.
    """
    result = ScoreResult(card.owner, plan.id)
    curve = curve_of(plan)
    step = plan.rounding_steps.line_factor if plan.rounding_steps else None
    total = Fraction(0)
    for j, line in enumerate(card.kpis):
        direction = directions[line.kpi]
        weight = exact(line.weight)
        owner = card.owner if measured is None else measured[j]
        shared = None if owner == card.owner else owner
        value = values.get(owner, line.kpi)
        problem = None
        if value is None:
            problem = f"KPI '{line.kpi}' for '{owner}': {values.problems.get((owner, line.kpi), 'no value')}"
        own = line.curve
        points = _line_points(line)
        marks = (line.threshold, line.target, line.maximum)
        breakpoints = None
        if points is not None:
            if not points_ordered(points, direction):
                problem = problem or (f"KPI '{line.kpi}' on the scorecard of '{card.owner}' has curve points not "
                                      f"ordered for direction {direction}")
        elif None in marks:
            problem = problem or f"KPI '{line.kpi}' on the scorecard of '{card.owner}' lacks threshold, target or maximum"
        else:
            breakpoints = Breakpoints(*(exact(m) for m in marks))  # type: ignore[arg-type]
            if not _ordered(breakpoints, direction):
                problem = problem or (f"KPI '{line.kpi}' on the scorecard of '{card.owner}' has breakpoints not "
                                      f"ordered for direction {direction}")
        override = overrides.get(line.kpi) if overrides else None
        if override is not None and (problem is not None or value is None):
            total += weight * override.value
            result.lines.append(LineResult(line.kpi, weight, value, breakpoints, direction, override.value, "override",
                                           None, shared, points, override=override))
            continue
        if problem is not None or value is None:
            result.lines.append(LineResult(line.kpi, weight, value, breakpoints, direction, None, None, problem,
                                           shared, points))
            result.problems.append(problem or "unscorable line")
            continue
        below = exact(own.below) if own is not None else Fraction(0)
        factors = curve
        if points is not None:
            factor = points_factor(value, points, direction, below, own.steps if own else False)
            segment = points_segment(value, points, direction)
        else:
            assert breakpoints is not None
            factors = curve if own is None else Breakpoints(exact(own.threshold), exact(own.target),  # type: ignore[arg-type]
                                                            exact(own.maximum))  # type: ignore[arg-type]
            factor = line_factor(value, breakpoints, factors, direction, below)
            segment = curve_segment(value, breakpoints, direction)
        unrounded = None
        if step is not None:
            unrounded, factor = factor, round_fraction(factor, step.quantum, step.mode)
        computed = None
        if override is not None:
            computed, factor, unrounded = factor, override.value, None
        total += weight * factor
        result.lines.append(LineResult(line.kpi, weight, value, breakpoints, direction, factor, segment, None,
                                       shared, points, None if own is None or points is not None else factors,
                                       None if own is None else below, unrounded, override, computed))
    if not result.problems:
        result.score = total
    return result


def check_gate(gate: Gate, values: KpiValues, known_owners: set[str], known_kpis: set[str]) -> GateResult:
    """A KPI gate (score gates are checked per group, on its scores)."""
    low = None if gate.min is None else exact(gate.min)
    high = None if gate.max is None else exact(gate.max)
    assert gate.owner is not None and gate.kpi is not None
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
