"""Cross-reference checks that need only the workspace itself: ids, the centre tree, dates, ratings."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.errors import InputError, Location, PmrulesError, did_you_mean
from pmrules.models import Plan
from pmrules.models.plan_options import component_names, is_whole_rating
from pmrules.rational import Fraction
from pmrules.safetext import excerpt
from pmrules.workspace.employees import LABEL_BASE, NO_RATING, EmployeeTable
from pmrules.workspace.levels import check_levels
from pmrules.workspace.membership import employee_ids_among
from pmrules.workspace.plans import check_plans

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace


def _duplicates(ids: list[str]) -> set[str]:
    return {key for key, count in Counter(ids).items() if count > 1}


def _unknown(what: str, name: str, known: Iterable[str], where: Location, fix: str) -> InputError:
    return InputError(f"unknown {what} {excerpt(name)}", location=where, hint=did_you_mean(name, known) or fix)


def check_structure(ws: Workspace) -> list[PmrulesError]:
    """Every structural problem of the workspace, each located."""
    m = ws.manifest
    errors: list[PmrulesError] = []
    centers = {c.id: c for c in m.centers}
    table = ws.employees
    # only the names the manifest and actuals use are looked up; the full id set only for a hint
    employee_ids = employee_ids_among(table, [*centers, *(c.manager for c in m.centers if c.manager is not None),
                                              *(card.owner for card in m.scorecards),
                                              *(entity for entity, _name in ws.actuals.where)])

    @functools.cache
    def all_ids() -> frozenset[str]:
        return frozenset(table.id_list())

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
        ("objective", "strategy", [o.id for o in (m.strategy.objectives if m.strategy else [])]),
        ("scorecard owner", "scorecards", [s.owner for s in m.scorecards]),
    ):
        for dup in sorted(_duplicates(ids)):
            first, position = [i for i, x in enumerate(ids) if x == dup][:2]

            def path(i: int, key: str = key) -> tuple[str | int, ...]:
                return (key, i) if key != "strategy" else ("strategy", "objectives", i)

            errors.append(InputError(f"duplicate {what} id {excerpt(dup)}", location=ws.locate(*path(position)),
                                     hint=f"first defined on line {ws.locate(*path(first)).line} (ids are compared "
                                          "once normalised: full-width letters and spaces around them do not count)"))
    clash = sorted(set(centers) & employee_ids)
    for name in clash:
        errors.append(
            InputError(
                f"{excerpt(name)} is both a centre id and an employee id",
                location=table.location(table.position(name) or 0),
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
        if center.manager is not None and center.manager not in employee_ids:
            errors.append(_unknown("manager employee", center.manager, all_ids(),
                                   ws.locate("centers", i, "manager"), "name an employee_id from employees"))
    cycles = _cycles(ws)
    errors.extend(cycles or _too_deep(ws))

    for i, card in enumerate(m.scorecards):
        if card.owner not in centers and card.owner not in employee_ids:
            errors.append(_unknown("scorecard owner", card.owner, set(centers) | all_ids(),
                                   ws.locate("scorecards", i, "owner"), "an owner is a centre id or an employee id"))
    for i, plan in enumerate(m.plans):
        if not component_names(plan):
            errors.append(InputError(f"plan '{plan.id}' has no components", location=ws.locate("plans", i)))
    errors.extend(check_plans(ws))

    errors.extend(check_levels(ws))
    errors.extend(_employee_references(ws, set(centers), plans))
    unknown = [(key, where) for key, where in ws.actuals.where.items()
               if key[0] not in centers and key[0] not in employee_ids]  # few, so only they are sorted
    for (entity, _name), where in sorted(unknown, key=lambda kv: kv[1]):
        errors.append(_unknown("entity", entity, set(centers) | all_ids(), where,
                               "an entity is a centre id or an employee id"))
    return errors


def _cycles(ws: Workspace) -> list[PmrulesError]:
    """Each cycle of the parent links once, in one linear pass (every centre is visited once)."""
    parents = {c.id: c.parent for c in ws.manifest.centers}
    positions = {c.id: i for i, c in enumerate(ws.manifest.centers)}
    done: set[str] = set()  # centres whose way up was walked already: linear, even for a 10,000-deep chain
    errors: list[PmrulesError] = []
    for start in parents:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node in parents and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = parents[node]
        if node is not None and node in on_path:
            cycle = path[on_path[node]:]
            chain = " -> ".join([*cycle, node]) if len(cycle) <= 20 else \
                " -> ".join([*cycle[:10], f"... {len(cycle) - 20} more ...", *cycle[-10:], node])
            errors.append(InputError(f"the centre tree has a cycle: {chain}",
                                     location=ws.locate("centers", positions[cycle[0]], "parent"),
                                     hint="a centre cannot be its own ancestor"))
        done.update(path)
    return errors


MAX_CENTER_DEPTH = 64


def _too_deep(ws: Workspace) -> list[PmrulesError]:
    """The centre tree may be at most MAX_CENTER_DEPTH levels below its root (walks along it stay short)."""
    parents = {c.id: c.parent for c in ws.manifest.centers}
    depth: dict[str, int] = {}
    for i, center in enumerate(ws.manifest.centers):
        path: list[str] = []
        node: str | None = center.id
        while node is not None and node in parents and node not in depth:
            path.append(node)
            node = parents[node]
        below = depth[node] if node is not None and node in depth else -1
        for walked in reversed(path):
            below += 1
            depth[walked] = below
        if depth[center.id] > MAX_CENTER_DEPTH:
            return [InputError(f"centre '{center.id}' is {depth[center.id]} levels below the root; at most "
                               f"{MAX_CENTER_DEPTH} are allowed", location=ws.locate("centers", i, "parent"),
                               hint="flatten the centre tree")]
    return []


MAX_ROW_ERRORS = 50


def _employee_references(ws: Workspace, centers: set[str], plans: dict[str, Plan]) -> list[PmrulesError]:
    """Centre, plan and rating of every employee, checked column-wise (a million rows stay fast)."""
    table = ws.employees
    errors: list[PmrulesError] = []
    bad: list[tuple[int, PmrulesError]] = []
    for column, known, what in ((table.centers, centers, "centre"), (table.plans, set(plans), "plan")):
        unknown = np.flatnonzero(pc.is_null(pc.index_in(column, value_set=pa.array(sorted(known), pa.string())))
                                 .to_numpy(zero_copy_only=False))
        for i in unknown[:MAX_ROW_ERRORS]:
            name = column[int(i)].as_py()
            bad.append((int(i), _unknown(what, name, known, table.location(int(i)), f"name a {what} id")))
        if len(unknown) > MAX_ROW_ERRORS:
            errors.append(InputError(f"... and {len(unknown) - MAX_ROW_ERRORS} more rows with an unknown {what}",
                                     location=Location(table.file)))
    plan_of = pc.index_in(table.plans, value_set=pa.array(list(plans), pa.string())).to_numpy(zero_copy_only=False)
    has_rating = table.rating != NO_RATING
    for k, plan in enumerate(plans.values()):
        table_keys = plan.individual_ratings or {}
        allowed = np.array([int(r) for r in table_keys if is_whole_rating(r)], dtype=np.int64)
        # Ratings written as decimals or words have codes of their own; allow those whose spelling the plan lists.
        allowed = np.append(allowed, [LABEL_BASE - j for j, label in enumerate(table.rating_labels)
                                      if label in table_keys]).astype(np.int64)
        rows = np.flatnonzero((plan_of == k) & has_rating & ~np.isin(table.rating, allowed))
        ordered = sorted(table_keys, key=lambda r: (0, int(r), "") if is_whole_rating(r) else (1, 0, r))
        listed = ", ".join(ordered) or "none (the plan has no individual_ratings)"
        for i in rows[:MAX_ROW_ERRORS]:
            rating = table.rating_at(int(i))
            shown = rating if isinstance(rating, int) else excerpt(str(rating))
            hint = f"allowed ratings: {listed}"
            if not isinstance(rating, int):
                hint = f"{did_you_mean(str(rating), table_keys) or ''} {hint}".strip()
            bad.append((int(i), InputError(f"individual_rating {shown} is not in plan '{plan.id}'",
                                           location=table.location(int(i)), hint=hint)))
        if len(rows) > MAX_ROW_ERRORS:
            errors.append(InputError(f"... and {len(rows) - MAX_ROW_ERRORS} more rows with a rating not in plan "
                                     f"'{plan.id}'", location=Location(table.file)))
    bad.extend(_factor_rows(table, plans, plan_of))
    return [error for _, error in sorted(bad, key=lambda pair: pair[0])] + errors


def _factor_rows(table: EmployeeTable, plans: dict[str, Plan], plan_of: np.ndarray) -> list[tuple[int, PmrulesError]]:
    """An individual_factor needs a plan that accepts one (`individual_factor: {min, max}`) and must lie in its range."""
    if table.factor_text is None:
        return []
    bad: list[tuple[int, PmrulesError]] = []
    listed = list(plans.values())
    for i in np.flatnonzero(pc.not_equal(table.factor_text, "").to_numpy(zero_copy_only=False))[:MAX_ROW_ERRORS]:
        k = int(plan_of[i])
        if k < 0:
            continue  # an unknown plan is reported already
        plan = listed[k]
        value = Decimal(table.factor_text[int(i)].as_py())
        where = table.location(int(i))
        if plan.individual_factor is None:
            bad.append((int(i), InputError(f"individual_factor is given, but plan '{plan.id}' does not accept one",
                                           location=where, hint=f"add `individual_factor: {{min: 0, max: 1.5}}` (your "
                                           f"range) to plan '{plan.id}', or give an individual_rating instead")))
        elif "individual" not in component_names(plan):
            bad.append((int(i), InputError(f"individual_factor is given, but plan '{plan.id}' has no individual "
                                           "component", location=where, hint="remove the factor or add the component")))
        elif not Fraction(repr(plan.individual_factor.min)) <= Fraction(value) <= Fraction(repr(plan.individual_factor.max)):
            r = plan.individual_factor
            bad.append((int(i), InputError(f"individual_factor {value} is outside plan '{plan.id}''s range "
                                           f"{r.min} to {r.max}", location=where,
                                           hint="correct the factor, or widen the plan's individual_factor range")))
    return bad
