"""The report's discretion: every manual change of a bonus with its reason, approver and file line, and totals.

A fragment of the "Adjustments and discretion" section (metric adjustments and overrides render the
rest of it elsewhere); empty when the workspace has no discretion, so version-1 reports are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

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


def render_discretion(run: PayoutRun, currency: str) -> str:
    """An <h3> with the table of discretion and its totals, or "" without discretion."""
    rows = discretion_rows(run)
    if not rows:
        return ""
    up = sum((r.discretion for r in rows if r.discretion > 0), Decimal(0))
    down = sum((r.discretion for r in rows if r.discretion < 0), Decimal(0))
    cur = escape(currency)
    body = "".join(
        f"<tr><td>{escape(r.employee_id)}</td><td>{escape(r.written)}</td><td class=num>{r.formula_bonus:,}</td>"
        f"<td class=num>{r.discretion:,}{' (floored at zero)' if r.floored else ''}</td><td class=num>{r.bonus:,}</td>"
        f"<td>{escape(r.reason) or '<b class=red>none</b>'}</td><td>{escape(r.approved_by) or '<b class=red>none</b>'}"
        f"</td><td>{escape(r.location)}</td></tr>" for r in rows)
    return (f'<h3 id="discretion">Discretion ({len(rows)})</h3><p>Upward {cur} {up:,}, downward {cur} {down:,}, '
            f"net {cur} {up + down:,} (before any pool).</p><table><thead><tr><th>employee</th><th>discretion</th>"
            f"<th>formula bonus</th><th>discretion paid</th><th>bonus</th><th>reason</th><th>approved by</th>"
            f"<th>where</th></tr></thead><tbody>{body}</tbody></table>")
