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
from pmrules.workspace.tables import Actuals, check_unique_columns, checked_rows, normalised_ids, store_values

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
        check_unique_columns(table, header)
    result = {p: Actuals(form="long" if long_form else "wide") for p in periods}
    column = {name: header.index(name) for name in header}
    errors: list[PmrulesError] = []
    seen: dict[tuple[str, str], int] = {}
    for where, row in checked_rows(table, errors):
        entity, period = row[0], row[column["period"]]
        if not entity:
            errors.append(InputError("entity is empty", location=where, hint="name a centre id or employee id"))
            continue
        if period not in result:
            errors.append(InputError(f"period is {excerpt(period) if period else 'empty'}", location=where,
                                     hint=did_you_mean(period, periods) or f"one of {', '.join(periods)}"))
            continue
        name_column = column["input"] if long_form else None
        ids = normalised_ids(entity, row[name_column] if name_column is not None else None, where, errors)
        if ids is None:
            continue
        entity = ids[0]
        if long_form:
            pairs = [(ids[1], row[column["value"]])]
        else:
            if (entity, period) in seen:
                errors.append(InputError(f"entity {excerpt(entity)} appears twice in period {excerpt(period)}",
                                         location=where, hint=f"merge it with line {seen[(entity, period)]}"))
                continue
            seen[(entity, period)] = where.line or 0
            pairs = list(zip(header[2:], row[2:], strict=False))
        store_values(result[period], entity, pairs, where, errors, long_form=long_form,
                     scope=f" in period {excerpt(period)}")
    raise_all(errors)
    return result
