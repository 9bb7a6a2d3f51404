"""The payout curve of WORKSPACE.md: a scorecard line's KPI value to a payout factor."""

from __future__ import annotations

from typing import NamedTuple

from pmrules.rational import Fraction


class Breakpoints(NamedTuple):
    threshold: Fraction
    target: Fraction
    maximum: Fraction


def line_factor(value: Fraction, line: Breakpoints, curve: Breakpoints, direction: str) -> Fraction:
    """0 below threshold, linear between breakpoints, flat above maximum; a breakpoint earns its own factor.

    `direction: lower` is the mirror, computed by negating values and breakpoints.
    """
    if direction == "lower":
        value = -value
        line = Breakpoints(-line.threshold, -line.target, -line.maximum)
    if value < line.threshold:
        return Fraction(0)
    if value >= line.maximum:
        return curve.maximum
    if value <= line.target:
        span = line.target - line.threshold
        return curve.threshold + (value - line.threshold) / span * (curve.target - curve.threshold)
    span = line.maximum - line.target
    return curve.target + (value - line.target) / span * (curve.maximum - curve.target)


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
        return "at threshold"
    if value == line.target:
        return "at target"
    return "between threshold and target" if value < line.target else "between target and maximum"
