"""The built-in KPI library: responsibility accounting plus one group per value discipline."""

from __future__ import annotations

from pmrules.defaults.formats import register_output_formats  # noqa: F401  (the `builtin` plugin also brings the payout formats)
from pmrules.hookspecs import hookimpl

# (category, unit, description); categories decide controllability: revenue, cost and investment
# are financial, everything else is controllable by every centre.
INPUTS: dict[str, tuple[str, str | None, str]] = {
    "revenue": ("revenue", "currency", "sales recognised in the period"),
    "prior_revenue": ("revenue", "currency", "sales of the comparison period"),
    "revenue_budget": ("revenue", "currency", "budgeted sales for the period"),
    "new_product_revenue": ("revenue", "currency", "sales of products launched in the last 3 years"),
    "cogs": ("cost", "currency", "cost of goods sold"),
    "operating_costs": ("cost", "currency", "all operating costs of the period"),
    "variable_costs": ("cost", "currency", "costs that move with volume"),
    "interest_expense": ("cost", "currency", "interest paid on debt"),
    "income_taxes": ("cost", "currency", "income taxes of the period"),
    "actual_costs": ("cost", "currency", "costs incurred against a budget"),
    "budgeted_costs": ("cost", "currency", "budgeted costs"),
    "total_costs": ("cost", "currency", "total production costs"),
    "rd_spend": ("cost", "currency", "research and development spend"),
    "baseline_process_costs": ("cost", "currency", "process costs before an improvement"),
    "process_costs": ("cost", "currency", "process costs after an improvement"),
    "invested_capital": ("investment", "currency", "average capital employed by the unit"),
    "average_inventory": ("investment", "currency", "average inventory held (working capital)"),
    "cost_of_capital": ("investment", "ratio", "required rate of return on invested capital"),
    "wacc": ("investment", "ratio", "weighted average cost of capital"),
    "tax_rate": ("policy", "ratio", "income tax rate applied to operating profit"),
    "clients_start": ("customer", "count", "clients at the start of the period"),
    "clients_retained": ("customer", "count", "of those, clients still active at the end"),
    "promoters": ("customer", "count", "survey answers of 9 or 10"),
    "detractors": ("customer", "count", "survey answers of 0 to 6"),
    "satisfied_responses": ("customer", "count", "satisfied survey answers"),
    "survey_responses": ("customer", "count", "all survey answers"),
    "market_revenue": ("market", "currency", "total sales of the served market"),
    "product_launches": ("innovation", "count", "products launched in the period"),
    "successful_launches": ("innovation", "count", "launches that met their business case"),
    "development_days": ("innovation", "days", "days from approval to launch, summed over launches"),
    "cycle_days": ("operations", "days", "order-to-delivery days, summed over orders"),
    "orders_completed": ("operations", "count", "orders delivered"),
    "units_produced": ("operations", "count", "units of output"),
    "headcount": ("people", "FTE", "average full-time equivalents"),
}

_F, _C, _I = "financial", "customer", "internal"
_CI, _PL, _OE = "customer_intimacy", "product_leadership", "operational_excellence"

