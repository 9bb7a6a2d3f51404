"""The quarterly review: each scorecard line for the period and year to date, its RAG status and its trend.

RAG is judged on the year-to-date value against the line's own breakpoints: green at or beyond
`target`, amber from `threshold` up to target, red short of threshold (mirrored for `direction: lower`).
The trend lists the line's value in every period of the year so far, with a sparkline.
"""

from __future__ import annotations

from typing import Any

from pmrules.catalog import Catalog
from pmrules.catalog.values import evaluate_kpis
from pmrules.payout.exact import exact, format_decimal
from pmrules.planyear.ytd import period_actuals, periods_through, scorecard_requests, ytd_actuals
from pmrules.rational import Fraction
from pmrules.workspace import Workspace

BARS = "▁▂▃▄▅▆▇█"


def rag(value: Fraction | None, threshold: Fraction | None, target: Fraction | None, direction: str) -> str:
    if value is None:
        return "n/a"
    if threshold is None or target is None:
        return "no targets"
    sign = -1 if direction == "lower" else 1
    if sign * value >= sign * target:
        return "green"
    return "amber" if sign * value >= sign * threshold else "red"


def sparkline(values: list[Fraction | None]) -> str:
    """One bar per period, scaled between the smallest and largest value; a gap where there is none."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    return "".join(" " if v is None else BARS[0 if span == 0 else int((v - low) / span * (len(BARS) - 1))]
                   for v in values)


def trend(previous: Fraction | None, current: Fraction | None, direction: str) -> str:
    if previous is None or current is None or previous == current:
        return "steady" if previous == current and previous is not None else ""
    better = current > previous if direction == "higher" else current < previous
    return "better" if better else "worse"


def review(ws: Workspace, catalog: Catalog, period_id: str) -> dict[str, Any]:
    """Every scorecard line: period value, YTD value, RAG (YTD), trend against the previous period, sparkline."""
    periods = periods_through(ws, period_id)
    requests = scorecard_requests(ws)
    by_period = [evaluate_kpis(catalog, period_actuals(ws, p), requests) for p in periods]
    ytd = evaluate_kpis(catalog, ytd_actuals(ws, catalog, period_id), requests)
    cards = []
    for card in ws.manifest.scorecards:
        lines = []
        for line in card.kpis:
            direction = catalog.kpis[line.kpi].definition.direction if line.kpi in catalog.kpis else "higher"
            series = [values.get(card.owner, line.kpi) for values in by_period]
            value = ytd.get(card.owner, line.kpi)
            threshold = None if line.threshold is None else exact(line.threshold)
            target = None if line.target is None else exact(line.target)
            lines.append({
                "kpi": line.kpi, "direction": direction, "weight": format_decimal(exact(line.weight)),
                "threshold": _text(threshold), "target": _text(target),
                "maximum": None if line.maximum is None else _text(exact(line.maximum)),
                "period": _text(series[-1]), "ytd": _text(value), "rag": rag(value, threshold, target, direction),
                "trend": trend(series[-2] if len(series) > 1 else None, series[-1], direction),
                "periods": dict(zip(periods, (_text(v) for v in series), strict=True)),
                "sparkline": sparkline(series)})
        cards.append({"owner": card.owner, "lines": lines})
    return {"period": period_id, "periods": periods, "scorecards": cards}


def _text(value: Fraction | None) -> str | None:
    return None if value is None else format_decimal(value, 6)
