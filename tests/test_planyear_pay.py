"""Which periods a plan pays in, the CSV of a period's payout, and what --period refuses."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.models import PlanPayout
from pmrules.planyear.pay import pays_in

PLAN_YEAR = Path(__file__).resolve().parent / "workspaces" / "plan-year"


@pytest.mark.parametrize(("frequency", "count", "paying"), [
    ("period", 4, [0, 1, 2, 3]), ("quarter", 4, [0, 1, 2, 3]), ("year", 4, [3]),
    ("quarter", 12, [2, 5, 8, 11]), ("period", 12, list(range(12))), ("year", 12, [11])])
def test_a_plan_pays_in_its_periods(frequency: str, count: int, paying: list[int]) -> None:
    payout = PlanPayout.model_validate({"frequency": frequency})
    assert [i for i in range(count) if pays_in(payout, i, count)] == paying


def test_period_payout_as_csv_without_a_ledger(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(PLAN_YEAR, ws)
    result = CliRunner().invoke(cli, ["payout", str(ws), "--period", "Q2", "--format", "csv"],
                                env={"PMRULES_LOAD_PLUGINS": "", "PMRULES_LEDGER": None})
    assert result.exit_code == 0, result.output
    rows = {r["employee"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    # Nothing committed: nothing counts as paid, so Q2 pays the whole advance 0.75 x 3,223.29 = 2,417.47.
    assert rows["A1"]["pay"] == "2417.47" and rows["Y1"]["pay"] == "0.00"
    assert "warning: no committed run for Q1" in result.stderr
    assert not (ws / ".pmrules").exists()  # a payout without --commit creates no ledger


def test_a_pool_with_period_is_refused(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(PLAN_YEAR, ws)
    (ws / "pmrules.yaml").write_text((ws / "pmrules.yaml").read_text() + 'pool: {amount: "1000.00"}\n')
    result = CliRunner().invoke(cli, ["payout", str(ws), "--period", "Q2"], env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 2 and "`pool:` and --period do not combine yet" in result.output
