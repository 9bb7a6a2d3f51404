"""Raw beside adjusted: KPI values before metric adjustments, and each adjusted input's rows.

The payout uses the adjusted actuals only; these views exist so `--explain`, `pmrules kpis` and the
report can show what an adjustment changed, never to pay on.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues, evaluate_kpis
from pmrules.payout.exact import format_decimal
from pmrules.rollup import roll_up
from pmrules.workspace import Workspace
from pmrules.workspace.adjustments import Adjustment
from pmrules.workspace.levels import measured_owner


def adjustments_by_input(ws: Workspace) -> dict[tuple[str, str], list[Adjustment]]:
    """(entity, input) -> its adjustments (several in a plan year: one per period), in file order."""
    found: dict[tuple[str, str], list[Adjustment]] = {}
    for a in ws.adjustments:
        found.setdefault((a.entity, a.input), []).append(a)
    return found


def raw_kpi_values(ws: Workspace, catalog: Catalog, requests: Iterable[tuple[str, str]]) -> KpiValues | None:
    """The requested KPIs computed from the actuals before adjustments (rolled up the same way); None if none."""
    if ws.raw_actuals is None:
        return None
    return evaluate_kpis(catalog, roll_up(ws, catalog, ws.raw_actuals), sorted(set(requests)))


def adjustment_record(a: Adjustment) -> dict[str, object]:
    """One adjustment as --explain, JSON and the report show it."""
    return {"entity": a.entity, "input": a.input, "raw": None if a.raw is None else f"{a.raw:f}",
            "adjusted": f"{a.adjusted:f}", "how": a.how, "change": f"{a.change:+f}", "period": a.period,
            "reason": a.reason, "approved_by": a.approved_by, "from": str(a.where)}


def changed_kpis(ws: Workspace, catalog: Catalog) -> list[dict[str, str | None]]:
    """Every scorecard KPI whose value the adjustments changed: owner, KPI, raw and adjusted (exact decimals).

    Empty for a workspace without adjustments. A shared measure counts once, under the centre it measures.
    """
    if ws.raw_actuals is None:
        return []
    requests = sorted({(measured_owner(ws, card.owner, line) or card.owner, line.kpi)
                       for card in ws.manifest.scorecards for line in card.kpis if line.kpi in catalog.kpis})
    adjusted = evaluate_kpis(catalog, roll_up(ws, catalog, ws.actuals), requests)
    raw = raw_kpi_values(ws, catalog, requests)
    assert raw is not None
    rows: list[dict[str, str | None]] = []
    for owner, kpi in requests:
        before, after = raw.get(owner, kpi), adjusted.get(owner, kpi)
        if before != after:
            rows.append({"owner": owner, "kpi": kpi, "raw": None if before is None else format_decimal(before),
                         "adjusted": None if after is None else format_decimal(after)})
    return rows
