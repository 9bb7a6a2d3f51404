"""pmrules-banking through pmrules.testing: the plugin is valid, its KPIs compute, its rule fires."""

from __future__ import annotations

from fractions import Fraction

import pmrules_banking
import pytest

from pmrules.api import open_workspace
from pmrules.audit import run_audit
from pmrules.catalog import build_catalog
from pmrules.testing import evaluate_kpi, minimal_manifest, plugin_manager, validate_plugin, write_workspace

BRANCH_KPIS = ["appointments_per_week", "contact_coverage", "cross_sell_ratio", "products_per_customer",
               "service_calls_per_week", "service_to_sale_conversion"]


def test_plugin_is_valid():
    report = validate_plugin(pmrules_banking)
    assert report.kpis == BRANCH_KPIS
    assert report.rulesets == ["banking"]
    assert set(report.inputs) == set(pmrules_banking.INPUTS)


def test_no_input_is_financial_so_every_centre_may_be_scored():
    catalog = build_catalog(plugin_manager(pmrules_banking))
    for kpi_id in BRANCH_KPIS:
        assert catalog.kpis[kpi_id].financial_categories == (), kpi_id
        assert set(catalog.kpis[kpi_id].scorable_by) == {"cost", "revenue", "profit", "investment"}, kpi_id


@pytest.mark.parametrize(("kpi", "inputs", "expected"), [
    # Harbor St. branch of examples/northwind-bank, worked by hand: 2860 / 52 = 55.
    ("service_calls_per_week", {"service_calls": 2860, "weeks_in_period": 52}, Fraction(55)),
    ("appointments_per_week", {"appointments": 1378, "weeks_in_period": 52}, Fraction(53, 2)),
    ("cross_sell_ratio", {"cross_sales": 903, "clients_served": 4200}, Fraction(43, 200)),
    ("service_to_sale_conversion", {"sales_from_service": 200, "service_calls": 2860}, Fraction(10, 143)),
    ("products_per_customer", {"products_held": 10650, "active_clients": 4100}, Fraction(213, 82)),
    ("contact_coverage", {"clients_served": 4200, "active_clients": 4100}, Fraction(42, 41)),
])
def test_kpis_compute_exactly(kpi, inputs, expected):
    assert evaluate_kpi(kpi, inputs, plugins=[pmrules_banking]) == expected


def _branch_workspace(tmp_path, branch_kpi):
    manifest = minimal_manifest(
        plugins=["banking"],
        rulesets=["banking"],
        centers=[{"id": "corp", "name": "Bank", "type": "investment"},
                 {"id": "north", "name": "North", "type": "profit", "parent": "corp"},
                 {"id": "harbor", "name": "Harbor", "type": "profit", "parent": "north"}],
        scorecards=[
            {"owner": "corp", "kpis": [{"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9,
                                        "maximum": 1.0, "supports": "strategy:retain"}]},
            {"owner": "north", "kpis": [{"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9,
                                         "maximum": 1.0, "supports": "retention_rate"}]},
            {"owner": "harbor", "kpis": [{"kpi": branch_kpi, "weight": 1.0, "threshold": 0.8, "target": 0.9,
                                          "maximum": 1.0, "supports": "retention_rate"}]},
        ])
    return write_workspace(tmp_path, manifest)


@pytest.mark.parametrize(("branch_kpi", "fires"), [("retention_rate", True), ("cross_sell_ratio", False)])
def test_branch_without_leading_indicator_is_flagged(tmp_path, branch_kpi, fires):
    opened = open_workspace(_branch_workspace(tmp_path, branch_kpi), plugin_manager(pmrules_banking))
    rules = {f.rule: f for f in run_audit(opened.workspace, opened.catalog).findings}
    assert ("banking.branch-needs-leading-indicator" in rules) is fires
    if fires:
        assert rules["banking.branch-needs-leading-indicator"].subject == "harbor"
        assert "north" not in {f.subject for f in run_audit(opened.workspace, opened.catalog).findings
                               if f.rule == "banking.branch-needs-leading-indicator"}
