"""The payout core pays the period and the employees it is given, not the manifest's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pmrules.api import Opened, open_workspace
from pmrules.payout import PayoutRun, Period, compute_payouts, explain
from pmrules.rational import Fraction
from pmrules.whatif import apply_changes, parse_change
from pmrules.workspace.employees import EmployeeTable

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"
Q1 = Period("Q1-2026", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
Q4 = Period("Q4-2026", dt.date(2026, 10, 1), dt.date(2026, 12, 31))


@pytest.fixture(scope="module")
def opened() -> Opened:
    return open_workspace(EXAMPLE)


def pay(opened: Opened, period: Period | None = None, employees: EmployeeTable | None = None) -> PayoutRun:
    ws = opened.workspace
    return compute_payouts(ws, opened.catalog, period or Period.of(ws.manifest),
                           ws.employees if employees is None else employees)


def by_id(run: PayoutRun) -> dict[str, int]:
    return {p.employee.employee_id: i for i, p in enumerate(run.employees)}


def test_period_days_clip_and_order() -> None:
    assert Q1.days == 90 and Q4.days == 92
    assert Period("FY", dt.date(2024, 1, 1), dt.date(2024, 12, 31)).days == 366
    assert Q1.clip(dt.date(2026, 3, 16), None) == (dt.date(2026, 3, 16), dt.date(2026, 3, 31))
    assert Q1.clip(None, dt.date(2026, 2, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    with pytest.raises(ValueError, match="ends"):
        Period("bad", dt.date(2026, 2, 1), dt.date(2026, 1, 31))


def test_period_of_the_manifest(opened: Opened) -> None:
    period = Period.of(opened.workspace.manifest)
    assert period == Period("FY2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert pay(opened).period == period


def test_an_explicit_period_changes_proration_only(opened: Opened) -> None:
    """E013 starts 2026-03-16 (16 days of Q1), E014 leaves 2026-09-30 (none of Q4), E001 works all year."""
    year, q1, q4 = pay(opened), pay(opened, Q1), pay(opened, Q4)
    rows = by_id(year)
    assert by_id(q1) == rows
    e013 = q1.at(rows["E013"])
    assert (e013.days, e013.proration) == (16, Fraction(16, 90))
    assert e013.multiplier == year.at(rows["E013"]).multiplier
    assert e013.exact_bonus == Fraction("61500.00") * Fraction("0.08") * Fraction(16, 90) * e013.multiplier
    assert year.at(rows["E013"]).proration == Fraction(291, 365)
    assert q1.at(rows["E001"]).bonus == year.at(rows["E001"]).bonus  # a full period either way
    e014 = q4.at(rows["E014"])
    assert (e014.status, e014.days, e014.bonus) == ("paid", 0, Decimal("0.00"))
    assert q1.total != year.total
    assert opened.workspace.manifest.period_start == dt.date(2026, 1, 1)  # the workspace is not touched
    trail = explain(opened.workspace, opened.catalog, q1, "E013")
    assert trail["proration"] == {"start": "2026-03-16", "end": "2026-03-31", "days": 16, "period_days": 90,
                                  "fraction": "8/45"}


def test_a_subset_of_employees_is_paid_as_in_the_full_run(opened: Opened) -> None:
    ws = opened.workspace
    harbor = [e for e in ws.employees if e.center == "harbor"]
    assert 1 < len(harbor) < len(ws.employees)
    full = pay(opened)
    part = pay(opened, employees=EmployeeTable.from_employees(ws.employees.file, harbor))
    assert [p.employee.employee_id for p in part.employees] == [e.employee_id for e in harbor]
    rows = by_id(full)
    assert [p.bonus for p in part.employees] == [full.at(rows[e.employee_id]).bonus for e in harbor]
    assert part.total == sum((full.at(rows[e.employee_id]).bonus or Decimal(0) for e in harbor), Decimal("0.00"))


def test_changed_actuals_are_an_argument_and_explain_shows_them(opened: Opened) -> None:
    ws = opened.workspace
    changed, _ = apply_changes(ws, opened.catalog, [parse_change("harbor.revenue=+5%")])
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees, actuals=changed)
    assert run.actuals is changed and ws.actuals is not changed
    assert ws.actuals.get("harbor", "revenue") == Decimal("21500000")
    trail = explain(ws, opened.catalog, run, "E011")
    values = [i["value"] for c in trail["components"] for line in c.get("lines", []) for i in line["inputs"]
              if line["owner"] == "harbor" and i["input"] == "revenue"]
    assert values and set(values) == {"22575000.00"}
