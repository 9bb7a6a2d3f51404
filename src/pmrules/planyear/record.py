"""A period payout as the ledger records it: per payment the amounts and its own part of the trail, per
multiplier group the part its employees share (ledger/trails.py puts them back together)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pmrules.planyear.pay import PeriodPayout
from pmrules.workspace.employees import to_date


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def payment_rows(result: PeriodPayout) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """Each payment with its own part of the trail, and the part each multiplier group shares (once).

    Read from the employee table's columns (no Employee objects: this runs once per employee of a commit).
    """
    run = result.run
    table = run.table
    salaries, pcts = table.salary_text.to_pylist(), table.pct_text.to_pylist()
    starts = table.start.tolist()
    groups: dict[int, dict[str, Any]] = {}
    rows = []
    for k, p in enumerate(result.payments):
        i = p.row if p.row >= 0 else k  # the payment's table row (payments are per person, rows per segment)
        group_id = int(run.group_of[i])
        if group_id not in groups:
            group = run.groups[group_id]
            groups[group_id] = {
                "plan": p.plan, "center": group.center, "year_days": run.period.days,
                "scores": {c: None if s is None else str(s) for c, s in group.scores.items()},
                "multiplier": None if group.multiplier is None else str(group.multiplier), "share": str(p.share),
                "reasons": list(group.reasons)}
        start = to_date(int(starts[i]))
        own: dict[str, Any] = {"base_salary": str(Decimal(salaries[i])),
                               "target_bonus_pct": str(Decimal(pcts[i]) if pcts[i] else None),
                               "days": int(run.days[i]), "target": _text(p.target), "paid_before": str(p.paid_before),
                               "forgiven_before": str(p.forgiven_before), "group": group_id}
        if start is not None:
            own["start_date"] = str(start)
        if p.note:
            own["note"] = p.note
        if p.currency is not None:  # the pay currency: earlier payments are netted in it (issue 14)
            own["currency"] = p.currency
        rows.append({"employee_id": p.employee_id, "status": p.status, "earned": _text(p.earned),
                     "due": _text(p.due), "paid": str(p.pay), "forgiven": str(p.forgiven), "carried": str(p.carried),
                     "trail": own})
    return rows, groups


def payment_row(result: PeriodPayout, i: int) -> dict[str, Any]:
    """One payment with its whole trail (the ledger's version 1 layout; payment_rows splits the same fields)."""
    p = result.payments[i]
    run = result.run
    i = p.row if p.row >= 0 else i
    e = run.table[i]
    group = run.groups[int(run.group_of[i])]
    trail = {"plan": p.plan, "center": e.center, "base_salary": str(e.base_salary),
             "target_bonus_pct": str(e.target_bonus_pct), "start_date": str(e.start_date or ""),
             "days": int(run.days[i]), "year_days": run.period.days,
             "scores": {c: None if s is None else str(s) for c, s in group.scores.items()},
             "multiplier": None if group.multiplier is None else str(group.multiplier), "share": str(p.share),
             "target": _text(p.target), "paid_before": str(p.paid_before), "forgiven_before": str(p.forgiven_before),
             "note": p.note, "reasons": list(group.reasons)}
    if p.currency is not None:
        trail["currency"] = p.currency
    return {"employee_id": p.employee_id, "status": p.status, "earned": _text(p.earned), "due": _text(p.due),
            "paid": str(p.pay), "forgiven": str(p.forgiven), "carried": str(p.carried), "trail": trail}
