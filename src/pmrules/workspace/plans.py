"""Checks of the plan shapes beyond version 1: combine formulas, rounding steps, factor ranges.

Each problem is located at its key in pmrules.yaml; nothing a plan writes may change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmrules.errors import InputError, PmrulesError
from pmrules.formula.combine import INDIVIDUAL, parse_combine
from pmrules.models.plan_options import component_names

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace


def check_plans(ws: Workspace) -> list[PmrulesError]:
    errors: list[PmrulesError] = []
    for i, plan in enumerate(ws.manifest.plans):
        names = component_names(plan)
        if not names:
            continue
        if len(set(names)) != len(names):
            errors.append(InputError(f"plan '{plan.id}' lists a component twice", location=ws.locate("plans", i,
                                     "components")))
            continue
        if isinstance(plan.components, list) and plan.combine == "add":
            errors.append(InputError(f"plan '{plan.id}' lists its components without weights, but combines them by "
                                     "`add` (sum of weight x score)", location=ws.locate("plans", i, "components"),
                                     hint="give weights ({corporate: 0.3, unit: 0.7}), or write `combine: multiply` "
                                          "or a formula such as (0.3*corporate + 0.7*unit) * individual"))
            continue
        try:
            form = parse_combine(plan.combine, names, location=ws.locate("plans", i, "combine"))
        except PmrulesError as exc:
            errors.append(exc)
            continue
        steps = plan.rounding_steps.steps() if plan.rounding_steps else {}
        if "team_factor" in steps and not form.team_split():
            errors.append(InputError(
                f"plan '{plan.id}' rounds the team factor, but its combine {plan.combine!r} has no team x "
                "individual form", location=ws.locate("plans", i, "rounding_steps", "team_factor"),
                hint="write the combine as (team formula) * individual, e.g. (0.6*unit + 0.4*corporate) * individual"))
        if plan.individual_factor is not None and INDIVIDUAL not in names:
            errors.append(InputError(f"plan '{plan.id}' sets an individual_factor range but has no individual "
                                     "component", location=ws.locate("plans", i, "individual_factor"),
                                     hint="add the individual component, or remove individual_factor"))
        if plan.rounding is not None and ws.manifest.pool is not None:
            errors.append(InputError(f"plan '{plan.id}' rounds its bonuses itself, but the workspace pays a pool, "
                                     "whose shares are rounded to the workspace's quantum",
                                     location=ws.locate("plans", i, "rounding"),
                                     hint="remove the plan's rounding, or the pool"))
    return errors
