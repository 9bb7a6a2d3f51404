"""Issue 14, items 1 and 2: metric adjustments (adjustments.csv) and measure overrides (`overrides:`).

The golden workspace tests/workspaces/manual-changes is paid by hand in its EXPECTED.md (and checked
by test_payout_golden.py); here: what a user sees (--explain, kpis, the report), where the changes
apply (before roll-ups, per plan-year period, with rounding steps and levels), and the invariants.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.errors import Location
from pmrules.payout import Period, compute_payouts
from pmrules.planyear.pay import pay_period
from pmrules.rational import Fraction
from pmrules.workspace import Actuals
from pmrules.workspace.adjustments import Adjustment, apply_adjustments

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
GOLDEN = WORKSPACES / "manual-changes"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def pay(directory: Path, pm: Any, **options: Any) -> Any:
    opened = open_workspace(directory, pm)
    ws = opened.workspace
    return compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees, **options)


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(WORKSPACES / name, target)
    return target


def add_overrides(directory: Path, text: str) -> None:
    manifest = directory / "pmrules.yaml"
    manifest.write_text(manifest.read_text().rstrip("\n") + "\n\noverrides:\n" + text)


# --- what an auditor reads -------------------------------------------------------------------------

def test_explain_shows_raw_to_adjusted_with_reason_approver_and_line() -> None:
    result = run("payout", str(GOLDEN), "--explain", "E2")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert re.search(r"net_income = 20000000 \(.*actuals\.csv:2\)\n        adjusted: raw 17000000 -> 20000000 "
                     r"\(\+3000000\) approved by Audit Committee: Exclude the one-off litigation charge "
                     r"\(note 12 of the accounts\) \(.*adjustments\.csv:2\)", text), text
    assert "adjusted: raw 850000 -> 800000 (-50000) approved by CFO" in text
    assert "value 2 (raw 1.7 before adjustments); higher is better" in text
    assert "value 0.2 (raw 0.15 before adjustments)" in text
    assert re.search(r"factor overridden to 0 by Compensation Committee: Fatality at the plant on 2026-03-04; no "
                     r"safety payout this year \(.*pmrules\.yaml:59\); the formula gave 1\.5", text), text
    assert "value 1; lower is better" in text  # the KPI value stays the real one
    assert "rounded once to 0.01 (half_up): 7600.00" in text


def test_explain_json_carries_the_adjustment_and_the_component_override() -> None:
    trail = json.loads(run("payout", str(GOLDEN), "--explain", "E4", "--format", "json").stdout)
    corporate, unit = trail["components"]
    net_income = corporate["lines"][0]["inputs"][0]
    assert net_income["adjustments"][0] | {"from": None} == {
        "entity": "corp", "input": "net_income", "raw": "17000000", "adjusted": "20000000", "how": "+3000000",
        "change": "+3000000", "period": None, "reason": "Exclude the one-off litigation charge (note 12 of the accounts)",
        "approved_by": "Audit Committee", "from": None}
    assert corporate["lines"][0]["value_raw"] == "1.7"
    assert unit["score"] == "0.5" and unit["source"] == "scorecard of depot"
    override = unit["override"]
    assert (override["value"], override["computed"], override["approved_by"]) == ("0.5", "1", "Compensation Committee")
    assert override["from"].endswith("pmrules.yaml:64")
    assert unit["lines"][0]["factor"] == "1"  # the depot's own line is untouched: only its score is replaced


def test_explain_of_a_v1_workspace_has_no_manual_keys() -> None:
    trail = json.loads(run("payout", str(EXAMPLE), "--explain", "E013", "--format", "json").stdout)
    text = json.dumps(trail)
    assert "adjustments" not in text and "override" not in text and "value_raw" not in text


def test_kpis_lists_adjusted_values_with_the_raw_beside_them() -> None:
    data = json.loads(run("kpis", str(GOLDEN), "--format", "json").stdout)
    assert data["adjusted_values"] == [{"owner": "corp", "kpi": "eps", "raw": "1.7", "adjusted": "2"},
                                       {"owner": "plant", "kpi": "margin", "raw": "0.15", "adjusted": "0.2"}]
    table = run("kpis", str(GOLDEN)).stdout
    assert "2 KPI value(s) changed by" in table and re.search(r"plant\s*│\s*margin\s*│\s*0\.2\s*│\s*0\.15", table)
    assert "adjusted_values" not in run("kpis", str(EXAMPLE), "--format", "json").stdout


def test_report_lists_every_manual_change_with_totals(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run("report", str(GOLDEN), "--output", str(out)).exit_code == 0
    html = out.read_text()
    section = html.split('<section id="manual">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Adjustments and discretion</h2>" in section
    for text in ("<th>metric adjustments</th><td>2</td>", "<th>measure overrides</th><td>2</td>",
                 "USD 58,202.20", "USD 15,323.31", "USD +42,878.89", "Metric adjustments (2)", "Measure overrides (2)",
                 "Exclude the one-off litigation charge", "line factor of safety", "<td>unit score</td><td>0.5</td><td>1</td>",
                 "adjustments.csv:3", "pmrules.yaml:59"):
        assert text in section, text
    assert "<b>eps</b> <small>adjusted; raw 1.7</small> <i>2</i>" in html  # the cascade: adjusted, raw beside
    assert "safety 1 → 0% (overridden) × 0.4" in html


def test_report_without_manual_changes_has_no_section(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run("report", str(WORKSPACES / "plan-rounding"), "--output", str(out)).exit_code == 0
    assert 'id="manual"' not in out.read_text() and "adjusted; raw" not in out.read_text()


def test_the_formula_alone_is_paid_without_manual_changes(pm: Any) -> None:
    formula = pay(GOLDEN, pm, manual=False)
    assert {p.employee.employee_id: p.bonus for p in formula.employees} == {
        "E1": Decimal("0.00"), "E2": Decimal("6300.00"), "E3": Decimal("1890.00"), "E4": Decimal("4800.00"),
        "E5": Decimal("2333.31")}  # worked by hand in EXPECTED.md


def test_schema_documents_the_new_keys() -> None:
    schema = json.loads(run("schema").stdout)
    assert "overrides" in schema["properties"]
    assert "adjustments" in json.dumps(schema["$defs"]["DataFiles"])
    assert set(schema["$defs"]["Override"]["properties"]) == {"owner", "kpi", "factor", "component", "score",
                                                              "reason", "approved_by"}


# --- where the changes apply -----------------------------------------------------------------------

def test_adjustments_csv_is_read_without_a_data_key(tmp_path: Path, pm: Any) -> None:
    ws = copy("manual-changes", tmp_path)
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace("  adjustments: adjustments.csv\n", ""))
    assert pay(ws, pm).total == Decimal("58202.20")
    (ws / "adjustments.csv").unlink()
    assert pay(ws, pm).total != Decimal("58202.20")  # no file, nothing applied


def test_an_adjusted_child_rolls_up_into_its_parent(tmp_path: Path, pm: Any) -> None:
    # rollup-region: south has no revenue of its own; it rolls up bay (6,000,000) + cove (4,000,000)
    ws = copy("rollup-region", tmp_path)
    (ws / "adjustments.csv").write_text("entity,input,delta,value,reason,approved_by\n"
                                        "bay,revenue,-250000,,Intercompany sale eliminated,CFO\n")
    opened = open_workspace(ws, pm)
    run_ = compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest),
                           opened.workspace.employees)
    assert run_.actuals.get("bay", "revenue") == Decimal("5750000")
    assert run_.actuals.get("south", "revenue") == Decimal("9750000")  # the adjusted child, rolled up
    assert opened.workspace.raw_actuals.get("bay", "revenue") == Decimal("6000000")  # type: ignore[union-attr]
    changed = {(r["owner"], r["kpi"]) for r in json.loads(run("kpis", str(ws), "--format", "json").stdout)["adjusted_values"]}
    assert ("south", "operating_margin") in changed and ("bay", "operating_margin") in changed
    south_manager = next(e for e in opened.workspace.employees if e.center == "south")
    text = run("payout", str(ws), "--explain", south_manager.employee_id).stdout
    assert re.search(r"rolled up: sum of bay = 5750000 \(.*actuals\.csv:3; adjusted: raw 6000000 -> 5750000 "
                     r"\(-250000\) approved by CFO: Intercompany sale eliminated \(.*adjustments\.csv:2\)\)", text), text


def test_a_plan_year_adjustment_changes_its_period_and_the_year_to_date(tmp_path: Path, pm: Any) -> None:
    ws = copy("plan-year", tmp_path)
    (ws / "adjustments.csv").write_text("entity,input,delta,value,reason,approved_by,period\n"
                                        "corp,won,5,,Deals signed on 30 June booked in July,CFO,Q2\n")
    opened = open_workspace(ws, pm)
    w = opened.workspace
    assert w.period_actuals is not None and w.raw_period_actuals is not None
    assert (w.period_actuals["Q1"].get("corp", "won"), w.period_actuals["Q2"].get("corp", "won")) == (36, 15)
    assert w.raw_period_actuals["Q2"].get("corp", "won") == 10
    assert w.actuals.get("corp", "won") == 36 + 15 + 50 + 44 and w.raw_actuals.get("corp", "won") == 36 + 10 + 50 + 44  # type: ignore[union-attr]
    q1 = pay_period(w, opened.catalog, "Q1", {}, {})
    assert q1.run.values.get("corp", "conversion") == Fraction(36, 100)  # Q1 does not see the Q2 adjustment
    q2 = pay_period(w, opened.catalog, "Q2", {}, {})
    assert q2.run.values.get("corp", "conversion") == Fraction(51, 200)
    result = run("payout", str(ws), "--period", "Q1", "--explain", "A1")
    assert "adjusted" not in result.stdout
    result = run("payout", str(ws), "--period", "Q3", "--explain", "A1")
    assert "adjusted in Q2: raw 10 -> 15 (+5) approved by CFO" in result.stdout


def test_a_plan_year_override_applies_to_every_period(tmp_path: Path, pm: Any) -> None:
    ws = copy("plan-year", tmp_path)
    add_overrides(ws, "  - {owner: corp, kpi: conversion, factor: 0, reason: Mis-selling, approved_by: Board}\n")
    opened = open_workspace(ws, pm)
    for period in ("Q1", "Q4"):
        result = pay_period(opened.workspace, opened.catalog, period, {}, {})
        assert all(p.multiplier == 0 for p in result.run.paid), period


def test_an_override_is_used_as_written_and_later_rounding_steps_round_what_is_built_on_it(
        tmp_path: Path, pm: Any) -> None:
    # plan-rounding rounds line factors to 0.01 half_up and the team factor to 0.01 down (its EXPECTED.md)
    ws = copy("plan-rounding", tmp_path)
    add_overrides(ws, "  - {owner: u1, kpi: op_margin, factor: 0.555, reason: Restated margin, approved_by: CFO}\n")
    run_ = pay(ws, pm)
    o1 = next(p for p in run_.employees if p.employee.employee_id == "O1")
    assert o1.scores["unit"] == Fraction("0.555")  # not rounded to 0.56 by the line_factor step
    team = next(r for r in o1.rounded if r.step == "team_factor")
    assert (team.exact, team.rounded) == (Fraction("0.8775"), Fraction("0.87"))  # 0.5 x 1.20 + 0.5 x 0.555, down
    line = run_.scores[("u1", "officers")].lines[0]
    assert line.computed == Fraction("1.24") and line.unrounded is None  # the formula's rounded factor, kept


def test_a_level_component_override_reaches_everyone_scored_on_that_centre(tmp_path: Path, pm: Any) -> None:
    base = {p.employee.employee_id: p for p in pay(WORKSPACES / "levels-shared-measures", pm).employees}
    ws = copy("levels-shared-measures", tmp_path)
    add_overrides(ws, "  - {owner: div-1, component: division, score: 0, reason: Fraud, approved_by: Board}\n")
    got = {p.employee.employee_id: p for p in pay(ws, pm).employees}
    for employee_id in ("E1", "E2", "E4"):  # team-x and div-1 employees on a division component
        assert got[employee_id].scores["division"] == 0
        assert got[employee_id].bonus < base[employee_id].bonus  # type: ignore[operator]
    for employee_id in ("E5", "E6", "E7"):
        assert got[employee_id].bonus == base[employee_id].bonus


def test_a_line_whose_kpi_cannot_be_computed_is_paid_on_its_override(tmp_path: Path, pm: Any) -> None:
    ws = copy("manual-changes", tmp_path)
    actuals = ws / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("plant,incidents,1\n", ""))
    assert pay(ws, pm).total == Decimal("58202.20")  # the safety factor is 0 either way
    e2 = json.loads(run("payout", str(ws), "--explain", "E2", "--format", "json").stdout)
    safety = e2["components"][1]["lines"][1]
    assert safety["value"] is None and safety["factor"] == "0" and safety["override"]["computed"] is None


# --- the arithmetic of an adjustment -------------------------------------------------------------

DECIMALS = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False,
                       allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(raw=DECIMALS, delta=DECIMALS)
def test_a_delta_adds_exactly_and_equals_setting_the_sum(raw: Decimal, delta: Decimal) -> None:
    where = Location("adjustments.csv", 2)
    actuals = Actuals({"corp": {"revenue": raw, "costs": Decimal(7)}}, {("corp", "revenue"): where})
    by_delta, (applied,) = apply_adjustments(actuals, [Adjustment("corp", "revenue", delta, None, "r", "a", None, where)])
    by_value, _ = apply_adjustments(actuals, [Adjustment("corp", "revenue", None, raw + delta, "r", "a", None, where)])
    assert by_delta.values == by_value.values
    assert by_delta.get("corp", "revenue") == raw + delta and applied.change == delta and applied.raw == raw
    assert by_delta.get("corp", "costs") == 7 and actuals.get("corp", "revenue") == raw  # the raw actuals untouched


@pytest.mark.parametrize("row", ["corp,net_income,0,,No change,CFO", "corp,net_income,,17000000,Same value,CFO"])
def test_an_adjustment_that_changes_nothing_pays_the_same_as_none(row: str, tmp_path: Path, pm: Any) -> None:
    ws = copy("manual-changes", tmp_path)
    (ws / "adjustments.csv").write_text("entity,input,delta,value,reason,approved_by\n" + row + "\n")
    with_row = pay(ws, pm)
    (ws / "adjustments.csv").unlink()
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace("  adjustments: adjustments.csv\n", ""))
    assert with_row.total == pay(ws, pm).total
