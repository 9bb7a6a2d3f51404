"""The built-in KPI library and the category analysis that decides who may be scored on what."""

from __future__ import annotations

import pytest

from pmrules.catalog import build_catalog
from pmrules.errors import FormulaError, PluginError

ALL = ["cost", "revenue", "profit", "investment"]
REV = ["revenue", "profit", "investment"]
COST = ["cost", "profit", "investment"]
PROFIT = ["profit", "investment"]
INV = ["investment"]

# Worked out by hand from each formula's inputs and the controllability table of WORKSPACE.md.
SCORABLE_BY = {
    "roi": INV, "residual_income": INV, "economic_value_added": INV,
    "gross_margin": PROFIT, "operating_margin": PROFIT, "net_profit": PROFIT, "contribution_margin": PROFIT,
    "revenue": REV, "revenue_growth": REV, "cost_variance": COST, "budget_attainment": REV,
    "cost_per_unit": COST,
    "customer_lifetime_value": PROFIT, "csat": ALL, "nps": ALL, "retention_rate": ALL, "churn_rate": ALL,
    "new_product_success_rate": ALL, "time_to_market": ALL, "market_share": REV,
    "new_product_revenue_share": REV, "rd_investment_ratio": PROFIT,
    "cycle_time": ALL, "cogs_ratio": PROFIT, "process_improvement_impact": COST,
    "inventory_turnover": INV, "output_per_employee": ALL,
}


def test_every_builtin_kpi_has_its_scorable_by_pinned(pm):
    catalog = build_catalog(pm)
    builtin = {k: e for k, e in catalog.kpis.items() if e.source == "builtin"}
    assert set(builtin) == set(SCORABLE_BY)
    for kpi_id, expected in SCORABLE_BY.items():
        assert list(builtin[kpi_id].scorable_by) == expected, kpi_id


def test_builtin_kpis_carry_description_unit_and_input_categories(pm):
    catalog = build_catalog(pm)
    for entry in catalog.kpis.values():
        assert entry.definition.description and entry.definition.unit, entry.id
        assert entry.inputs and all(catalog.inputs[n].definition.category for n in entry.inputs)


def test_categories_flow_through_kpis_of_kpis(pm, register):
    register("thirdparty", kpis=[
        {"id": "asset_velocity", "name": "Asset velocity", "formula": "revenue / shop_assets",
         "direction": "higher", "perspective": "financial", "unit": "ratio"},
        {"id": "velocity_index", "name": "Velocity index", "formula": "asset_velocity * 100",
         "direction": "higher", "perspective": "financial", "unit": "index"},
    ], inputs={"shop_assets": {"category": "investment", "unit": "USD"}})
    catalog = build_catalog(pm)
    entry = catalog.kpis["velocity_index"]
    assert entry.kpi_refs == ("asset_velocity",)
    assert entry.inputs == ("revenue", "shop_assets")
    assert entry.financial_categories == ("investment", "revenue")
    assert entry.scorable_by == ("investment",)
    assert entry.source == "thirdparty"


def test_churn_rate_reads_retention_through_a_kpi(pm):
    entry = build_catalog(pm).kpis["churn_rate"]
    assert entry.kpi_refs == ("retention_rate",)
    assert entry.inputs == ("clients_retained", "clients_start")


def test_duplicate_kpi_across_plugins_names_both(pm, register):
    kpi = {"id": "roi", "name": "ROI", "formula": "revenue / invested_capital", "direction": "higher",
           "perspective": "financial"}
    register("acme", kpis=[kpi])
    with pytest.raises(PluginError) as caught:
        build_catalog(pm)
    assert "'roi'" in str(caught.value) and "'builtin'" in str(caught.value) and "'acme'" in str(caught.value)


def test_kpi_cycle_is_named(pm, register):
    register("loops", kpis=[
        {"id": "a_kpi", "name": "A", "formula": "b_kpi + 1", "direction": "higher", "perspective": "financial"},
        {"id": "b_kpi", "name": "B", "formula": "c_kpi * 2", "direction": "higher", "perspective": "financial"},
        {"id": "c_kpi", "name": "C", "formula": "a_kpi - revenue", "direction": "higher", "perspective": "financial"},
    ])
    with pytest.raises(FormulaError) as caught:
        build_catalog(pm)
    message = str(caught.value)
    assert "cycle" in message and "a_kpi" in message and "b_kpi" in message and "c_kpi" in message


def test_unknown_name_in_plugin_formula_names_plugin_and_kpi(pm, register):
    register("typo", kpis=[{"id": "t", "name": "T", "formula": "revenu / 2", "direction": "higher",
                            "perspective": "financial"}])
    with pytest.raises(FormulaError) as caught:
        build_catalog(pm)
    assert "plugin 'typo'" in str(caught.value) and "did you mean 'revenue'" in str(caught.value)


def test_malformed_plugin_kpi_names_plugin(pm, register):
    register("broken", kpis=[{"id": "x", "formula": "revenue"}])
    with pytest.raises(PluginError) as caught:
        build_catalog(pm)
    assert "plugin 'broken'" in str(caught.value) and "'x'" in str(caught.value)


def test_plugin_input_without_category_names_plugin(pm, register):
    register("nocat", inputs={"widgets": {"unit": "count"}})
    with pytest.raises(PluginError) as caught:
        build_catalog(pm)
    assert "plugin 'nocat'" in str(caught.value) and "widgets" in str(caught.value)
    assert "category" in str(caught.value)
