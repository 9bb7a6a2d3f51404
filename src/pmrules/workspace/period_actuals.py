"""actuals.csv of a workspace with `periods:`: every row names its period.

Long form `entity,period,input,value` (the three after `entity` in any order); wide form
`entity,period,<input>,...` with one row per entity and period. A workspace without `periods:` never
comes here: its actuals are read by `read_actuals` exactly as in version 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from pmrules.errors import InputError, PmrulesError, did_you_mean, raise_all
from pmrules.io.tables import Table
from pmrules.safetext import excerpt
from pmrules.workspace.cells import CellError, parse_decimal
from pmrules.workspace.tables import Actuals, _row_width_error

LONG = {"period", "input", "value"}
FORMS = "`entity,period,input,value` (long) or `entity,period,<input>,...` (wide)"


def read_period_actuals(table: Table, periods: Sequence[str]) -> dict[str, Actuals]:
    """Actuals per period id, each value with the row it was read from; every bad row is reported."""
    header = table.header
    long_form = len(header) == 4 and header[0] == "entity" and set(header[1:]) == LONG
    if not header or header[0] != "entity" or (not long_form and (len(header) < 2 or header[1] != "period")):
        raise InputError(f"the header is {excerpt(','.join(header)) if header else '(none)'}", location=table.location(),
                         hint=f"the workspace declares `periods:`, so actuals carry a period: {FORMS}")
    if not long_form:
        dupes = sorted({name for name in header if header.count(name) > 1})
        if dupes or "" in header:
            raise InputError(f"duplicate or empty column name(s): {', '.join(dupes) or '(empty)'}",
                             location=table.location())
    result = {p: Actuals(form="long" if long_form else "wide") for p in periods}
    column = {name: header.index(name) for name in header}
    errors: list[PmrulesError] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(table.rows):
        where = table.location(i)
        width = _row_width_error(table, i, row)
        if width:
            errors.append(width)
            continue
        row = row + [""] * (len(header) - len(row))
        entity, period = row[0], row[column["period"]]
        if not entity:
            errors.append(InputError("entity is empty", location=where, hint="name a centre id or employee id"))
            continue
        if period not in result:
            errors.append(InputError(f"period is {excerpt(period) if period else 'empty'}", location=where,
                                     hint=did_you_mean(period, periods) or f"one of {', '.join(periods)}"))
            continue
        if long_form:
            pairs = [(row[column["input"]], row[column["value"]])]
        else:
            if (entity, period) in seen:
                errors.append(InputError(f"entity {excerpt(entity)} appears twice in period {excerpt(period)}",
                                         location=where, hint=f"merge it with line {seen[(entity, period)]}"))
                continue
            seen[(entity, period)] = where.line or 0
            pairs = list(zip(header[2:], row[2:], strict=False))
        actuals = result[period]
        for name, text in pairs:
            if long_form and not name:
                errors.append(InputError("input is empty", location=where))
                continue
            if not text:
                continue
            try:
                value = parse_decimal(text, name)
            except CellError as exc:
                errors.append(InputError(str(exc), location=where, hint=exc.hint))
                continue
            if (entity, name) in actuals.where:
                errors.append(InputError(f"a second value of {excerpt(name)} for {excerpt(entity)} in period "
                                         f"{excerpt(period)}", location=where,
                                         hint=f"first given at {actuals.where[(entity, name)]}"))
                continue
            actuals.values.setdefault(entity, {})[name] = value
            actuals.where[(entity, name)] = where
    raise_all(errors)
    return result
