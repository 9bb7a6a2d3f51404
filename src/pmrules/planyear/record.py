"""A period payout as the ledger records it: per payment the amounts and its own part of the trail, per
multiplier group the part its employees share (ledger/trails.py puts them back together)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from pmrules.planyear.columns import PaymentColumns
from pmrules.planyear.ledger_rows import PaymentRecords, group_trails
from pmrules.planyear.pay import PeriodPayout
from pmrules.workspace.employees import NO_DATE


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso_dates(days: np.ndarray) -> list[str | None]:
    """Day numbers (days since 1970-01-01, as datetime64 counts) as ISO dates (what str(date) gives), None
    for no date; all at once in NumPy."""
    given = days != NO_DATE
    text = np.datetime_as_string(np.where(given, days, 0).astype("datetime64[D]"), unit="D")
    return [t if g else None for t, g in zip(text.tolist(), given.tolist(), strict=True)]


def payment_rows(result: PeriodPayout) -> tuple[Sequence[dict[str, Any]], dict[int, dict[str, Any]]]:
    """Each payment with its own part of the trail, and the part each multiplier group shares (once).

    Read from the employee table's columns (no Employee objects: this runs once per employee of a commit).
    """
    run = result.run
    if isinstance(result.payments, PaymentColumns):  # made a chunk at a time (planyear/ledger_rows.py)
        return PaymentRecords(result, result.payments), group_trails(result, result.payments)
    table = run.table
    salaries, pcts = table.salary_text.to_pylist(), table.pct_text.to_pylist()
    starts = _iso_dates(table.start)
    days = run.days.tolist()
    group_of = run.group_of.tolist()
    decimal_text: dict[str, str] = {}  # the same salary or percentage text, normalised once

    def normalised(text: str) -> str:
        found = decimal_text.get(text)
        if found is None:
            found = decimal_text[text] = str(Decimal(text))
        return found

    groups: dict[int, dict[str, Any]] = {}
    rows = []
    for k, p in enumerate(result.payments):
        i = p.row if p.row >= 0 else k  # the payment's table row (payments are per person, rows per segment)
        group_id = group_of[i]
        if group_id not in groups:
            group = run.groups[group_id]
            groups[group_id] = {
                "plan": p.plan, "center": group.center, "year_days": run.period.days,
                "scores": {c: None if s is None else str(s) for c, s in group.scores.items()},
                "multiplier": None if group.multiplier is None else str(group.multiplier), "share": str(p.share),
                "reasons": list(group.reasons)}
        own: dict[str, Any] = {"base_salary": normalised(salaries[i]),
                               "target_bonus_pct": normalised(pcts[i]) if pcts[i] else "None",
                               "days": days[i], "target": _text(p.target), "paid_before": str(p.paid_before),
                               "forgiven_before": str(p.forgiven_before), "group": group_id}
        if starts[i] is not None:
            own["start_date"] = starts[i]
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
