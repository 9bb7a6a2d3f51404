"""A period's own actuals and KPIs, and the year-to-date ones through it (from accumulated inputs)."""

from __future__ import annotations

import dataclasses

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues, evaluate_kpis
from pmrules.planyear.accumulate import accumulate, methods
from pmrules.planyear.periods import find_period
from pmrules.workspace import Actuals, Workspace


def accumulation(ws: Workspace, catalog: Catalog) -> dict[str, str]:
    """Each input's method: the workspace's map, its `inputs:`, the registering plugin, else sum."""
    return methods(ws.manifest, {name: entry.definition for name, entry in catalog.inputs.items()})


def periods_through(ws: Workspace, period_id: str) -> list[str]:
    index, _ = find_period(ws.manifest, period_id)
    return [p.id for p in (ws.manifest.periods or [])[: index + 1]]


def period_actuals(ws: Workspace, period_id: str) -> Actuals:
    find_period(ws.manifest, period_id)
    assert ws.period_actuals is not None  # a workspace with periods has them
    return ws.period_actuals[period_id]


def ytd_actuals(ws: Workspace, catalog: Catalog, period_id: str) -> Actuals:
    """Every input accumulated from the first period of the year through `period_id`."""
    through = periods_through(ws, period_id)
    assert ws.period_actuals is not None
    return accumulate(ws.period_actuals, through, accumulation(ws, catalog))


def at_period(ws: Workspace, catalog: Catalog, period_id: str) -> Workspace:
    """The workspace as the payment of `period_id` sees it: its actuals are the year-to-date ones.

    What the audit before that payment checks (a rule on actuals judges the accumulated values paid on,
    not the whole year's); everything else is shared with `ws`.
    """
    at = dataclasses.replace(ws, actuals=ytd_actuals(ws, catalog, period_id))
    at.__dict__["organisation"] = ws.organisation  # a cached_property: the same tree, not rebuilt
    return at


def scorecard_requests(ws: Workspace) -> list[tuple[str, str]]:
    return sorted({(card.owner, line.kpi) for card in ws.manifest.scorecards for line in card.kpis})


def own_period_kpis(ws: Workspace, catalog: Catalog, period_id: str) -> KpiValues:
    """Every scorecard KPI for the period alone (from its own actuals)."""
    return evaluate_kpis(catalog, period_actuals(ws, period_id), scorecard_requests(ws))


def period_kpis(ws: Workspace, catalog: Catalog, period_id: str) -> tuple[KpiValues, KpiValues]:
    """Every scorecard KPI for the period alone and year-to-date (a ratio of sums, not an average of ratios)."""
    requests = scorecard_requests(ws)
    return (evaluate_kpis(catalog, period_actuals(ws, period_id), requests),
            evaluate_kpis(catalog, ytd_actuals(ws, catalog, period_id), requests))
