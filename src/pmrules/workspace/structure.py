"""Cross-reference checks that need only the workspace itself: ids, the centre tree, dates, ratings."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pmrules.errors import InputError, Location, PmrulesError, did_you_mean

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace


def _duplicates(ids: list[str]) -> set[str]:
    return {key for key, count in Counter(ids).items() if count > 1}


def _unknown(what: str, name: str, known: set[str], where: Location, fix: str) -> InputError:
    return InputError(f"unknown {what} '{name}'", location=where, hint=did_you_mean(name, known) or fix)


def check_structure(ws: Workspace) -> list[PmrulesError]:
    """Every structural problem of the workspace, each located."""
    m = ws.manifest
    errors: list[PmrulesError] = []
    centers = {c.id: c for c in m.centers}
    employees = {e.employee_id: e for e in ws.employees}
    plans = {p.id: p for p in m.plans}

    if m.period_end < m.period_start:
        errors.append(
            InputError(
                f"period_end {m.period_end} is before period_start {m.period_start}",
                location=ws.locate("period_end"),
            )
        )
    if m.pool is not None:
        from decimal import Decimal

        quantum = Decimal(m.rounding.quantum)
        if Decimal(m.pool.amount) % quantum != 0:
            errors.append(InputError(f"pool.amount {m.pool.amount} is not a multiple of the rounding quantum {quantum}",
                                     location=ws.locate("pool", "amount"),
                                     hint="give the pool in whole units of the quantum, e.g. \"250000.00\""))
    for what, key, ids in (
        ("centre", "centers", [c.id for c in m.centers]),
        ("plan", "plans", [p.id for p in m.plans]),
        ("objective", "strategy", [o.id for o in m.strategy.objectives]),
        ("scorecard owner", "scorecards", [s.owner for s in m.scorecards]),
    ):
        for dup in sorted(_duplicates(ids)):
            position = [i for i, x in enumerate(ids) if x == dup][1]
            path = (key, position) if key != "strategy" else ("strategy", "objectives", position)
            errors.append(InputError(f"duplicate {what} id '{dup}'", location=ws.locate(*path)))
    clash = sorted(set(centers) & set(employees))
    for name in clash:
        errors.append(
            InputError(
                f"'{name}' is both a centre id and an employee id",
                location=ws.employee_location(employees[name]),
                hint="owners are looked up by id, so ids must be unique across centres and employees",
            )
        )

    roots = [i for i, c in enumerate(m.centers) if c.parent is None]
    if len(roots) != 1:
        where = ws.locate("centers", roots[1] if len(roots) > 1 else 0)
        names = ", ".join(m.centers[i].id for i in roots) or "none"
        errors.append(
            InputError(
                f"the centre tree needs exactly one root (a centre without parent), found {len(roots)}: {names}",
                location=where,
                hint="give every centre but the top one a `parent`",
            )
        )
    for i, center in enumerate(m.centers):
        if center.parent is not None and center.parent not in centers:
            errors.append(_unknown("parent centre", center.parent, set(centers), ws.locate("centers", i, "parent"),
                                   "name a centre id"))
        if center.manager is not None and center.manager not in employees:
            errors.append(_unknown("manager employee", center.manager, set(employees),
                                   ws.locate("centers", i, "manager"), "name an employee_id from employees"))
    errors.extend(_cycles(ws))

    for i, card in enumerate(m.scorecards):
        if card.owner not in centers and card.owner not in employees:
            errors.append(_unknown("scorecard owner", card.owner, set(centers) | set(employees),
                                   ws.locate("scorecards", i, "owner"), "an owner is a centre id or an employee id"))
    for i, plan in enumerate(m.plans):
        if not plan.components.weights():
            errors.append(InputError(f"plan '{plan.id}' has no components", location=ws.locate("plans", i)))

    for employee in ws.employees:
        where = ws.employee_location(employee)
        if employee.center not in centers:
            errors.append(_unknown("centre", employee.center, set(centers), where, "name a centre id"))
        plan = plans.get(employee.plan)
        if plan is None:
            errors.append(_unknown("plan", employee.plan, set(plans), where, "name a plan id"))
            continue
        if employee.individual_rating is not None:
            table = plan.individual_ratings or {}
            if employee.individual_rating not in table:
                allowed = ", ".join(str(k) for k in sorted(table)) or "none (the plan has no individual_ratings)"
                errors.append(
                    InputError(
                        f"individual_rating {employee.individual_rating} is not in plan '{plan.id}'",
                        location=where,
                        hint=f"allowed ratings: {allowed}",
                    )
                )
    for (entity, _name), where in sorted(ws.actuals.where.items(), key=lambda kv: kv[1]):
        if entity not in centers and entity not in employees:
            errors.append(_unknown("entity", entity, set(centers) | set(employees), where,
                                   "an entity is a centre id or an employee id"))
    return errors


def _cycles(ws: Workspace) -> list[PmrulesError]:
    parents = {c.id: c.parent for c in ws.manifest.centers}
    positions = {c.id: i for i, c in enumerate(ws.manifest.centers)}
    reported: set[str] = set()
    errors: list[PmrulesError] = []
    for start in parents:
        path, node = [], start
        while node is not None and node in parents and node not in path:
            path.append(node)
            node = parents[node]
        if node is not None and node in path:
            cycle = path[path.index(node):]
            if not reported & set(cycle):
                reported |= set(cycle)
                chain = " -> ".join([*cycle, node])
                errors.append(InputError(f"the centre tree has a cycle: {chain}",
                                         location=ws.locate("centers", positions[cycle[0]], "parent"),
                                         hint="a centre cannot be its own ancestor"))
    return errors
