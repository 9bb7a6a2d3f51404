"""A plan year's scorecard lines across its periods: each period's own KPI value and the year to date through it.

Only a workspace with `periods:` has these; the values are made as the payout makes them (inputs rolled
up, KPIs from the period's own actuals and from the accumulated ones), so the last year-to-date value is
the value the report shows for the line.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmrules.catalog import Catalog
from pmrules.catalog.values import evaluate_kpis
from pmrules.planyear.accumulate import accumulate
from pmrules.planyear.ytd import accumulation
from pmrules.rational import Fraction
from pmrules.rollup import roll_up
from pmrules.workspace import Workspace

Point = tuple[str, Fraction | None, Fraction | None]  # period id, its own value, year to date through it


def line_trends(ws: Workspace, catalog: Catalog, requests: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[Point, ...]]:
    """Per (measured owner, KPI): one point per period of the year; empty without `periods:`."""
    if ws.period_actuals is None or not ws.manifest.periods:
        return {}
    wanted = sorted(set(requests))
    periods = [p.id for p in ws.manifest.periods]
    how = accumulation(ws, catalog)
    own, ytd = [], []
    for i, period in enumerate(periods):
        own.append(evaluate_kpis(catalog, roll_up(ws, catalog, ws.period_actuals[period]), wanted))
        through = accumulate(ws.period_actuals, periods[: i + 1], how)
        ytd.append(evaluate_kpis(catalog, roll_up(ws, catalog, through), wanted))
    return {(owner, kpi): tuple((period, own[i].get(owner, kpi), ytd[i].get(owner, kpi))
                                for i, period in enumerate(periods))
            for owner, kpi in wanted}
