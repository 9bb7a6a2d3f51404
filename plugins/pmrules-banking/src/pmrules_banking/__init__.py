"""Retail-banking branch KPIs: weekly service activity that cascades into client retention.

A branch cannot move retention directly within a week, but it can call clients, hold advisory
appointments and turn service contacts into second products; those leading indicators are what
this plugin adds, with a `banking` rule set that asks every branch scorecard to carry one.
"""

from __future__ import annotations

from pathlib import Path

import pmrules

RULESETS = Path(__file__).resolve().parent / "rulesets"

# name: (category, unit, description); none is financial, so every centre type may be scored on them.
INPUTS: dict[str, tuple[str, str, str]] = {
    "weeks_in_period": ("calendar", "weeks", "weeks the unit was open"),
    "service_calls": ("activity", "count", "proactive service calls to existing clients"),
    "appointments": ("activity", "count", "advisory appointments held"),
    "sales_from_service": ("activity", "count", "sales that followed a service call"),
    "clients_served": ("customer", "count", "clients with at least one contact"),
    "cross_sales": ("customer", "count", "clients who bought a second product"),
    "products_held": ("customer", "count", "products held by active clients"),
    "active_clients": ("customer", "count", "clients active at period end"),
}

_CI = "customer_intimacy"

# id: (name, formula, perspective, unit, description); every one is `direction: higher`.
KPIS: dict[str, tuple[str, str, str, str, str]] = {
    "service_calls_per_week": ("Service calls per week", "service_calls / weeks_in_period", "customer", "calls",
                               "proactive service calls per open week: the first step to keeping a client"),
    "appointments_per_week": ("Appointments per week", "appointments / weeks_in_period", "customer", "appointments",
                              "advisory appointments per open week"),
    "cross_sell_ratio": ("Cross-sell ratio", "cross_sales / clients_served", "customer", "ratio",
                         "share of served clients who bought a second product"),
    "service_to_sale_conversion": ("Service-to-sale conversion", "sales_from_service / service_calls", "internal",
                                   "ratio", "share of service calls that led to a sale"),
    "products_per_customer": ("Products per customer", "products_held / active_clients", "customer", "products",
                              "products held per active client; clients with more products stay longer"),
    "contact_coverage": ("Contact coverage", "clients_served / active_clients", "customer", "ratio",
                         "share of active clients the branch was in touch with"),
}


@pmrules.hookimpl
def register_inputs() -> dict[str, dict[str, str]]:
    return {name: {"category": cat, "unit": unit, "description": text} for name, (cat, unit, text) in INPUTS.items()}


@pmrules.hookimpl
def register_kpis() -> list[dict[str, str]]:
    return [
        {"id": kpi_id, "name": name, "formula": formula, "direction": "higher", "perspective": perspective,
         "unit": unit, "discipline": _CI, "description": text}
        for kpi_id, (name, formula, perspective, unit, text) in KPIS.items()
    ]


@pmrules.hookimpl
def register_rulesets() -> list[Path]:
    return [RULESETS / "banking.yaml"]
