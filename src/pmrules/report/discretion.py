"""The report's discretion: every manual change of a bonus with its reason, approver and file line, and totals.

A fragment of the "Adjustments and discretion" section (metric adjustments and overrides render the
rest of it elsewhere); empty when the workspace has no discretion, so version-1 reports are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pmrules.payout import PayoutRun
from pmrules.payout.persons import uses_discretion
from pmrules.payout.rounding import units_to_decimal


@dataclass(frozen=True)
class DiscretionRow:
    employee_id: str
    written: str
    formula_bonus: Decimal
    discretion: Decimal  # paid: bonus - formula bonus, both rounded (floored at zero if need be)
    bonus: Decimal  # before any pool
    floored: bool
    reason: str
    approved_by: str
    location: str


def discretion_rows(run: PayoutRun) -> list[DiscretionRow]:
    """One row per employee with discretion, in discretion.csv order."""
    s = run.settlement
    if s is None or not uses_discretion(s):
        return []
    rows = []
    for person in s.people.values():
        d = person.discretion
        if d is None:
            continue
        formula = units_to_decimal(person.formula_units, person.unit)
        bonus = units_to_decimal(person.bonus_units, person.unit)
        rows.append(DiscretionRow(person.employee_id, d.describe(), formula, bonus - formula, bonus, person.floored,
                                  d.reason, d.approved_by, str(d.location)))
    return sorted(rows, key=lambda r: (r.location.rsplit(":", 1)[0], int(r.location.rsplit(":", 1)[1])))


COLUMNS = ["employee", "discretion", "formula bonus", "discretion paid", "bonus", "reason", "approved by", "where"]


def discretion_table(run: PayoutRun) -> tuple[str, list[str], list[list[str]], list[tuple[str, str]]] | None:
    """(title, columns, rows as text, totals as (label, amount)), or None without discretion.

    Plain data in the shape of the "Adjustments and discretion" section's parts (one table per kind of
    manual change, plus labelled totals), so that section can take discretion as one more part.
    """
    rows = discretion_rows(run)
    if not rows:
        return None
    up = sum((r.discretion for r in rows if r.discretion > 0), Decimal(0))
    down = sum((r.discretion for r in rows if r.discretion < 0), Decimal(0))
    body = [[r.employee_id, r.written, f"{r.formula_bonus:,}",
             f"{r.discretion:,}" + (" (floored at zero)" if r.floored else ""), f"{r.bonus:,}",
             r.reason or "(no reason)", r.approved_by or "(nobody)", r.location] for r in rows]
    totals = [("discretion", str(len(rows))), ("total upward discretion", f"{up:,}"),
              ("total downward discretion", f"{down:,}"), ("total net discretion (before any pool)", f"{up + down:,}")]
    return f"Discretion ({len(rows)})", list(COLUMNS), body, totals
