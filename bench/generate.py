"""A seeded synthetic workspace of any size in the WORKSPACE.md format, for benchmarks.

    python bench/generate.py OUT_DIR --employees 1000000 --centers 5000 --seed 7
    python bench/generate.py OUT_DIR --employees 1000000 --centers 5000 --periods 4   # a plan year

The organisation: one investment centre, regional profit centres, branch profit centres, and a
share of cost and revenue centres; 4-6 KPIs per scorecard drawn from what each centre type may be
scored on; three plans; ratings 1-5; about 8% of employees joined or left during the year.
With `--periods N` the year has N periods (`periods:`) and actuals.csv has each centre's own values for
each period (wide, `entity,period,...`); the employees are the same as without it (same seed).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

KPIS_BY_TYPE = {
    "investment": ["roi", "operating_margin", "retention_rate", "csat", "revenue_growth", "nps"],
    "profit": ["operating_margin", "gross_margin", "retention_rate", "csat", "revenue_growth", "nps"],
    "revenue": ["revenue_growth", "budget_attainment", "nps", "csat", "retention_rate", "output_per_employee"],
    "cost": ["cost_variance", "csat", "nps", "cycle_time", "output_per_employee", "retention_rate"],
}
# KPI: (threshold, target, maximum) and a generator of consistent actuals
BREAKPOINTS = {
    "roi": (0.08, 0.12, 0.16), "operating_margin": (0.20, 0.25, 0.30), "gross_margin": (0.35, 0.40, 0.45),
    "retention_rate": (0.85, 0.90, 0.95), "csat": (0.75, 0.85, 0.95), "revenue_growth": (0.01, 0.05, 0.09),
    "nps": (10, 30, 50), "budget_attainment": (0.95, 1.0, 1.05), "cost_variance": (0.04, 0.0, -0.04),
    "cycle_time": (6.0, 5.0, 4.0), "output_per_employee": (900, 1000, 1100),
}
DISCIPLINE = {"retention_rate", "csat", "nps"}


def _actuals(rng: random.Random, kind: str) -> dict[str, str]:
    revenue = rng.randint(5_000_000, 90_000_000)
    values: dict[str, float | int] = {
        "revenue": revenue,
        "operating_costs": int(revenue * rng.uniform(0.68, 0.82)),
        "cogs": int(revenue * rng.uniform(0.55, 0.65)),
        "prior_revenue": int(revenue / rng.uniform(1.0, 1.1)),
        "revenue_budget": int(revenue / rng.uniform(0.94, 1.06)),
        "clients_start": (cs := rng.randint(2_000, 60_000)),
        "clients_retained": int(cs * rng.uniform(0.84, 0.96)),
        "satisfied_responses": (sr := rng.randint(300, 900)),
        "survey_responses": int(sr / rng.uniform(0.74, 0.96)),
        "promoters": rng.randint(300, 700), "detractors": rng.randint(100, 400),
        "actual_costs": (ac := rng.randint(1_000_000, 9_000_000)),
        "budgeted_costs": int(ac / rng.uniform(0.95, 1.05)),
        "cycle_days": (cd := rng.randint(4_000, 7_000)), "orders_completed": int(cd / rng.uniform(3.8, 6.2)),
        "units_produced": (up := rng.randint(50_000, 120_000)), "headcount": max(1, int(up / rng.uniform(880, 1120))),
    }
    if kind == "investment":
        values["invested_capital"] = int((values["revenue"] - values["operating_costs"]) / rng.uniform(0.07, 0.17))
    if values["survey_responses"] == 0:
        values["survey_responses"] = 1
    values["promoters"] = min(values["promoters"], values["survey_responses"])
    return {k: str(v) for k, v in values.items()}


def _periods(count: int) -> list[tuple[str, str, str]]:
    """`count` periods of the 2026 calendar year (4: quarters, 12: months), as (id, start, end)."""
    import calendar

    months = 12 // count
    result = []
    for i in range(count):
        first, last = i * months + 1, (i + 1) * months
        result.append((f"Q{i + 1}" if count == 4 else f"P{i + 1:02d}", f"2026-{first:02d}-01",
                       f"2026-{last:02d}-{calendar.monthrange(2026, last)[1]:02d}"))
    return result


def generate(out: Path, employees: int, centers: int, seed: int, line_range: tuple[int, int] = (4, 6),
             periods: int = 0) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    regions = max(1, centers // 50)
    lines = ["version: 1", f"workspace: synthetic-{employees}", "period: FY2026", "period_start: 2026-01-01",
             "period_end: 2026-12-31", "currency: USD", 'rounding: {quantum: "0.01", mode: half_up}',
             "rulesets: [controllability, alignment, compensation]", "strategy:", "  discipline: customer_intimacy",
             "  objectives:", '    - {id: retain, statement: "Retain 90% of clients", kpi: retention_rate, target: 0.9}',
             "centers:", "  - {id: C0, name: Corp, type: investment}"]
    kinds = {"C0": "investment"}
    parents = {"C0": None}
    for r in range(1, regions + 1):
        lines.append(f"  - {{id: C{r}, name: Region {r}, type: profit, parent: C0}}")
        kinds[f"C{r}"], parents[f"C{r}"] = "profit", "C0"
    for c in range(regions + 1, centers):
        kind = rng.choices(["profit", "revenue", "cost"], weights=[70, 15, 15])[0]
        parent = f"C{rng.randint(1, regions)}"
        lines.append(f"  - {{id: C{c}, name: Unit {c}, type: {kind}, parent: {parent}}}")
        kinds[f"C{c}"], parents[f"C{c}"] = kind, parent
    lines.append("scorecards:")
    cards: dict[str, list[str]] = {}
    for cid, kind in kinds.items():
        pool = KPIS_BY_TYPE[kind]
        chosen = rng.sample(pool, min(len(pool), rng.randint(*line_range)))
        if "csat" not in chosen and "nps" not in chosen and "retention_rate" not in chosen:
            chosen[-1] = "csat"
        cards[cid] = chosen
        weights = [1] * len(chosen)
        share = [round(w / len(chosen), 6) for w in weights]
        share[-1] = round(1 - sum(share[:-1]), 6)
        lines.append(f"  - owner: {cid}")
        lines.append("    kpis:")
        parent = parents[cid]
        for kpi, weight in zip(chosen, share, strict=True):
            t, g, m = BREAKPOINTS[kpi]
            if parent is None:
                supports = '"strategy:retain"'
            else:
                supports = kpi if kpi in cards.get(parent, []) else (cards[parent][0])
            lines.append(f"      - {{kpi: {kpi}, weight: {weight}, threshold: {t}, target: {g}, maximum: {m}, "
                         f"supports: {supports}}}")
    lines += ["plans:",
              "  - id: staff", "    components: {corporate: 0.2, unit: 0.6, individual: 0.2}",
              "    curve: {threshold: 0.5, target: 1.0, maximum: 2.0}", "    cap: 1.8",
              "    gates:", "      - {owner: C0, kpi: operating_margin, min: 0.05}",
              "    individual_ratings: {1: 0.0, 2: 0.5, 3: 1.0, 4: 1.25, 5: 1.5}",
              "  - id: managers", "    components: {corporate: 0.3, unit: 0.5, individual: 0.2}",
              "    curve: {threshold: 0.5, target: 1.0, maximum: 2.0}", "    cap: 2.0",
              "    individual_ratings: {1: 0.0, 2: 0.5, 3: 1.0, 4: 1.3, 5: 1.6}",
              "  - id: sales", "    components: {corporate: 0.1, unit: 0.7, individual: 0.2}",
              "    curve: {threshold: 0.4, target: 1.0, maximum: 2.5}", "    cap: 2.5",
              "    individual_ratings: {1: 0.0, 2: 0.6, 3: 1.0, 4: 1.2, 5: 1.4}",
              "data:", "  employees: employees.csv", "  actuals: actuals.csv"]
    if periods:
        lines[-3:-3] = ["periods:", *(f"  - {{id: {p}, start: {a}, end: {b}}}" for p, a, b in _periods(periods))]
    (out / "pmrules.yaml").write_text("\n".join(lines) + "\n")
    inputs = sorted(_actuals(rng, "investment"))
    with open(out / "actuals.csv", "w") as handle:
        handle.write("entity," + ("period," if periods else "") + ",".join(inputs) + "\n")
        for cid, kind in kinds.items():
            values = _actuals(rng, kind)  # drawn as without periods, so the employees below stay the same
            if not periods:
                handle.write(cid + "," + ",".join(values.get(name, "") for name in inputs) + "\n")
                continue
            own = random.Random(f"{seed}-{cid}")  # each period's values from a stream of their own
            for period, _, _ in _periods(periods):
                values = _actuals(own, kind)
                handle.write(f"{cid},{period}," + ",".join(values.get(name, "") for name in inputs) + "\n")
    center_ids = list(kinds)
    with open(out / "employees.csv", "w") as handle:
        handle.write("employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,individual_rating\n")
        for i in range(employees):
            center = center_ids[rng.randrange(len(center_ids))]
            plan = "sales" if kinds[center] == "revenue" else rng.choices(["staff", "managers"], weights=[9, 1])[0]
            salary = f"{rng.randint(3_000_000, 25_000_000) / 100:.2f}"
            pct = f"{rng.choice([5, 6, 8, 10, 12, 15, 20, 25]) / 100:.2f}"
            start = end = ""
            roll = rng.random()
            if roll < 0.05:
                start = f"2026-{rng.randint(2, 12):02d}-{rng.randint(1, 28):02d}"
            elif roll < 0.08:
                end = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
            rating = rng.choices(["1", "2", "3", "4", "5"], weights=[3, 12, 55, 22, 8])[0]
            handle.write(f"E{i},Employee {i},{center},{plan},{salary},{pct},{start},{end},{rating}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--centers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lines", type=int, nargs=2, default=(4, 6), metavar=("MIN", "MAX"),
                        help="scorecard lines per centre (at most the KPIs a centre type may carry)")
    parser.add_argument("--periods", type=int, default=0, choices=[0, 1, 2, 3, 4, 6, 12],
                        help="a plan year of this many periods (4: quarters), each with its own actuals")
    args = parser.parse_args()
    generate(args.out, args.employees, args.centers, args.seed, tuple(args.lines), args.periods)


if __name__ == "__main__":
    main()
