"""Levels of the centre tree (company, segment, unit, ...) and the centre a scorecard line measures.

A plan component named after a level scores the employee's nearest ancestor-or-self at that level;
a scorecard line with `of` or `of_level` measures another centre's KPI (a shared measure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmrules.errors import InputError, PmrulesError, did_you_mean
from pmrules.models import ScorecardLine
from pmrules.models.plan_options import component_names

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace
    from pmrules.workspace.organisation import Organisation

# Component names with a version-1 meaning (and the total score); a level may not take them.
RESERVED = ("corporate", "unit", "individual", "total")


def nearest_at_level(org: Organisation, center_id: str, level: str) -> str | None:
    """The centre itself if it is at `level`, else its nearest ancestor that is; None if there is none."""
    for node in [center_id, *org.ancestors(center_id)]:
        if org.centers[node].level == level:
            return node
    return None


def home_center(ws: Workspace, owner: str) -> str | None:
    """A centre owner is its own home; an employee's home is their centre."""
    if owner in ws.organisation.centers:
        return owner
    position = ws.employees.position(owner)
    return None if position is None else ws.employees.centers[position].as_py()


def measured_owner(ws: Workspace, owner: str, line: ScorecardLine) -> str | None:
    """The entity whose KPI value the line reads: `of`, the owner's centre at `of_level`, else the owner."""
    if line.of is not None:
        return line.of
    if line.of_level is not None:
        home = home_center(ws, owner)
        return None if home is None else nearest_at_level(ws.organisation, home, line.of_level)
    return owner


def check_levels(ws: Workspace) -> list[PmrulesError]:
    """Level names, centre levels, level components, score gates and shared-measure lines, each located."""
    m = ws.manifest
    errors: list[PmrulesError] = []
    levels = set(m.levels)
    for i, name in enumerate(m.levels):
        if name in RESERVED:
            errors.append(InputError(f"level '{name}' clashes with the component '{name}'", location=ws.locate(
                "levels", i), hint="corporate, unit, individual and total keep their own meaning; call the level "
                f"e.g. 'business_{name}'"))
        if m.levels.index(name) != i:
            errors.append(InputError(f"duplicate level '{name}'", location=ws.locate("levels", i)))
    for i, center in enumerate(m.centers):
        if center.level is not None and center.level not in levels:
            errors.append(InputError(f"centre '{center.id}' has unknown level '{center.level}'",
                                     location=ws.locate("centers", i, "level"),
                                     hint=did_you_mean(center.level, levels) or "list the level under `levels:`"))
    try:  # levels walk the tree, so only once it is sound (its own errors are reported elsewhere)
        centers = ws.organisation.centers if not errors else {}
    except (ValueError, KeyError):
        centers = {}
    center_ids = {c.id for c in m.centers}
    for i, card in enumerate(m.scorecards):
        for j, line in enumerate(card.kpis):
            if line.of is None and line.of_level is None:
                continue  # most lines measure their owner: nothing to check, nothing to locate
            where = ws.locate("scorecards", i, "kpis", j)
            if line.of is not None and line.of not in center_ids:
                errors.append(InputError(f"unknown centre '{line.of}' in `of` on the scorecard of '{card.owner}'",
                                         location=where, hint=did_you_mean(line.of, center_ids)
                                         or "`of` names a centre id"))
            elif line.of_level is not None:
                if line.of_level not in levels:
                    errors.append(InputError(f"unknown level '{line.of_level}' in `of_level` on the scorecard of "
                                             f"'{card.owner}'", location=where,
                                             hint=did_you_mean(line.of_level, levels) or "list it under `levels:`"))
                elif centers and home_center(ws, card.owner) in centers and measured_owner(ws, card.owner, line) is None:
                    errors.append(InputError(f"'{card.owner}' has no centre at level '{line.of_level}' above it "
                                             f"(for {line.kpi} on its scorecard)", location=where,
                                             hint="give an ancestor that `level`, or name the centre with `of`"))
    for i, plan in enumerate(m.plans):
        weights = component_names(plan)
        for name in weights:
            if name not in ("corporate", "unit", "individual") and name not in levels:
                errors.append(InputError(f"plan '{plan.id}' has unknown component '{name}'",
                                         location=ws.locate("plans", i, "components"),
                                         hint=did_you_mean(name, ["corporate", "unit", "individual", *levels])
                                         or "a component is corporate, unit, individual or a level under `levels:`"))
        for k, gate in enumerate(plan.gates):
            if gate.score is not None and gate.score != "total" and gate.score not in weights:
                errors.append(InputError(f"gate {k + 1} of plan '{plan.id}' tests score '{gate.score}', which is "
                                         "not a component of the plan", location=ws.locate("plans", i, "gates", k),
                                         hint=f"name one of: {', '.join([*weights, 'total'])}"))
    return errors
