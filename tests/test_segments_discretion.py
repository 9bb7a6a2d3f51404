"""Effective-dated employees and discretion (issue 14, items 3, 4 and 7): what users see in every output.

The money itself is checked by the golden workspaces `transfer-discretion` and `discretion-pool`
(worked by hand in their EXPECTED.md); here: the columns, the trail, the caps, the plan year, the audit.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.audit import run_audit
from pmrules.audit.facts import build_facts
from pmrules.cli import cli
from pmrules.payout import Period, compute_payouts
from pmrules.payout.persons import split
from pmrules.plugins import get_plugin_manager
from pmrules.testing import minimal_manifest, write_workspace

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
TRANSFER = WORKSPACES / "transfer-discretion"
POOL = WORKSPACES / "discretion-pool"
ENV = {"PMRULES_LOAD_PLUGINS": ""}


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=ENV)


def test_csv_carries_formula_bonus_and_discretion_beside_the_bonus() -> None:
    result = run_cli("payout", str(TRANSFER), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = result.stdout.splitlines()[0].split(",")
    assert header[header.index("bonus") - 2:header.index("bonus") + 1] == ["formula_bonus", "discretion", "bonus"]
    for row in rows:  # every row reconciles: formula + discretion = bonus (no pool here)
        assert Decimal(row["formula_bonus"]) + Decimal(row["discretion"]) == Decimal(row["bonus"])
    e1 = [r for r in rows if r["employee_id"] == "E1"]
    assert [(r["center"], r["plan"], r["days"]) for r in e1] == [("sales", "sales", "181"), ("finance", "support", "184")]
    assert sum(Decimal(r["bonus"]) for r in e1) == Decimal("9399.00")
    assert sum(Decimal(r["formula_bonus"]) for r in e1) == Decimal("8899.00")


def test_a_version_1_workspace_has_no_new_columns_or_keys() -> None:
    result = run_cli("payout", str(WORKSPACES / "pool-unpaid"), "--format", "csv")
    assert "formula_bonus" not in result.stdout and "discretion" not in result.stdout
    document = json.loads(run_cli("payout", str(WORKSPACES / "pool-unpaid"), "--format", "json").stdout)
    assert not {"formula_bonus", "discretion", "person"} & set(document["employees"][0])


def test_json_carries_the_person_and_the_signed_discretion() -> None:
    document = json.loads(run_cli("payout", str(TRANSFER), "--format", "json").stdout)
    e1 = [e for e in document["employees"] if e["employee_id"] == "E1"]
    assert len(e1) == 2 and e1[0]["person"] == e1[1]["person"]
    person = e1[0]["person"]
    assert person["segments"] == 2 and person["bonus"] == "9399.00" and person["formula_bonus"] == "8899.00"
    assert person["formula_bonus_exact"] == "649640/73"
    assert person["rounding"] == {"quantum": "1", "mode": "down", "plan": "support"}
    d = person["discretion"]
    assert d["written"] == "amount 500" and d["approved_by"] == "CFO Kim" and d["location"].endswith("discretion.csv:2")
    e3 = next(e for e in document["employees"] if e["employee_id"] == "E3")
    assert e3["bonus"] == "0.00" and e3["discretion"] == "-1200.00" and e3["person"]["discretion"]["floored_at_zero"]
    assert document["total"] == "22599.00"


def test_xlsx_formats_the_three_money_columns(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "pay.xlsx"
    assert run_cli("payout", str(TRANSFER), "--format", "xlsx", "--output", str(out)).exit_code == 0
    sheet = load_workbook(out)["Employees"]
    header = [c.value for c in sheet[1]]
    for name in ("formula_bonus", "discretion", "bonus"):
        cell = sheet.cell(row=3, column=header.index(name) + 1)  # E2: 7500 - 7500 = 0
        assert cell.number_format == "#,##0.00"
    assert sheet.cell(row=3, column=header.index("discretion") + 1).value == Decimal("-7500.00")


def test_explain_shows_each_segment_the_discretion_and_one_rounding() -> None:
    result = run_cli("payout", str(TRANSFER), "--explain", "E1")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "2 effective-dated segments" in text
    assert "=== segment 1 of 2: centre sales, plan sales, 2026-01-01 to 2026-06-30 ===" in text
    assert "=== segment 2 of 2: centre finance, plan support, 2026-07-01 to 2026-12-31 ===" in text
    assert "6000 x 181/365 x 3/2" not in text  # the target is shown as salary x pct
    assert "60000 x 0.10 x 181/365 x 3/2 = 325800/73" in text
    assert "formula bonus = sum of the segments = 649640/73 = 8899.178082191781..." in text
    assert "formula bonus rounded to 1 (down, plan support (the last segment's)): 8899.00" in text
    assert ("discretion amount 500 = 500 (after_cap; plan range: min_amount -2000, max_amount 1000) — reason: Ran the "
            "finance year-end close after the transfer; approved by: CFO Kim (") in text
    assert "discretion.csv:2)" in text
    assert "rounded once to 1 (down, plan support (the last segment's)): 9399.00" in text


def test_explain_of_negative_discretion_floored_at_zero() -> None:
    text = run_cli("payout", str(TRANSFER), "--explain", "E3").stdout
    assert "below zero: the bonus is 0 (never negative)" in text and "discretion applied: -1200" in text


def test_explain_of_the_pool_after_discretion() -> None:
    text = run_cli("payout", str(POOL), "--explain", "E2").stdout
    assert "discretion 50% = 500" in text and "then scaled to the pool (after discretion): 2380.96" in text


def _capped(tmp_path: Path, applies: str) -> dict[str, Decimal | None]:
    """Multiplier 1.6 capped at 1.5 on a target of 1,000: formula bonus 1,500, uncapped 1,600; discretion -5% = -75."""
    plan = {"id": "staff", "components": {"unit": 1.0}, "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0},
            "cap": 1.5, "discretion": {"min_pct": -100, "max_pct": 30, "applies": applies}}
    m = minimal_manifest(plans=[plan], rulesets=[])
    m["scorecards"][0]["kpis"][0].update({"threshold": 0.5, "target": 0.6, "maximum": 1.1})
    ws = write_workspace(tmp_path / applies, m, employees=[
        {"employee_id": "E1", "name": "Ada", "center": "corp", "plan": "staff", "base_salary": "10000",
         "target_bonus_pct": "0.10"}], actuals={"corp": {"clients_retained": "90", "clients_start": "100"}})
    (ws / "discretion.csv").write_text("employee_id,pct,amount,reason,approved_by\nE1,-5,,Late reports,CEO Ann\n")
    opened = open_workspace(ws, get_plugin_manager(entry_points=False))
    run = compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest),
                          opened.workspace.employees)
    p = run.employees[0]
    return {"multiplier": Decimal(str(float(p.multiplier or 0))), "formula": p.formula_bonus, "bonus": p.bonus}


def test_discretion_after_the_cap_and_before_it(tmp_path: Path) -> None:
    after = _capped(tmp_path, "after_cap")
    assert after == {"multiplier": Decimal("1.5"), "formula": Decimal("1500.00"), "bonus": Decimal("1425.00")}
    # before the cap: 1,600 - 75 = 1,525, then the cap (1,000 x 1.5 = 1,500) limits it
    assert _capped(tmp_path, "before_cap")["bonus"] == Decimal("1500.00")


def test_the_plan_year_pays_a_person_once_however_many_segments(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACES / "plan-year", ws)
    rows = (ws / "employees.csv").read_text().splitlines()
    a1 = next(r for r in rows if r.startswith("A1,"))
    split_rows = [a1.replace(",,,", ",,2026-03-31,"), a1.replace(",,,", ",2026-04-01,,")]
    (ws / "employees.csv").write_text("\n".join([rows[0], *split_rows, *rows[2:]]) + "\n")
    result = CliRunner().invoke(cli, ["payout", str(ws), "--period", "Q2", "--format", "csv"],
                                env={**ENV, "PMRULES_LEDGER": None})
    assert result.exit_code == 0, result.output
    paid = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["employee"] == "A1"]
    assert len(paid) == 1 and paid[0]["pay"] == "2417.47"  # as when A1 is one row (test_planyear_pay)


def test_audit_counts_a_transferred_person_once_per_centre_and_plan() -> None:
    opened = open_workspace(TRANSFER, get_plugin_manager(entry_points=False))
    facts, _ = build_facts(opened.workspace, opened.catalog)
    plans = {f["id"]: f["employees"] for f in facts if f["kind"] == "plan"}
    centres = {f["id"]: f["employees"] for f in facts if f["kind"] == "center"}
    assert plans == {"sales": 3, "support": 3} and centres["sales"] == 3 and centres["finance"] == 3
    employee_ids = [f["id"] for f in facts if f["kind"] == "employee"]
    assert len(employee_ids) == len(set(employee_ids))
    assert run_audit(opened.workspace, opened.catalog).findings == []


def test_a_salary_change_in_one_centre_counts_the_person_once() -> None:
    opened = open_workspace(POOL, get_plugin_manager(entry_points=False))
    facts, _ = build_facts(opened.workspace, opened.catalog)
    assert next(f for f in facts if f["kind"] == "plan")["employees"] == 4  # E1..E4, E4 on two rows
    group = next(f for f in facts if f["kind"] == "employee")
    assert group["employees"] == 4 and group["employee_ids"] == ["E1", "E2", "E3", "E4"]


def test_segments_outside_the_period_take_no_part_in_the_checks(tmp_path: Path) -> None:
    ws = write_workspace(tmp_path / "ws", minimal_manifest(), employees=[
        {"employee_id": "E1", "name": "Ada", "center": "corp", "plan": "staff", "base_salary": "100",
         "target_bonus_pct": "0.1", "end_date": "2025-06-30"},
        {"employee_id": "E1", "name": "Ada", "center": "corp", "plan": "staff", "base_salary": "200",
         "target_bonus_pct": "0.1", "start_date": "2026-01-01"}])
    opened = open_workspace(ws, get_plugin_manager(entry_points=False))  # a gap before the period is no gap in it
    assert len(opened.workspace.employees) == 2


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=6).filter(any))
def test_a_persons_units_split_over_segments_add_up_and_stay_pro_rata(total: int, weights: list[int]) -> None:
    shares = split(total, [Fraction(w) for w in weights])
    assert int(shares.sum()) == total
    basis = sum(weights)
    for share, w in zip(shares.tolist(), weights, strict=True):
        assert abs(share - Fraction(total * w, basis)) < 1


def test_discretion_outside_the_range_stops_the_payout_and_is_never_clamped(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(TRANSFER, ws)
    text = (ws / "discretion.csv").read_text().replace("E4,20,,", "E4,40,,")
    (ws / "discretion.csv").write_text(text)
    result = run_cli("payout", str(ws), "--format", "csv", "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and not (tmp_path / "out.csv").exists()
    assert "nothing was paid" in result.output
    findings = json.loads(run_cli("audit", str(ws), "--format", "json").stdout)["findings"]
    [finding] = findings
    assert finding["rule"] == "discretion.out-of-range" and finding["location"].endswith("discretion.csv:5")
    assert finding["message"] == ("discretion for E4 (40% = 2400.00 on a formula bonus of 6000.00) is outside plan "
                                  "sales's range (min_pct -100, max_pct 30): breaks max_pct 30")
    skipped = run_cli("payout", str(ws), "--format", "csv", "--skip-audit")
    e4 = next(r for r in csv.DictReader(io.StringIO(skipped.stdout)) if r["employee_id"] == "E4")
    assert e4["bonus"] == "8400.00"  # paid as written when the audit is skipped (and recorded), not clamped to 7,800


def test_the_report_lists_every_discretion_with_totals(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run_cli("report", str(TRANSFER), "--output", str(out)).exit_code == 0
    html = out.read_text()
    section = html.split('<section id="manual">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Adjustments and discretion</h2>" in section and "Discretion (4)" in section
    assert "USD 1,700.00" in section and "USD -8,700.00" in section and "USD -7,000.00" in section
    assert "-1,200.00 (floored at zero)" in section and "CFO Kim" in section and "discretion.csv:2" in section
    plain = tmp_path / "plain.html"
    assert run_cli("report", str(WORKSPACES / "pool-unpaid"), "--output", str(plain)).exit_code == 0
    assert 'id="manual"' not in plain.read_text()


def test_manual_changes_are_audited_even_when_the_rule_set_list_leaves_their_rule_sets_out(tmp_path: Path) -> None:
    """`rulesets: [compensation]` (a list written before discretion existed): the discretion rules still judge
    discretion.csv, so an unsigned discretion is an error finding, not silently paid."""
    ws = tmp_path / "ws"
    shutil.copytree(TRANSFER, ws)
    yaml = ws / "pmrules.yaml"
    yaml.write_text(yaml.read_text().replace("rulesets: [compensation, discretion]", "rulesets: [compensation]"))
    table = ws / "discretion.csv"
    table.write_text(table.read_text().replace(",CFO Kim", ","))
    result = run_cli("audit", str(ws), "--format", "json")
    document = json.loads(result.stdout)
    assert "discretion" in [r["name"] for r in document["rulesets"]]
    assert any(f["rule"] == "discretion.unsigned" and f["subject"] == "E1" for f in document["findings"])
