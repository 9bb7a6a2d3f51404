"""Actuals from a ledger export: the rows the workspace uses, the others counted and reported, never silent.

A row is kept if its entity (after `values.entity`) is a centre or employee id of the workspace or
a mapped code, and its input (after `values.input`) is declared under `inputs:` or a mapped code:
a code someone mapped was meant, so it is kept and checked (an unknown target is an error). With a
`period` column, rows of other periods than the workspace's `period` are ignored; in a plan year
(`periods:`) rows of the year's periods are kept with their period, the others ignored.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pmrules.io.tables import Table
from pmrules.models import ACTUALS_REQUIRED, DataSource
from pmrules.sources.report import SourceReport


def select_ledger(table: Table, source: DataSource, report: SourceReport, *, entities: Collection[str],
                  inputs: Collection[str], period: str, periods: Sequence[str] | None = None) -> Table:
    """The long form `entity,input,value` of the rows this workspace uses; with `periods` (a plan year)
    `entity,period,input,value`, the rows of those periods."""
    column = {name: table.header.index(name) for name in table.header}
    mapped = {name: set(source.values.get(name, {}).values()) for name in ("entity", "input")}
    keep_entity = set(entities) | mapped["entity"]
    keep_input = set(inputs) | mapped["input"]
    out = list(ACTUALS_REQUIRED) if periods is None else ["entity", "period", "input", "value"]
    rows: list[list[str]] = []
    lines: list[int] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        entity, name = row[column["entity"]], row[column["input"]]
        if periods is not None and row[column["period"]] not in periods:
            reason, code = f"period other than {', '.join(periods)}", row[column["period"]]
        elif periods is None and "period" in column and row[column["period"]] != period:
            reason, code = f"period other than {period}", row[column["period"]]
        elif entity not in keep_entity:
            reason, code = "entity not in the workspace", entity
        elif name not in keep_input:
            reason, code = "input not used by the workspace", name
        else:
            rows.append([row[column[c]] for c in out])
            lines.append(line)
            continue
        report.ignore(reason, example=code)
    carried = {row[out.index("input")] for row in rows}
    codes = source.values.get("input", {})
    unused = set(report.unused_codes.get("input", []))
    for name in sorted(mapped["input"] - carried):
        if not {code for code, target in codes.items() if target == name} <= unused:  # else already a warning
            report.note("warning", f"input {name} is mapped, but every row of it was ignored: its KPIs have no value")
    return Table(table.file, out, rows, lines)
