"""A period payout as the ledger records it: per payment the amounts and its own part of the trail, per
multiplier group the part its employees share (ledger/trails.py puts them back together)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np

from pmrules.planyear.columns import PaymentColumns
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


def payment_rows(result: PeriodPayout) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """Each payment with its own part of the trail, and the part each multiplier group shares (once).

    Read from the employee table's columns (no Employee objects: this runs once per employee of a commit).
    """
    run = result.run
    if isinstance(result.payments, PaymentColumns):
        return _column_rows(result, result.payments)
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


def _group_trails(result: PeriodPayout, payments: PaymentColumns) -> dict[int, dict[str, Any]]:
    run = result.run
    groups: dict[int, dict[str, Any]] = {}
    group_ids, first = np.unique(run.group_of, return_index=True)
    for group_id, k in zip(group_ids.tolist(), first.tolist(), strict=True):
        group = run.groups[group_id]
        groups[group_id] = {
            "plan": payments.plans[k].as_py(), "center": group.center, "year_days": run.period.days,
            "scores": {c: None if s is None else str(s) for c, s in group.scores.items()},
            "multiplier": None if group.multiplier is None else str(group.multiplier),
            "share": str(payments.shares[int(payments.plan_codes[k])]), "reasons": list(group.reasons)}
    return dict(sorted(groups.items(), key=lambda item: int(first[np.searchsorted(group_ids, item[0])])))


def _column_rows(result: PeriodPayout, payments: PaymentColumns) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """payment_rows from columns: the same rows, each field's text made for the whole column at once."""
    run, c = result.run, payments
    table = run.table
    decimal_text: dict[str, str] = {}

    def normalised(text: str) -> str:
        found = decimal_text.get(text)
        if found is None:
            found = decimal_text[text] = str(Decimal(text))
        return found

    salaries = [normalised(t) for t in table.salary_text.to_pylist()]
    pcts = [normalised(t) if t else "None" for t in table.pct_text.to_pylist()]
    starts = _iso_dates(table.start)
    columns = zip(c.ids.to_pylist(), c.status_text().to_pylist(), c.money("earned", c.paid).to_pylist(),
                  c.money("due", c.has_target).to_pylist(), c.money("pay").to_pylist(), c.money("forgiven").to_pylist(),
                  c.money("carried").to_pylist(), salaries, pcts, run.days.tolist(),
                  c.money("target", c.has_target).to_pylist(), c.money("paid_before").to_pylist(),
                  c.money("forgiven_before").to_pylist(), run.group_of.tolist(), starts, c.note_text().to_pylist(),
                  strict=True)
    rows = []
    for employee, status, earned, due, paid, forgiven, carried, salary, pct, days, target, before, forgiven_before, \
            group, start, note in columns:
        # The trail as the ledger stores it: JSON with sorted keys, as json.dumps(own, sort_keys=True, compact)
        # gives (tests compare the two); every value but the note is digits, dates or "None", which need no escape.
        note_part = '"note":' + json.dumps(note) + "," if note else ""
        start_part = '"start_date":"' + start + '",' if start is not None else ""
        target_part = "null" if target is None else '"' + target + '"'
        trail = (f'{{"base_salary":"{salary}","days":{days},"forgiven_before":"{forgiven_before}","group":{group},'
                 f'{note_part}"paid_before":"{before}",{start_part}"target":{target_part},"target_bonus_pct":"{pct}"}}')
        rows.append({"employee_id": employee, "status": status, "earned": earned, "due": due, "paid": paid,
                     "forgiven": forgiven, "carried": carried, "trail": trail})
    return rows, _group_trails(result, payments)


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
