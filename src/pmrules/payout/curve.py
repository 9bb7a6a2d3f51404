"""The payout curve of WORKSPACE.md: a scorecard line's KPI value to a payout factor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pmrules.rational import Fraction

ZERO = Fraction(0)


class Breakpoints(NamedTuple):
    threshold: Fraction
    target: Fraction
    maximum: Fraction


class Point(NamedTuple):
    result: Fraction
    factor: Fraction


def line_factor(value: Fraction, line: Breakpoints, curve: Breakpoints, direction: str,
                below: Fraction = ZERO) -> Fraction:
    """`below` under threshold, linear between breakpoints, flat above maximum; a breakpoint earns its own factor.

    A threshold equal to the target is a cliff: the target factor from there (and a target equal to the
    maximum pays the maximum factor from there). `direction: lower` is the mirror, by negation.
    """
    if direction == "lower":
        value = -value
        line = Breakpoints(-line.threshold, -line.target, -line.maximum)
    if value < line.threshold:
        return below
    if value >= line.maximum:
        return curve.maximum
    if value >= line.target:  # so target < maximum here
        span = line.maximum - line.target
        return curve.target + (value - line.target) / span * (curve.maximum - curve.target)
    span = line.target - line.threshold  # threshold <= value < target, so span > 0
    return curve.threshold + (value - line.threshold) / span * (curve.target - curve.threshold)


def points_factor(value: Fraction, points: Sequence[Point], direction: str, below: Fraction = ZERO,
                  steps: bool = False) -> Fraction:
    """A multi-point curve (worst result first): interpolated between points, or stepped; a repeated result is
    a cliff paying the later point's factor; `below` before the first point, the last factor after the last."""
    sign = -1 if direction == "lower" else 1
    value = sign * value
    results = [sign * p.result for p in points]
    if value < results[0]:
        return below
    if value >= results[-1]:
        return points[-1].factor
    i = max(k for k, r in enumerate(results) if r <= value)  # i < last, and results[i + 1] > value
    if steps:
        return points[i].factor
    low, high = points[i], points[i + 1]
    return low.factor + (value - results[i]) / (results[i + 1] - results[i]) * (high.factor - low.factor)


def points_ordered(points: Sequence[Point], direction: str) -> bool:
    """Results never go backwards for the direction (equal results are a cliff)."""
    sign = -1 if direction == "lower" else 1
    return all(sign * a.result <= sign * b.result for a, b in zip(points, points[1:], strict=False))


def curve_segment(value: Fraction, line: Breakpoints, direction: str) -> str:
    """Which part of the curve a value falls on, for explanations."""
    if direction == "lower":
        value = -value
        line = Breakpoints(-line.threshold, -line.target, -line.maximum)
    if value < line.threshold:
        return "below threshold"
    if value >= line.maximum:
        return "at or above maximum" if value > line.maximum else "at maximum"
    if value == line.threshold:
        return "at threshold" if line.threshold < line.target else "at target (a cliff: threshold = target)"
    if value == line.target:
        return "at target"
    return "between threshold and target" if value < line.target else "between target and maximum"


def points_segment(value: Fraction, points: Sequence[Point], direction: str) -> str:
    sign = -1 if direction == "lower" else 1
    results = [sign * p.result for p in points]
    v = sign * value
    if v < results[0]:
        return "below the first point"
    if v >= results[-1]:
        return "at or beyond the last point"
    i = max(k for k, r in enumerate(results) if r <= v)
    return f"at point {i + 1}" if v == results[i] else f"between points {i + 1} and {i + 2}"
