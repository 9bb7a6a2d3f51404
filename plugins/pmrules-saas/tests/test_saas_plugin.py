"""pmrules-saas through pmrules.testing, and its example workspace through the real CLI."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pmrules_saas
import pytest
from click.testing import CliRunner

from pmrules.catalog import build_catalog
from pmrules.cli import cli
from pmrules.testing import evaluate_kpi, plugin_manager, validate_plugin

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cloudnine"
ARR = {"starting_arr": 12_000_000, "new_arr": 4_200_000, "expansion_arr": 1_800_000, "contraction_arr": 300_000,
       "churned_arr": 900_000, "sales_marketing_spend": 6_300_000, "gross_margin_rate": "0.78",
       "net_burn": 6_900_000, "logos_start": 800, "logos_churned": 64, "new_logos": 260}


def test_plugin_is_valid():
    report = validate_plugin(pmrules_saas)
    assert set(report.kpis) == set(pmrules_saas.KPIS)
    assert {"net_revenue_retention", "gross_revenue_retention", "arr_growth", "cac_payback_months", "ltv_to_cac",
            "burn_multiple", "logo_churn"} <= set(report.kpis)
    assert set(report.inputs) == set(pmrules_saas.INPUTS)


# CloudNine's corporate figures (examples/cloudnine/actuals.csv), worked out by hand.
@pytest.mark.parametrize(("kpi", "expected"), [
    ("net_new_arr", Fraction(4_800_000)),                                     # 4.2M + 1.8M - 0.3M - 0.9M
    ("net_revenue_retention", Fraction(21, 20)),                              # 12.6M / 12M
    ("gross_revenue_retention", Fraction(9, 10)),                             # 10.8M / 12M
    ("arr_growth", Fraction(2, 5)),                                           # 4.8M / 12M
    ("logo_churn", Fraction(2, 25)),                                          # 64 / 800
    ("cac_payback_months", Fraction(12 * 6_300_000) / (4_200_000 * Fraction(78, 100))),  # 23.08 months
    ("ltv_to_cac", (Fraction(15_000) * Fraction(78, 100) / Fraction(2, 25)) / Fraction(6_300_000, 260)),
    ("burn_multiple", Fraction(23, 16)),                                      # 6.9M / 4.8M
])
def test_kpis_compute_exactly(kpi, expected):
    assert evaluate_kpi(kpi, ARR, plugins=[pmrules_saas]) == expected


@pytest.mark.parametrize(("kpi", "scorable_by"), [
    ("net_revenue_retention", {"revenue", "profit", "investment"}),
    ("arr_growth", {"revenue", "profit", "investment"}),
    ("logo_churn", {"cost", "revenue", "profit", "investment"}),
    ("cac_payback_months", {"profit", "investment"}),
    ("burn_multiple", {"profit", "investment"}),
])
def test_categories_decide_who_may_be_scored(kpi, scorable_by):
    assert set(build_catalog(plugin_manager(pmrules_saas)).kpis[kpi].scorable_by) == scorable_by


def test_example_workspace_audits_clean_and_pays_everyone():
    runner = CliRunner()
    audit = runner.invoke(cli, ["audit", str(EXAMPLE), "--format", "json"])
    assert audit.exit_code == 0, audit.output
    assert not [f for f in json.loads(audit.stdout)["findings"] if f["severity"] == "error"]
    payout = runner.invoke(cli, ["payout", str(EXAMPLE), "--format", "json"])
    assert payout.exit_code == 0, payout.output
    bonuses = {e["employee_id"]: e["bonus"] for e in json.loads(payout.stdout)["employees"]}
    assert len(bonuses) == 7
    # By hand: corporate score 0.3*2 + 0.2*1.125 + 0.3*0.75 + 0.2*2 = 1.45; E001's multiplier
    # 0.5*1.45 + 0.3*1.45 + 0.2*1.25 = 1.41; 300000 * 0.40 * 1.41 = 169200.00.
    assert bonuses["E001"] == "169200.00"


def test_example_lists_saas_as_the_source_of_its_kpis():
    result = CliRunner().invoke(cli, ["kpis", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    sources = {k["id"]: k["source"] for k in json.loads(result.stdout)["kpis"]}
    assert sources["burn_multiple"] == "saas" and sources["roi"] == "builtin"
