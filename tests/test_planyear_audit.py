"""The audit before a period's payment judges the year-to-date actuals of that period, not the whole year's.

Worked by hand in tests/workspaces/plan-year-audit/EXPECTED.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pmrules.cli import cli

WORKSPACE = Path(__file__).resolve().parent / "workspaces" / "plan-year-audit"
RULE = "reconciliation.parent-below-children"


def payout(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["payout", str(WORKSPACE), *args], env={"PMRULES_LOAD_PLUGINS": ""})
    return result.exit_code, result.output


def test_a_rule_on_actuals_does_not_fire_on_the_year_to_date_values_that_reconcile() -> None:
    code, output = payout("--period", "Q1", "--format", "json")
    assert code == 0, output
    assert RULE not in output
    rows = {row["employee"]: row for row in json.loads(output[output.index("{"):output.rindex("}") + 1])["employees"]}
    assert rows["A1"]["pay"] == "1849.31"


def test_a_rule_on_actuals_fires_on_the_year_to_date_values_that_do_not() -> None:
    code, output = payout("--period", "Q2")
    assert code == 2
    assert RULE in output and "corp's own deals is 15, below the sum of its" in output and "children's (30: east)" in output
    assert "actuals.csv" in output and ":8" in output  # corp's latest deals row (Q2)


def test_the_whole_year_is_audited_on_the_whole_year() -> None:
    result = CliRunner().invoke(cli, ["audit", str(WORKSPACE), "--format", "json"], env={"PMRULES_LOAD_PLUGINS": ""})
    assert RULE in result.output and "15" in result.output


def test_audit_period_judges_the_year_to_date_through_it() -> None:
    def audit(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["audit", str(WORKSPACE), *args], env={"PMRULES_LOAD_PLUGINS": ""})
        return result.exit_code, result.output

    code, output = audit("--period", "Q1")
    assert code == 0 and RULE not in output
    code, output = audit("--period", "Q2", "--format", "json")
    assert code == 1 and RULE in output and "15" in output
    code, output = audit("--period", "Q9")
    assert code == 2 and "no period 'Q9'" in output
