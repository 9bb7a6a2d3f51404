"""What-if: parsing --set, exact changes to a copy of the actuals, and a no-change scenario equal to the payout."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.errors import InputError
from pmrules.payout.compute import compute_payouts
from pmrules.payout.period import Period
from pmrules.whatif import Change, parse_change, what_if, whatif_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


@pytest.mark.parametrize(("text", "expected"), [
    ("retail.revenue=+5%", Change("retail", "revenue", "relative", Decimal(5), "retail.revenue=+5%")),
    ("hq.opex=-2%", Change("hq", "opex", "relative", Decimal(-2), "hq.opex=-2%")),
    ("north.clients_retained=2800", Change("north", "clients_retained", "absolute", Decimal(2800),
                                           "north.clients_retained=2800")),
    ("eu.west.revenue=1.5%", Change("eu.west", "revenue", "relative", Decimal("1.5"), "eu.west.revenue=1.5%")),
])
def test_parse_change(text: str, expected: Change) -> None:
    assert parse_change(text) == expected


@pytest.mark.parametrize("text", ["revenue=+5%", "north.revenue", "north.revenue=", "north.revenue=five",
                                  "north.revenue=5%%", "north.revenue=inf"])
def test_parse_change_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_change(text)


def test_no_change_reproduces_the_payout_exactly() -> None:
    opened = open_workspace(EXAMPLE)
    payout = compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest), opened.workspace.employees)
    result = what_if(opened.workspace, opened.catalog, [])
    assert [d.after for d in result.employees] == [p.bonus for p in payout.employees]
    assert all(d.before == d.after and not d.changed for d in result.employees)
    assert result.total_after == payout.total == Decimal("450075.77")
    assert result.kpis == [] and result.scores == []


def test_relative_and_absolute_changes_are_exact_and_leave_the_workspace_alone() -> None:
    opened = open_workspace(EXAMPLE)
    before = {e: dict(v) for e, v in opened.workspace.actuals.values.items()}
    result = what_if(opened.workspace, opened.catalog, [parse_change("harbor.revenue=+5%"), parse_change("it.actual_costs=-2%"),
                              parse_change("corp.clients_retained=230000")])
    assert [a.after for a in result.applied] == [Decimal("22575000"), Decimal("9408000"), Decimal(230000)]
    assert opened.workspace.actuals.values == before
    moved = {(o, k) for o, k, _, _ in result.kpis}
    assert {("harbor", "operating_margin"), ("it", "cost_variance"), ("corp", "retention_rate")} <= moved
    by_id = {d.employee_id: d for d in result.employees}
    assert by_id["E011"].delta is not None and by_id["E011"].delta > 0
    assert result.centers["harbor"][1] > result.centers["harbor"][0]
    assert result.total_after - result.total_before == sum(d.delta for d in result.employees if d.delta)
    doc = whatif_document(result)
    assert doc["total"]["before"] == "450075.77"
    assert doc["changes"][0] == {"entity": "harbor", "input": "revenue", "set": "+5%", "before": "21500000",
                                 "after": "22575000.00"}


def test_unknown_names_suggest_the_closest() -> None:
    opened = open_workspace(EXAMPLE)
    with pytest.raises(InputError) as err:
        what_if(opened.workspace, opened.catalog, [parse_change("harbr.revenue=+5%")])
    assert "did you mean 'harbor'" in str(err.value)
    with pytest.raises(InputError) as err:
        what_if(opened.workspace, opened.catalog, [parse_change("harbor.revenu=+5%")])
    assert "did you mean 'revenue'" in str(err.value)
    with pytest.raises(InputError, match="no value for 'invested_capital'"):
        what_if(opened.workspace, opened.catalog, [parse_change("harbor.invested_capital=+5%")])


def test_cli_formats_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["whatif", str(EXAMPLE), "--set", "harbor.revenue=+5%", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["total"]["delta"] != "0.00" and len(doc["employees"]) == 16
    out = tmp_path / "w.csv"
    result = runner.invoke(cli, ["whatif", str(EXAMPLE), "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0
    rows = out.read_text().splitlines()
    assert rows[0].startswith("employee_id,name,center,plan,status_before")
    assert all(line.endswith(",0.00") for line in rows[1:])
    table = runner.invoke(cli, ["whatif", str(EXAMPLE), "--set", "it.actual_costs=-2%"])
    assert table.exit_code == 0 and "Total USD: 450,075.77 ->" in table.output
    bad = runner.invoke(cli, ["whatif", str(EXAMPLE), "--set", "harbor.revenu=+5%"])
    assert bad.exit_code == 2 and "did you mean 'revenue'" in bad.output
