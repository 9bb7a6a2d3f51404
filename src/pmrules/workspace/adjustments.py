"""Metric adjustments (adjustments.csv): a measured input changed by hand, before any KPI or roll-up.

Each row names an entity's input and either a `delta` (added to the actual) or a `value` (replacing
it), with a reason and an approver. The raw actuals are kept beside the adjusted ones, so KPIs can be
shown both ways and every adjusted input can be traced to its `adjustments.csv:LINE`. Reading checks
the file itself; applying (after the catalog knows every input) checks the names and the values.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from pmrules import ids
from pmrules.errors import InputError, Location, PmrulesError, did_you_mean, raise_all
from pmrules.io.tables import Table
from pmrules.safetext import excerpt
from pmrules.workspace.cells import CellError, check_text, parse_decimal
from pmrules.workspace.tables import Actuals, checked_rows

if TYPE_CHECKING:
    from pmrules.workspace.load import Workspace

DEFAULT_FILE = "adjustments.csv"
REQUIRED = ("entity", "input", "reason", "approved_by")
OPTIONAL = ("delta", "value", "period")
MAX_REASON = 2000


@dataclass(frozen=True)
class Adjustment:
    """One row; `raw` and `adjusted` are filled when it is applied to the actuals."""

    entity: str
    input: str
    delta: Decimal | None
    value: Decimal | None
    reason: str
    approved_by: str
    period: str | None
    where: Location
    raw: Decimal | None = None
    adjusted: Decimal | None = None

    @property
    def how(self) -> str:
        """`+1200`, `-0.35` or `= 2.10`: what the row does, as written."""
        if self.delta is not None:
            return f"{self.delta:+f}"
        return f"= {self.value:f}"

    @property
    def change(self) -> Decimal:
        """adjusted - raw (raw 0 when the row sets a value that had none)."""
        assert self.adjusted is not None
        return self.adjusted - (self.raw or 0)


def read_adjustments(table: Table) -> list[Adjustment]:
    """The rows of adjustments.csv; every problem of the file is collected before raising."""
    header = table.header
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in (*REQUIRED, *OPTIONAL)]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(excerpt(c) for c in unknown)}")
    if not {"delta", "value"} & set(header):
        problems.append("neither a delta nor a value column")
    if len(set(header)) < len(header):
        problems.append("a column appears twice")
    if problems:
        raise InputError("; ".join(problems), location=table.location(),
                         hint="the header is entity,input,delta,value,reason,approved_by[,period]")
    columns = {name: header.index(name) for name in header}
    errors: list[PmrulesError] = []
    rows: list[Adjustment] = []
    for where, row in checked_rows(table, errors):

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            entity, name = cell("entity"), cell("input")
            if not entity or not name:
                raise CellError("entity or input is empty", "every adjustment names an entity and one of its inputs")
            entity = _id(entity, "entity")
            name = _id(name, "input", name=True)
            delta_text, value_text = cell("delta"), cell("value")
            if bool(delta_text) == bool(value_text):
                raise CellError("both delta and value are given" if delta_text else "neither delta nor value is given",
                                "give exactly one: a delta is added to the actual, a value replaces it")
            delta = parse_decimal(delta_text, "delta") if delta_text else None
            value = parse_decimal(value_text, "value") if value_text else None
            reason = check_text(cell("reason"), "reason", MAX_REASON)
            approver = check_text(cell("approved_by"), "approved_by")
            period = _id(cell("period"), "period") if cell("period") else None
        except CellError as exc:
            errors.append(InputError(str(exc), location=where, hint=exc.hint))
            continue
        rows.append(Adjustment(entity, name, delta, value, reason, approver, period, where))
    raise_all(errors)
    return rows


def _id(text: str, what: str, *, name: bool = False) -> str:
    try:
        return ids.checked(text, what, name=name)
    except ids.IdError as exc:
        raise CellError(str(exc), exc.hint) from exc


def check_adjustments(adjustments: Iterable[Adjustment], entities: set[str], inputs: Iterable[str],
                      periods: list[str] | None, single_period: str) -> list[PmrulesError]:
    """Names, periods and duplicates: an unknown entity, input or period, or a second row for the same input."""
    known_inputs = set(inputs)
    errors: list[PmrulesError] = []
    seen: dict[tuple[str, str, str | None], Location] = {}
    for a in adjustments:
        if a.entity not in entities:
            errors.append(InputError(f"unknown entity {excerpt(a.entity)}", location=a.where,
                                     hint=did_you_mean(a.entity, entities) or "an entity is a centre id or an employee id"))
        if a.input not in known_inputs:
            errors.append(InputError(f"unknown input {excerpt(a.input)}", location=a.where,
                                     hint=did_you_mean(a.input, known_inputs) or "name an input of pmrules.yaml"))
        if periods is not None and a.period is None:
            errors.append(InputError("the period is empty", location=a.where,
                                     hint=f"a plan-year workspace adjusts one period's actuals: {', '.join(periods)}"))
        elif periods is not None and a.period not in periods:
            errors.append(InputError(f"unknown period {excerpt(str(a.period))}", location=a.where,
                                     hint=did_you_mean(str(a.period), periods) or f"one of {', '.join(periods)}"))
        elif periods is None and a.period not in (None, single_period):
            errors.append(InputError(f"period {excerpt(str(a.period))} is not this workspace's period {single_period}",
                                     location=a.where, hint=f"write {single_period} or leave the period empty"))
        key = (a.entity, a.input, a.period if periods is not None else None)
        if key in seen:
            errors.append(InputError(f"a second adjustment of {a.input} for {a.entity}"
                                     + (f" in {a.period}" if periods is not None else ""), location=a.where,
                                     hint=f"the first is at {seen[key]}: merge them into one row"))
        else:
            seen[key] = a.where
    return errors


def apply_adjustments(actuals: Actuals, adjustments: list[Adjustment]) -> tuple[Actuals, list[Adjustment]]:
    """A copy of `actuals` with each adjustment applied, and the adjustments with their raw and adjusted values.

    A delta needs an actual to add to (a value typed in, not one rolled up later); a value may set one.
    """
    adjusted = Actuals(copy.deepcopy(actuals.values), dict(actuals.where), actuals.form)
    done: list[Adjustment] = []
    errors: list[PmrulesError] = []
    for a in adjustments:
        raw = actuals.get(a.entity, a.input)
        if a.delta is not None and raw is None:
            errors.append(InputError(
                f"{a.entity} has no {a.input} in the actuals" + (f" of {a.period}" if a.period else "")
                + " for the delta to adjust", location=a.where,
                hint="a delta adjusts a value typed into the actuals: give `value` instead to set one, "
                     "or adjust the children of a rolled-up value"))
            continue
        new = raw + a.delta if a.delta is not None else a.value  # type: ignore[operator]
        assert new is not None
        adjusted.values.setdefault(a.entity, {})[a.input] = new
        adjusted.where.setdefault((a.entity, a.input), a.where)
        done.append(replace(a, raw=raw, adjusted=new))
    raise_all(errors)
    return adjusted, done


def adjust_workspace(ws: Workspace, inputs: Iterable[str]) -> None:
    """Check the workspace's adjustments against its names, then apply them (keeping the raw actuals).

    In a plan year each row adjusts its period's own actuals; the caller accumulates them afterwards.
    """
    if not ws.adjustments:
        return
    m = ws.manifest
    periods = [p.id for p in m.periods] if m.periods else None
    entities = set(ws.organisation.centers) | set(ws.employees.id_list())
    raise_all(check_adjustments(ws.adjustments, entities, inputs, periods, m.period))
    if ws.period_actuals is None:
        ws.raw_actuals = ws.actuals
        ws.actuals, ws.adjustments = apply_adjustments(ws.actuals, ws.adjustments)
        return
    ws.raw_period_actuals = ws.period_actuals
    adjusted: dict[str, Actuals] = {}
    done: list[Adjustment] = []
    errors: list[PmrulesError] = []
    for pid, actuals in ws.period_actuals.items():
        try:
            adjusted[pid], applied = apply_adjustments(actuals, [a for a in ws.adjustments if a.period == pid])
            done.extend(applied)
        except PmrulesError as exc:
            errors.append(exc)
    raise_all(errors)
    ws.period_actuals = adjusted
    ws.adjustments = sorted(done, key=lambda a: a.where.line or 0)
