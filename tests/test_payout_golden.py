"""Golden workspaces: every bonus in tests/workspaces/*/expected.csv was computed by hand (see each EXPECTED.md).

Each workspace is paid from its CSV files as committed, and again from XLSX copies of them (numbers and
dates as real spreadsheet cells), and must pay to the cent what the hand computation says.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.payout.compute import PayoutRun, compute_payouts
from pmrules.payout.period import Period
from pmrules.plugins import get_plugin_manager

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
GOLDEN = sorted(p.name for p in WORKSPACES.iterdir() if (p / "expected.csv").is_file())


def expected_rows(name: str) -> list[dict[str, str]]:
    with (WORKSPACES / name / "expected.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def expected_total(name: str) -> Decimal:
    """The last bold amount after `Total` in EXPECTED.md (the workspace's own rounding mode)."""
    text = (WORKSPACES / name / "EXPECTED.md").read_text()
    mode = re.search(r'mode: (\w+)', (WORKSPACES / name / "pmrules.yaml").read_text()).group(1)  # type: ignore[union-attr]
    per_mode = re.search(rf"{mode} [^*]*\*\*([\d,]+\.\d\d)\*\*", text.split("Totals:")[-1]) if "Totals:" in text else None
    match = per_mode or re.search(r"Total [^*]*\*\*([\d,]+\.\d\d)\*\*", text)
    assert match, f"{name}/EXPECTED.md states no total"
    return Decimal(match.group(1).replace(",", ""))


def _cell(text: str) -> object:
    """What a person typing the CSV into Excel would get: numbers and dates as typed cells."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return dt.datetime.fromisoformat(text)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text or None


def csv_to_xlsx(source: Path, target: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with source.open(newline="") as handle:
        for i, row in enumerate(csv.reader(handle)):
            sheet.append(row if i == 0 else [_cell(c) for c in row])
    book.save(target)


def as_xlsx_workspace(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(WORKSPACES / name, target)
    for stem in ("employees", "actuals"):
        csv_to_xlsx(target / f"{stem}.csv", target / f"{stem}.xlsx")
        (target / f"{stem}.csv").unlink()
    manifest = target / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace("employees.csv", "employees.xlsx")
                        .replace("actuals.csv", "actuals.xlsx"))
    return target


def pay(directory: Path) -> PayoutRun:
    opened = open_workspace(directory, get_plugin_manager(entry_points=False))  # built-ins only
    return compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest), opened.workspace.employees)


# A mapped workspace reads an export as it comes (tests/exports.py); the plain ones are also paid from XLSX copies.
CASES = [(name, source) for name in GOLDEN for source in ("csv", "xlsx")
         if source == "csv" or (WORKSPACES / name / "employees.csv").is_file()]


@pytest.mark.parametrize(("name", "source"), CASES)
def test_golden_workspace_pays_as_worked_by_hand(name: str, source: str, tmp_path: Path) -> None:
    directory = WORKSPACES / name if source == "csv" else as_xlsx_workspace(name, tmp_path)
    run = pay(directory)
    rows = expected_rows(name)
    assert [r["employee_id"] for r in rows] == [p.employee.employee_id for p in run.employees]
    for row, p in zip(rows, run.employees, strict=True):  # row by row: an effective-dated employee has several
        assert p.status == row["status"], (row["employee_id"], p.reasons)
        if row["status"] == "paid":
            assert p.bonus == Decimal(row["bonus"]), row["employee_id"]
            assert str(p.bonus) == row["bonus"], "bonuses carry exactly the quantum's places"
            assert p.reasons == []
        else:
            assert p.bonus is None
            reasons = " ".join(p.reasons)
            for word in row["reason_contains"].split():
                assert word in reasons, (row["employee_id"], word, reasons)
    paid_total = sum((Decimal(r["bonus"]) for r in rows if r["status"] == "paid"), Decimal(0))
    assert run.total == paid_total == expected_total(name)
    assert len(run.unpaid) == sum(r["status"] == "unpaid" for r in rows)


def test_golden_set_covers_what_it_claims() -> None:
    """A guard against a golden workspace being deleted or emptied unnoticed."""
    assert {"curve-segments", "gates-cap-proration", "kpi-of-kpi-multiply", "pool-unpaid", "rounding-half-up",
            "rounding-half-even", "rounding-down", "mapped-hris-xlsx", "mapped-european-csv", "rollup-region",
            "rollup-three-level", "rollup-missing-grandchild",
            "plan-rounding", "team-x-individual"} <= set(GOLDEN)
    modes = {re.search(r"mode: (\w+)", (WORKSPACES / n / "pmrules.yaml").read_text()).group(1)  # type: ignore[union-attr]
             for n in GOLDEN}
    assert modes == {"half_up", "half_even", "down"}


def test_golden_wide_actuals_are_read_as_wide() -> None:
    opened = open_workspace(WORKSPACES / "kpi-of-kpi-multiply", get_plugin_manager(entry_points=False))
    assert opened.workspace.actuals.form == "wide"
    assert opened.workspace.actuals.get("corp", "staff") is None  # an empty cell is no value, not zero


def test_golden_pool_details() -> None:
    run = pay(WORKSPACES / "pool-unpaid")
    assert run.pool is not None and run.pool.leftover_units == 2 and run.pool.distributable
    assert run.pool.amount == Decimal("100.02")
    assert all(p.pooled for p in run.paid)
    assert sum(p.bonus for p in run.paid) == Decimal("100.02")  # type: ignore[misc]


def test_golden_gate_failure_is_paid_zero_and_cap_is_recorded() -> None:
    run = pay(WORKSPACES / "gates-cap-proration")
    by_id = {p.employee.employee_id: p for p in run.employees}
    assert by_id["E4"].gates_passed is False and by_id["E4"].multiplier == 0 and by_id["E4"].status == "paid"
    assert {i for i, p in by_id.items() if p.capped} == {"E1", "E3", "E5"}
    assert {i: p.days for i, p in by_id.items()} == {"E1": 365, "E2": 184, "E3": 90, "E4": 365, "E5": 1, "E6": 365}
