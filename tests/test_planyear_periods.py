"""Periods: actuals per period, inputs accumulated across them, KPIs per period and year to date.

The figures come from tests/workspaces/plan-year (worked by hand in its EXPECTED.md).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.errors import PmrulesError
from pmrules.planyear.ytd import period_kpis, ytd_actuals
from pmrules.rational import Fraction

PLAN_YEAR = Path(__file__).resolve().parent / "workspaces" / "plan-year"


def test_inputs_accumulate_by_their_method(pm) -> None:  # type: ignore[no-untyped-def]
    opened = open_workspace(PLAN_YEAR, pm)
    h1 = ytd_actuals(opened.workspace, opened.catalog, "Q2")
    assert h1.get("corp", "won") == Decimal(46)  # sum: 36 + 10
    assert h1.get("corp", "headcount") == Decimal(12)  # last (workspace `accumulate:` map)
    assert h1.get("corp", "balances") == Decimal(200)  # average ((100 + 300) / 2, from `inputs:`)
    year = opened.workspace.actuals  # without --period: the whole year so far
    assert year.get("corp", "leads") == Decimal(500)
    assert year.get("corp", "headcount") == Decimal(11)
    assert year.get("corp", "balances") == Decimal(250)
    assert str(year.where[("corp", "won")]).endswith("actuals.csv:14")  # the latest row


def test_ytd_kpi_is_a_ratio_of_sums_not_an_average_of_ratios(pm) -> None:  # type: ignore[no-untyped-def]
    opened = open_workspace(PLAN_YEAR, pm)
    q4, ytd = period_kpis(opened.workspace, opened.catalog, "Q4")
    assert q4.get("corp", "conversion") == Fraction(44, 200)
    assert ytd.get("corp", "conversion") == Fraction(140, 500)  # 0.28; the average of the ratios is 0.295
    q2, h1 = period_kpis(opened.workspace, opened.catalog, "Q2")
    assert (q2.get("corp", "conversion"), h1.get("corp", "conversion")) == (Fraction(1, 10), Fraction(23, 100))


def test_plugin_default_and_workspace_precedence(pm, register, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    register("stock", inputs={"stock_level": {"category": "operations", "accumulate": "last"},
                              "visits": {"category": "operations", "accumulate": "average"}})
    ws = tmp_path / "ws"
    shutil.copytree(PLAN_YEAR, ws)
    text = (ws / "pmrules.yaml").read_text().replace("accumulate: {headcount: last}",
                                                     "accumulate: {headcount: last, visits: sum}")
    (ws / "pmrules.yaml").write_text(text)
    with (ws / "actuals.csv").open("a") as handle:
        handle.write("corp,Q1,stock_level,5\ncorp,Q2,stock_level,7\ncorp,Q1,visits,3\ncorp,Q2,visits,4\n")
    opened = open_workspace(ws, pm)
    h1 = ytd_actuals(opened.workspace, opened.catalog, "Q2")
    assert h1.get("corp", "stock_level") == Decimal(7)  # the plugin's default
    assert h1.get("corp", "visits") == Decimal(7)  # the workspace's map wins over the plugin's average


def test_wide_form_has_one_row_per_entity_and_period(pm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(PLAN_YEAR, ws)
    (ws / "actuals.csv").write_text("entity,period,won,leads,headcount,balances\n"
                                    "corp,Q1,36,100,10,100\ncorp,Q2,10,100,12,300\n"
                                    "corp,Q3,50,100,12,200\ncorp,Q4,44,200,11,400\n")
    opened = open_workspace(ws, pm)
    assert opened.workspace.actuals.get("corp", "won") == Decimal(140)
    (ws / "actuals.csv").write_text("entity,period,won\ncorp,Q1,36\ncorp,Q1,37\n")
    with pytest.raises(PmrulesError, match="appears twice in period 'Q1'"):
        open_workspace(ws, pm)


def test_average_of_three_periods_keeps_fifty_digits(pm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(PLAN_YEAR, ws)
    opened = open_workspace(ws, pm)
    q3 = ytd_actuals(opened.workspace, opened.catalog, "Q3")
    assert q3.get("corp", "balances") == Decimal(200)  # (100 + 300 + 200) / 3
    (ws / "actuals.csv").write_text((PLAN_YEAR / "actuals.csv").read_text().replace("Q3,balances,200", "Q3,balances,201"))
    opened = open_workspace(ws, pm)
    value = ytd_actuals(opened.workspace, opened.catalog, "Q3").get("corp", "balances")
    assert value is not None and str(value).startswith("200.33333333") and len(value.as_tuple().digits) == 50
