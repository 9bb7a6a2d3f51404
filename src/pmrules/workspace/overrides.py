"""Measure overrides (`overrides:` in pmrules.yaml): checked against the scorecards and plans, then indexed.

An override names something that exists: a line on the owner's scorecard, or a component that can be
scored from the owner's scorecard (corporate: the root; unit: any centre; a level: a centre at that
level). Anything else is an input error with its pmrules.yaml line, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmrules.errors import InputError, PmrulesError, did_you_mean
from pmrules.models import Override
from pmrules.models.plan_options import component_names
from pmrules.rational import Fraction

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace


@dataclass(frozen=True)
class ManualOverride:
    """An override as the payout uses it: the exact value, and where it is written."""

    owner: str
    target: str  # the KPI (a line) or the component
    is_line: bool
    value: Fraction
    text: str  # the value as written
    reason: str
    approved_by: str
    where: str  # pmrules.yaml:LINE

    def describe(self) -> str:
        """`overridden to 0 by J. Doe: reason (pmrules.yaml:12)`, for --explain and the report."""
        by = self.approved_by or "nobody (no approver)"
        return f"overridden to {self.text} by {by}: {self.reason or '(no reason given)'} ({self.where})"


@dataclass(frozen=True)
class OverrideIndex:
    lines: Mapping[tuple[str, str], ManualOverride]  # (scorecard owner, KPI)
    components: Mapping[tuple[str, str], ManualOverride]  # (scored centre, component)

    def __bool__(self) -> bool:
        return bool(self.lines or self.components)


def index_overrides(ws: Workspace, *, enabled: bool = True) -> OverrideIndex:
    """The overrides by what they replace; none when `enabled` is false (paying on the formula alone)."""
    lines: dict[tuple[str, str], ManualOverride] = {}
    components: dict[tuple[str, str], ManualOverride] = {}
    for i, o in enumerate(ws.manifest.overrides if enabled else []):
        value = o.value
        exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
        record = ManualOverride(o.owner, o.target, o.kpi is not None, exact, repr(value), o.reason.strip(),
                                o.approved_by.strip(), str(ws.locate("overrides", i)))
        (lines if record.is_line else components)[(o.owner, o.target)] = record
    return OverrideIndex(lines, components)


def check_overrides(ws: Workspace) -> list[PmrulesError]:
    """Every override names an existing line or a component its owner can be scored as; no target twice."""
    m = ws.manifest
    if not m.overrides:
        return []
    org_centers = {c.id: c for c in m.centers}
    cards = {card.owner: card for card in m.scorecards}
    root = next((c.id for c in m.centers if c.parent is None), None)
    used = {name for p in m.plans for name in component_names(p)}
    errors: list[PmrulesError] = []
    seen: dict[tuple[str, str], int] = {}
    for i, o in enumerate(m.overrides):
        where = ws.locate("overrides", i)
        key = (o.owner, o.target)
        if key in seen:
            errors.append(InputError(f"override of {o.target} for {o.owner} is given twice", location=where,
                                     hint=f"the first is item {seen[key] + 1} of `overrides:`: keep one"))
            continue
        seen[key] = i
        problem = _line_problem(o, cards) if o.kpi is not None else _component_problem(o, org_centers, root, used)
        if problem is not None:
            errors.append(InputError(problem[0], location=where, hint=problem[1]))
    return errors


def _line_problem(o: Override, cards: Mapping[str, object]) -> tuple[str, str] | None:
    card = cards.get(o.owner)
    if card is None:
        return (f"override: {o.owner} has no scorecard",
                did_you_mean(o.owner, cards) or "name the owner of a scorecard under `scorecards:`")
    kpis = [line.kpi for line in card.kpis]  # type: ignore[attr-defined]
    if o.kpi not in kpis:
        return (f"override: the scorecard of {o.owner} has no line {o.kpi}",
                did_you_mean(str(o.kpi), kpis) or f"its lines: {', '.join(kpis)}")
    if kpis.count(o.kpi) > 1:
        return (f"override: the scorecard of {o.owner} has {kpis.count(o.kpi)} lines {o.kpi}",
                "an override names one line: give each line its own KPI")
    return None


def _component_problem(o: Override, centers: Mapping[str, object], root: str | None,
                       used: set[str]) -> tuple[str, str] | None:
    component = str(o.component)
    if component == "individual":
        return ("override: the individual component is per employee, not a centre's",
                "override a line of the employee's own scorecard, or use individual_factor in employees.csv")
    if component not in used:
        return (f"override: no plan has a component {component}",
                did_you_mean(component, used) or f"the plans' components: {', '.join(sorted(used))}")
    center = centers.get(o.owner)
    if center is None:
        return (f"override: {o.owner} is not a centre",
                did_you_mean(o.owner, centers) or "a component override names the centre whose score it replaces")
    if component == "corporate" and o.owner != root:
        return (f"override: the corporate score is the root's ({root}), not {o.owner}'s",
                f"write owner: {root}, or override the unit score of {o.owner}")
    level = getattr(center, "level", None)
    if component not in ("corporate", "unit") and level != component:
        return (f"override: {o.owner} is not at level {component}" + (f" (it is at {level})" if level else ""),
                f"name a centre at level {component}")
    return None
