"""Suggest: KPIs a centre may be scored on, that feed its parent, ranked by the value discipline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.errors import InputError
from pmrules.suggest import suggest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


@pytest.mark.parametrize("owner", ["harbor", "hr", "sales", "corp"])
def test_suggestions_are_allowed_new_and_supportive(owner: str) -> None:
    opened = open_workspace(EXAMPLE)
    m = opened.workspace.manifest
    center = next(c for c in m.centers if c.id == owner)
    cards = {s.owner: s for s in m.scorecards}
    current = {line.kpi for line in cards[owner].kpis}
    parent = ({line.kpi for line in cards[center.parent].kpis} if center.parent
              else {o.kpi for o in m.strategy.objectives})
    found = suggest(opened.workspace, opened.catalog, owner)
    assert found
    for s in found:
        entry = opened.catalog.kpis[s.kpi]
        assert s.kpi not in current
        assert center.type in entry.scorable_by
        assert set(s.supports) <= parent and s.supports
        assert s.shared_inputs or s.shared_categories
        assert s.reasons
    fits = [s.fits_discipline for s in found]
    assert fits == sorted(fits, reverse=True)  # the strategy's discipline first
    assert any(fits)


def test_cost_centre_gets_no_revenue_or_investment_kpi() -> None:
    opened = open_workspace(EXAMPLE)
    for s in suggest(opened.workspace, opened.catalog, "hr"):
        assert not {"revenue", "investment"} & set(opened.catalog.kpis[s.kpi].financial_categories)


def test_unknown_owner() -> None:
    with pytest.raises(InputError, match="did you mean 'harbor'"):
        opened = open_workspace(EXAMPLE)
        suggest(opened.workspace, opened.catalog, "harbour")


def test_cli() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["suggest", str(EXAMPLE), "--owner", "harbor", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["owner"] == "harbor" and doc["suggestions"][0]["rank"] == 1
    table = runner.invoke(cli, ["suggest", str(EXAMPLE), "--owner", "harbor"])
    assert table.exit_code == 0 and "KPIs harbor could add" in table.output
    bad = runner.invoke(cli, ["suggest", str(EXAMPLE), "--owner", "nowhere"])
    assert bad.exit_code == 2 and "no centre 'nowhere'" in bad.output
