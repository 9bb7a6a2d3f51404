"""The golden plan year run by run through the real CLI, on SQLite and PostgreSQL ledgers.

Every expected amount was computed by hand in tests/workspaces/plan-year/EXPECTED.md.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmrules.cli import cli
from tests.ledger_support import copy_plan_year, ledger_url, restate_q1

KINDS = ["sqlite", "postgresql"]


def pmrules(*args: str, url: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--ledger", url], env={"PMRULES_LOAD_PLUGINS": ""})


def payments(result: Result) -> dict[str, dict[str, str]]:
    assert result.exit_code == 0, result.output
    return {row["employee"]: row for row in json.loads(result.stdout)["employees"]}


def pays(result: Result) -> dict[str, str]:
    return {employee: row["pay"] for employee, row in payments(result).items()}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_plan_year(tmp_path)



@pytest.mark.parametrize("kind", KINDS)
def test_the_golden_plan_year(kind: str, workspace: Path, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    ws = str(workspace)
    restate_q1(workspace, "40")  # Q1 as first reported
    q1 = payments(pmrules("payout", ws, "--period", "Q1", "--format", "json", "--commit", "--by", "ana", url=url))
    assert {e: r["pay"] for e, r in q1.items()} == {"A1": "3698.63", "A2": "3698.63", "A3": "3698.63", "J1": "0.00",
                                                     "Y1": "0.00"}
    assert q1["A1"]["earned_ytd"] == "4931.51" and q1["Y1"]["earned_ytd"] == "4931.51"
    locked = pmrules("lock", ws, "--period", "Q1", "--by", "lee", url=url)
    assert locked.exit_code == 0 and "locked Q1" in locked.output
    rerun = pmrules("payout", ws, "--period", "Q1", url=url)
    assert rerun.exit_code == 2 and "period Q1 is locked (by lee at " in rerun.output

    restate_q1(workspace, "36")  # restated after the lock
    q2 = payments(pmrules("payout", ws, "--period", "Q2", "--format", "json", "--commit", "--by", "ana", url=url))
    assert {e: (r["earned_ytd"], r["target"], r["due"], r["pay"], r["forgiven"], r["carried"]) for e, r in q2.items()
            if e.startswith("A")} == {
        "A1": ("3223.29", "2417.47", "-1281.16", "0.00", "0.00", "1281.16"),
        "A2": ("3223.29", "2417.47", "-1281.16", "0.00", "1281.16", "0.00"),
        "A3": ("3223.29", "2417.47", "-1281.16", "-1281.16", "0.00", "0.00")}
    explained = pmrules("payout", ws, "--period", "Q2", "--explain", "A2", url=url)
    assert "retro adjustment: Q1 won of corp was 40 when run 1 paid it, now 36" in explained.output
    assert "actuals.csv:2" in explained.output and "pays 0.00 — negative true-up: 1281.16 forgiven" in explained.output
    # The restatement's money (EXPECTED.md, "Q2"): with won 40 as recorded, earned 3,719.18 and target
    # 0.75 x 3,719.18 = 2,789.385 = 2,789.39; with 36, 3,223.29 and 2,417.47.
    assert ("Q1 won of corp 40 -> 36: earned year to date 3223.29 instead of 3719.18 (-495.89), target 2417.47 "
            "instead of 2789.39 (-371.92 of this period's due)") in explained.output
    money = json.loads(pmrules("payout", ws, "--period", "Q2", "--explain", "A2", "--format", "json",
                               url=url).stdout)["plan_year"]["retro_money"]
    assert money == [{"restatement": "Q1 won of corp 40 -> 36", "earned_as_recorded": "3719.18", "earned": "3223.29",
                      "earned_difference": "-495.89", "target_as_recorded": "2789.39", "target": "2417.47",
                      "target_difference": "-371.92"}]

    q3 = pays(pmrules("payout", ws, "--period", "Q3", "--format", "json", "--commit", url=url))
    assert q3 == {"A1": "3032.88", "A2": "4314.04", "A3": "4314.04", "J1": "2268.50", "Y1": "0.00"}
    q4 = pays(pmrules("payout", ws, "--period", "Q4", "--format", "json", "--commit", url=url))
    assert q4 == {"A1": "2268.49", "A2": "2268.49", "A3": "2268.49", "J1": "2268.49", "Y1": "9000.00"}

    runs = json.loads(pmrules("runs", ws, "--format", "json", url=url).stdout)["runs"]
    assert [(r["period"], r["status"], r["total"]) for r in runs] == [
        ("Q1", "committed (locked)", "11095.89"), ("Q2", "committed", "-1281.16"), ("Q3", "committed", "13929.46"),
        ("Q4", "committed", "18073.96")]
    history = json.loads(pmrules("history", ws, "A2", "--format", "json", url=url).stdout)
    assert history["paid"] == "10281.16"  # 9,000.00 earned + 1,281.16 forgiven
    for employee, total in (("A1", "9000.00"), ("A3", "9000.00"), ("J1", "4536.99"), ("Y1", "9000.00")):
        assert Decimal(json.loads(pmrules("history", ws, employee, "--format", "json", url=url).stdout)["paid"]) \
            == Decimal(total)


@pytest.mark.parametrize("kind", KINDS)
def test_diff_explains_a_changed_actual_down_to_its_row(kind: str, workspace: Path, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    ws = str(workspace)
    assert pmrules("payout", ws, "--period", "Q1", "--commit", url=url).exit_code == 0
    restate_q1(workspace, "40")  # Q1 not locked: a rerun supersedes the first run
    assert pmrules("payout", ws, "--period", "Q1", "--commit", url=url).exit_code == 0
    result = pmrules("diff", ws, "1", "2", url=url)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "input Q1 won of corp: 36 -> 40" in text and "actuals.csv:2" in text
    assert "KPI conversion of corp (year to date): 0.36 -> 0.4" in text
    assert "KPI conversion of corp (line factor, plan carry): 1.6 -> 2" in text
    assert "A1: paid 2958.91 -> 3698.63, earned 3945.21 -> 4931.51" in text
    assert "file actuals.csv: changed" in text
    data = json.loads(pmrules("diff", ws, "1", "2", "--format", "json", url=url).stdout)
    assert {e["employee_id"] for e in data["employees"]} == {"A1", "A2", "A3", "Y1"}  # J1 earns 0 in both
    runs = json.loads(pmrules("runs", ws, "--format", "json", url=url).stdout)["runs"]
    assert [r["status"] for r in runs] == ["superseded", "committed"]


def test_without_periods_period_option_is_refused() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"
    result = CliRunner().invoke(cli, ["payout", str(example), "--period", "Q2"])
    assert result.exit_code == 2
    assert "the workspace declares no `periods:`" in result.output


def test_commit_needs_a_period(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["payout", str(workspace), "--commit"])
    assert result.exit_code == 2 and "add --period PERIOD" in result.output
    result = CliRunner().invoke(cli, ["payout", str(workspace), "--ledger", "sqlite:///x.db"])
    assert result.exit_code == 2 and "add --period PERIOD" in result.output


def test_default_ledger_is_sqlite_in_the_workspace(workspace: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["payout", str(workspace), "--period", "Q1", "--commit", "--by", "ana"],
                           env={"PMRULES_LEDGER": None})
    assert result.exit_code == 0, result.output
    assert (workspace / ".pmrules" / "ledger.db").is_file()
    assert "by ana" in result.output


def test_several_restatements_are_valued_alone_and_together(workspace: Path, tmp_path: Path) -> None:
    """Q1 paid with won 40 / leads 100 and locked, then restated to won 36 and leads 90. By hand:
    now      YTD Q2 46/190 = 23/95, factor 0.5 + 0.5 x (23/95 - 0.2)/0.1 = 27/38,
             earned 10,000 x 181/365 x 27/38 = 48,870,000 / 13,870 = 3,523.43, target 0.75 x = 2,642.5725 = 2,642.57;
    won 40   50/190, factor 31/38: 56,110,000 / 13,870 = 4,045.42 (-521.99); target 3,034.065 = 3,034.07 (-391.50);
    leads 100  46/200 = 0.23, factor 0.65: 3,223.29 (+300.14); target 2,417.47 (+225.10);
    both     50/200, factor 0.75: 3,719.18 (-195.75); target 2,789.39 (-146.82), not the sum of the parts."""
    url = ledger_url("sqlite", tmp_path)
    ws = str(workspace)
    restate_q1(workspace, "40")
    assert pmrules("payout", ws, "--period", "Q1", "--commit", url=url).exit_code == 0
    assert pmrules("lock", ws, "--period", "Q1", url=url).exit_code == 0
    restate_q1(workspace, "36")
    text = (workspace / "actuals.csv").read_text()
    (workspace / "actuals.csv").write_text(text.replace("corp,Q1,leads,100", "corp,Q1,leads,90"))
    result = pmrules("payout", ws, "--period", "Q2", "--explain", "A1", "--format", "json", url=url)
    money = json.loads(result.stdout)["plan_year"]["retro_money"]
    assert [(m["restatement"], m["earned"], m["earned_as_recorded"], m["earned_difference"], m["target_as_recorded"],
             m["target_difference"]) for m in money] == [
        ("Q1 leads of corp 100 -> 90", "3523.43", "3223.29", "300.14", "2417.47", "225.10"),
        ("Q1 won of corp 40 -> 36", "3523.43", "4045.42", "-521.99", "3034.07", "-391.50"),
        ("all restatements together", "3523.43", "3719.18", "-195.75", "2789.39", "-146.82")]
