"""A mapped ledger export with a period column feeds the plan year: it pays exactly what the plain golden
plan year pays (tests/workspaces/plan-year/EXPECTED.md, worked by hand), period by period."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.errors import InputError
from pmrules.plugins import get_plugin_manager

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
MAPPED, PLAIN = WORKSPACES / "plan-year-mapped", WORKSPACES / "plan-year"


def pays(workspace: Path, period: str) -> dict[str, tuple[str, str]]:
    result = CliRunner().invoke(cli, ["payout", str(workspace), "--period", period, "--format", "json"],
                                env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 0, result.output
    return {r["employee"]: (r["earned_ytd"], r["pay"]) for r in json.loads(result.stdout)["employees"]}


def test_the_mapped_period_column_feeds_each_period() -> None:
    opened = open_workspace(MAPPED, get_plugin_manager(entry_points=False))
    periods = opened.workspace.period_actuals
    assert periods is not None
    assert {p: periods[p].values["corp"]["won"] for p in periods} == {"Q1": 36, "Q2": 10, "Q3": 50, "Q4": 44}
    assert str(periods["Q1"].where[("corp", "won")]).endswith("export.csv:3")  # the 2025-12 row is ignored
    report = next(r for r in opened.workspace.sources if r.key == "actuals")
    assert "period other than Q1, Q2, Q3, Q4" in json.dumps(report.to_dict() if hasattr(report, "to_dict")
                                                                else vars(report), default=str)


@pytest.mark.parametrize("period", ["Q1", "Q2", "Q3", "Q4"])
def test_a_mapped_plan_year_pays_as_the_plain_one(period: str) -> None:
    # Without a ledger every quarter pays its whole advance; Q4 (year end): 9,000.00 and J1 4,536.99.
    assert pays(MAPPED, period) == pays(PLAIN, period)


def test_the_year_from_the_mapped_export_pays_as_worked_by_hand() -> None:
    result = CliRunner().invoke(cli, ["payout", str(MAPPED), "--format", "json"], env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 0, result.output
    bonuses = {e["employee_id"]: e["bonus"] for e in json.loads(result.stdout)["employees"]}
    assert bonuses == {"A1": "9000.00", "A2": "9000.00", "A3": "9000.00", "J1": "4536.99", "Y1": "9000.00"}


def test_a_plan_year_needs_a_mapped_period_column(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(MAPPED, ws)
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace(", period: Periode}", "}"))
    with pytest.raises(InputError, match="maps no `period` column, but the workspace declares `periods:`"):
        open_workspace(ws, get_plugin_manager(entry_points=False))
