"""The payroll file of an approved run: one row per employee the run pays (or recovers from), nothing else.

Not an output format of the registry: those write a payout computed now, while a payroll file is read
from the ledger (what was committed and approved), so it has its own small set of formats.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pmrules.models import PeriodDef

COLUMNS = ("employee", "amount", "currency", "pay_period", "period_start", "period_end", "plan_year", "run")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would read these as a formula (CSV injection)


def currency_of(payment: dict[str, Any], run: dict[str, Any], workspace_currency: str) -> str:
    """The payment's own currency when the ledger records one, else the run's, else the workspace's."""
    trail = payment.get("trail")
    if isinstance(trail, str):
        trail = json.loads(trail)
    options = run.get("options")
    if isinstance(options, str):
        options = json.loads(options)
    return str(payment.get("currency") or (trail or {}).get("currency") or (options or {}).get("currency")
               or workspace_currency)


def payroll_rows(run: dict[str, Any], payments: Sequence[dict[str, Any]], workspace_currency: str,
                 period: PeriodDef | None) -> list[dict[str, str]]:
    """Rows of the payroll file: every non-zero `paid` amount of the run (negative: a recovery), by employee id."""
    rows = []
    for p in sorted(payments, key=lambda p: str(p["employee_id"])):
        amount = Decimal(p["paid"])
        if amount == 0:
            continue
        rows.append({"employee": str(p["employee_id"]), "amount": str(amount),
                     "currency": currency_of(p, run, workspace_currency), "pay_period": str(run["period"]),
                     "period_start": "" if period is None else period.start.isoformat(),
                     "period_end": "" if period is None else period.end.isoformat(),
                     "plan_year": str(run["plan_year"]), "run": str(run["id"])})
    return rows


def totals(rows: Sequence[dict[str, str]]) -> dict[str, str]:
    """Per currency, the sum of the file's amounts."""
    found: dict[str, Decimal] = {}
    for row in rows:
        found[row["currency"]] = found.get(row["currency"], Decimal(0)) + Decimal(row["amount"])
    return {currency: str(total) for currency, total in sorted(found.items())}


def to_csv(rows: Sequence[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        employee = row["employee"]
        writer.writerow({**row, "employee": "'" + employee if employee.startswith(FORMULA_START) else employee})
    return buffer.getvalue().encode("utf-8")


FORMATS: dict[str, Callable[[Sequence[dict[str, str]]], bytes]] = {"csv": to_csv}
