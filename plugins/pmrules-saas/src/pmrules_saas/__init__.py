"""Subscription-business (SaaS) KPIs: revenue retention, ARR growth and the efficiency of growth.

ARR movements are `revenue`, sales & marketing spend and cash burn are `cost`, so the audit keeps
a revenue centre (sales) off cost-based efficiency KPIs and a cost centre off ARR KPIs, exactly as
for the built-ins; logo counts are `customer` and controllable by everyone.
"""

from __future__ import annotations

import pmrules

# name: (category, unit, description)
INPUTS: dict[str, tuple[str, str, str]] = {
    "starting_arr": ("revenue", "currency", "annual recurring revenue at the start of the period"),
    "new_arr": ("revenue", "currency", "ARR won from new customers in the period"),
    "expansion_arr": ("revenue", "currency", "ARR added by existing customers (upsell, seats, price)"),
    "contraction_arr": ("revenue", "currency", "ARR lost to downgrades by customers who stayed"),
    "churned_arr": ("revenue", "currency", "ARR lost with customers who left"),
    "sales_marketing_spend": ("cost", "currency", "sales and marketing spend of the period"),
    "gross_margin_rate": ("cost", "ratio", "subscription gross margin, 1 - cost of revenue / revenue"),
    "net_burn": ("cost", "currency", "cash burned in the period (operating cash outflow net of inflow)"),
    "logos_start": ("customer", "count", "paying customers at the start of the period"),
    "logos_churned": ("customer", "count", "of those, customers who left"),
    "new_logos": ("customer", "count", "customers won in the period"),
}

_F, _C = "financial", "customer"
_CI, _OE = "customer_intimacy", "operational_excellence"

# id: (name, formula, direction, perspective, unit, discipline, description)
KPIS: dict[str, tuple[str, str, str, str, str, str | None, str]] = {
    "net_new_arr": ("Net new ARR", "new_arr + expansion_arr - contraction_arr - churned_arr", "higher", _F,
                    "currency", None, "ARR added in the period, net of contraction and churn"),
    "net_revenue_retention": ("Net revenue retention",
                              "(starting_arr + expansion_arr - contraction_arr - churned_arr) / starting_arr",
                              "higher", _C, "ratio", _CI, "ARR kept and grown from the customers of a year ago"),
    "gross_revenue_retention": ("Gross revenue retention",
                                "(starting_arr - contraction_arr - churned_arr) / starting_arr", "higher", _C,
                                "ratio", _CI, "ARR kept from the customers of a year ago, expansion left out"),
    "arr_growth": ("ARR growth", "net_new_arr / starting_arr", "higher", _F, "ratio", None,
                   "growth of ARR over the period"),
    "logo_churn": ("Logo churn", "logos_churned / logos_start", "lower", _C, "ratio", _CI,
                   "share of customers lost over the period"),
    "cac_payback_months": ("CAC payback", "12 * sales_marketing_spend / (new_arr * gross_margin_rate)", "lower", _F,
                           "months", _OE, "months of gross margin from new ARR that repay sales and marketing"),
    "ltv_to_cac": ("LTV to CAC",
                   "(starting_arr / logos_start * gross_margin_rate / logo_churn)"
                   " / (sales_marketing_spend / new_logos)",
                   "higher", _F, "ratio", _OE, "lifetime gross margin of a customer per unit of acquisition cost"),
    "burn_multiple": ("Burn multiple", "net_burn / net_new_arr", "lower", _F, "ratio", _OE,
                      "cash burned per unit of net new ARR"),
}


@pmrules.hookimpl
def register_inputs() -> dict[str, dict[str, str]]:
    return {name: {"category": cat, "unit": unit, "description": text} for name, (cat, unit, text) in INPUTS.items()}


@pmrules.hookimpl
def register_kpis() -> list[dict[str, str | None]]:
    return [
        {"id": kpi_id, "name": name, "formula": formula, "direction": direction, "perspective": perspective,
         "unit": unit, "discipline": discipline, "description": text}
        for kpi_id, (name, formula, direction, perspective, unit, discipline, text) in KPIS.items()
    ]
