"""The KPI formulas of the synthetic workspaces (bench/generate.py), for the reference and floor scripts.

Written with + - * / only, so the same lambdas compute exactly over Fractions (bench/handwritten.py)
and in float over whole NumPy columns (bench/floor.py). Imports nothing.
"""

FORMULAS = {
    "roi": lambda v: (v["revenue"] - v["operating_costs"]) / v["invested_capital"],
    "operating_margin": lambda v: (v["revenue"] - v["operating_costs"]) / v["revenue"],
    "gross_margin": lambda v: (v["revenue"] - v["cogs"]) / v["revenue"],
    "retention_rate": lambda v: v["clients_retained"] / v["clients_start"],
    "csat": lambda v: v["satisfied_responses"] / v["survey_responses"],
    "revenue_growth": lambda v: (v["revenue"] - v["prior_revenue"]) / v["prior_revenue"],
    "nps": lambda v: 100 * (v["promoters"] - v["detractors"]) / v["survey_responses"],
    "budget_attainment": lambda v: v["revenue"] / v["revenue_budget"],
    "cost_variance": lambda v: (v["actual_costs"] - v["budgeted_costs"]) / v["budgeted_costs"],
    "cycle_time": lambda v: v["cycle_days"] / v["orders_completed"],
    "output_per_employee": lambda v: v["units_produced"] / v["headcount"],
}
LOWER = {"cost_variance", "cycle_time"}  # KPIs where less is better