# id: (name, formula, direction, perspective, unit, discipline, description)
KPIS: dict[str, tuple[str, str, str, str, str, str | None, str]] = {
    "roi": ("Return on investment", "(revenue - operating_costs) / invested_capital", "higher", _F, "ratio", None,
            "operating profit per unit of capital employed"),
    "residual_income": ("Residual income", "(revenue - operating_costs) - cost_of_capital * invested_capital",
                        "higher", _F, "currency", None, "operating profit above the required return on capital"),
    "economic_value_added": ("Economic value added",
                             "(revenue - operating_costs) * (1 - tax_rate) - wacc * invested_capital",
                             "higher", _F, "currency", None, "after-tax operating profit less the capital charge"),
    "gross_margin": ("Gross margin", "(revenue - cogs) / revenue", "higher", _F, "ratio", None,
                     "share of sales left after the cost of goods sold"),
    "operating_margin": ("Operating margin", "(revenue - operating_costs) / revenue", "higher", _F, "ratio", None,
                         "share of sales left after operating costs"),
    "net_profit": ("Net profit", "revenue - operating_costs - interest_expense - income_taxes", "higher", _F,
                   "currency", None, "profit after interest and taxes"),
    "contribution_margin": ("Contribution margin", "(revenue - variable_costs) / revenue", "higher", _F, "ratio",
                            None, "share of sales that covers fixed costs"),
    "revenue": ("Revenue", "revenue", "higher", _F, "currency", None, "sales recognised in the period"),
    "revenue_growth": ("Revenue growth", "(revenue - prior_revenue) / prior_revenue", "higher", _F, "ratio", None,
                       "sales growth over the comparison period"),
    "cost_variance": ("Cost variance", "(actual_costs - budgeted_costs) / budgeted_costs", "lower", _F, "ratio",
                      None, "overspend against budget as a share of budget"),
    "budget_attainment": ("Budget attainment", "revenue / revenue_budget", "higher", _F, "ratio", None,
                          "sales as a share of the sales budget"),
    "cost_per_unit": ("Cost per unit", "total_costs / units_produced", "lower", _I, "currency", _OE,
                      "production cost of one unit of output"),
    "customer_lifetime_value": ("Customer lifetime value", "(revenue - cogs) / clients_start / churn_rate",
                                "higher", _C, "currency", _CI, "gross profit per client over the expected lifetime"),
    "csat": ("Customer satisfaction", "satisfied_responses / survey_responses", "higher", _C, "ratio", _CI,
             "share of satisfied survey answers"),
    "nps": ("Net promoter score", "100 * (promoters - detractors) / survey_responses", "higher", _C, "score", _CI,
            "promoters minus detractors, per hundred answers"),
    "retention_rate": ("Client retention", "clients_retained / clients_start", "higher", _C, "ratio", _CI,
                       "share of clients kept over the period"),
    "churn_rate": ("Client churn", "1 - retention_rate", "lower", _C, "ratio", _CI,
                   "share of clients lost over the period"),
    "new_product_success_rate": ("New product success rate", "successful_launches / product_launches", "higher",
                                 _I, "ratio", _PL, "share of launches that met their business case"),
    "time_to_market": ("Time to market", "development_days / product_launches", "lower", _I, "days", _PL,
                       "average days from approval to launch"),
    "market_share": ("Market share", "revenue / market_revenue", "higher", _C, "ratio", _PL,
                     "share of the served market's sales"),
    "new_product_revenue_share": ("New product revenue share", "new_product_revenue / revenue", "higher", _F,
                                  "ratio", _PL, "share of sales from recent launches"),
    "rd_investment_ratio": ("R&D investment ratio", "rd_spend / revenue", "higher", _F, "ratio", _PL,
                            "R&D spend as a share of sales"),
    "cycle_time": ("Cycle time", "cycle_days / orders_completed", "lower", _I, "days", _OE,
                   "average order-to-delivery days"),
    "cogs_ratio": ("COGS ratio", "cogs / revenue", "lower", _F, "ratio", _OE, "cost of goods sold per unit of sales"),
    "process_improvement_impact": ("Process improvement impact",
                                   "(baseline_process_costs - process_costs) / baseline_process_costs", "higher", _I,
                                   "ratio", _OE, "share of process cost removed by improvements"),
    "inventory_turnover": ("Inventory turnover", "cogs / average_inventory", "higher", _I, "times", _OE,
                           "times the average inventory is sold in the period"),
    "output_per_employee": ("Output per employee", "units_produced / headcount", "higher", "learning", "units",
                            _OE, "units of output per full-time equivalent"),
}


@hookimpl(trylast=True)
def register_inputs() -> dict[str, dict[str, str | None]]:
    return {name: {"category": cat, "unit": unit, "description": text} for name, (cat, unit, text) in INPUTS.items()}


@hookimpl(trylast=True)
def register_kpis() -> list[dict[str, str | None]]:
    return [
        {"id": kpi_id, "name": name, "formula": formula, "direction": direction, "perspective": perspective,
         "unit": unit, "discipline": discipline, "description": text}
        for kpi_id, (name, formula, direction, perspective, unit, discipline, text) in KPIS.items()
    ]
