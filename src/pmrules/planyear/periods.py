"""The plan year's periods: checked once, then looked up by id; year-to-date windows for payouts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from pmrules.errors import InputError, PmrulesError, did_you_mean
from pmrules.models import Manifest, PeriodDef
from pmrules.safetext import excerpt

if TYPE_CHECKING:
    from pmrules.payout.period import Period
    from pmrules.workspace.employees import EmployeeTable
    from pmrules.workspace.load import Workspace


def check_periods(ws: Workspace) -> list[PmrulesError]:
    """Periods are unique, in order, contiguous, and cover period_start..period_end exactly."""
    m = ws.manifest
    errors: list[PmrulesError] = []
    if not m.periods:
        for name in m.accumulate:
            errors.append(InputError(f"accumulate: {name} has no effect: the workspace declares no `periods:`",
                                     location=ws.locate("accumulate", name),
                                     hint="declare the plan year's periods, or remove `accumulate:`"))
        for i, plan in enumerate(m.plans):
            if plan.payout is not None:
                errors.append(InputError(f"plan {excerpt(plan.id)}: `payout:` has no effect without `periods:`",
                                         location=ws.locate("plans", i, "payout"),
                                         hint="declare the plan year's periods, or remove the plan's `payout:`"))
        if m.signoff is not None:
            errors.append(InputError("`signoff:` has no effect: the workspace declares no `periods:` (only committed "
                                     "plan-year runs are signed off)", location=ws.locate("signoff"),
                                     hint="declare the plan year's periods, or remove `signoff:`"))
        return errors
    seen: set[str] = set()
    expected = m.period_start
    for i, period in enumerate(m.periods):
        where = ws.locate("periods", i)
        if period.id in seen:
            errors.append(InputError(f"period {excerpt(period.id)} is declared twice", location=where,
                                     hint="give every period its own id, like Q1..Q4 or M01..M12"))
        seen.add(period.id)
        if period.end < period.start:
            errors.append(InputError(f"period {excerpt(period.id)} ends ({period.end}) before it starts "
                                     f"({period.start})", location=where, hint="swap or correct the dates"))
        elif period.start != expected:
            errors.append(InputError(f"period {excerpt(period.id)} starts on {period.start}, expected {expected}",
                                     location=where, hint="periods follow each other without gap or overlap, "
                                     "from period_start to period_end"))
        expected = period.end + dt.timedelta(days=1)
    if m.periods[-1].end != m.period_end:
        errors.append(InputError(f"the last period ends on {m.periods[-1].end}, but period_end is {m.period_end}",
                                 location=ws.locate("periods", len(m.periods) - 1),
                                 hint="the periods cover the plan year exactly"))
    for name in m.accumulate:
        if name not in m.inputs and not name.isidentifier():  # unknown names are checked with the catalog
            errors.append(InputError(f"accumulate: {excerpt(name)} is not an input name",
                                     location=ws.locate("accumulate", name)))
    for i, plan in enumerate(m.plans):
        if plan.payout is not None and plan.payout.frequency == "quarter" and len(m.periods) not in (4, 12):
            errors.append(InputError(f"plan {excerpt(plan.id)} pays every quarter, but the year has "
                                     f"{len(m.periods)} periods", location=ws.locate("plans", i, "payout"),
                                     hint="quarterly payment needs 4 quarters or 12 months; use `period` or `year`"))
    return errors


def find_period(manifest: Manifest, period_id: str) -> tuple[int, PeriodDef]:
    """The period's position in the year and its definition; an unknown id is an input error."""
    periods = manifest.periods or []
    if not periods:
        raise InputError(f"--period {excerpt(period_id)}: the workspace declares no `periods:`",
                         hint="declare the plan year's periods in pmrules.yaml (docs/plan-year.md)")
    for i, period in enumerate(periods):
        if period.id == period_id:
            return i, period
    raise InputError(f"--period: no period {excerpt(period_id)}",
                     hint=did_you_mean(period_id, [p.id for p in periods])
                     or f"one of {', '.join(p.id for p in periods)}")


def year_period(manifest: Manifest) -> Period:
    from pmrules.payout.period import Period

    return Period.of(manifest)


def employed_through(table: EmployeeTable, end: dt.date) -> EmployeeTable:
    """The same employees with every employment cut at `end`: paying the year on them prorates to days elapsed."""
    from pmrules.workspace.employees import NO_DATE, day_number

    cut = day_number(end)
    ends = np.where(table.end == NO_DATE, cut, np.minimum(table.end, cut)).astype(table.end.dtype)
    return dataclasses.replace(table, end=ends)
