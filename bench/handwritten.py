"""What a comp analyst would otherwise write by hand: the KPI formulas and the plan arithmetic of the
synthetic workspaces (bench/generate.py), used by the reference script
(the KPI formulas are bench/kpis.py's, which bench/floor.py uses in float over whole columns).

Exact where the spec needs it: KPI values, factors and multipliers are Fractions (there are few of
them); the per-employee product is left to each script.
"""

from __future__ import annotations

import csv
import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from kpis import FORMULAS, LOWER


def q(x: Any) -> Fraction:
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


def factor(value: Fraction, thr: Fraction, tgt: Fraction, mx: Fraction, curve: tuple[Fraction, ...],
           lower: bool) -> Fraction:
    if lower:
        value, thr, tgt, mx = -value, -thr, -tgt, -mx
    ct, cg, cm = curve
    if value < thr:
        return Fraction(0)
    if value >= mx:
        return cm
    if value <= tgt:
        return ct + (value - thr) / (tgt - thr) * (cg - ct)
    return cg + (value - tgt) / (mx - tgt) * (cm - cg)


def multipliers(workspace: Path) -> tuple[dict[str, Any], dict[tuple[str, str, int], Fraction]]:
    """The manifest, and the exact multiplier for every (plan, centre, rating)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    manifest = yaml.load((workspace / "pmrules.yaml").read_text(), Loader=loader)
    actuals: dict[str, dict[str, Fraction]] = {}
    with open(workspace / "actuals.csv", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row in reader:
            actuals[row[0]] = {name: Fraction(cell) for name, cell in zip(header[1:], row[1:]) if cell}
    root = next(c["id"] for c in manifest["centers"] if "parent" not in c)
    out: dict[tuple[str, str, int], Fraction] = {}
    for plan in manifest["plans"]:
        c = plan["curve"]
        curve = (q(c["threshold"]), q(c["target"]), q(c["maximum"]))
        scores = {}
        for card in manifest["scorecards"]:
            v = actuals[card["owner"]]
            scores[card["owner"]] = sum(
                (q(line["weight"]) * factor(FORMULAS[line["kpi"]](v), q(line["threshold"]), q(line["target"]),
                                            q(line["maximum"]), curve, line["kpi"] in LOWER)
                 for line in card["kpis"]), Fraction(0))
        gates_ok = all(
            (g.get("min") is None or FORMULAS[g["kpi"]](actuals[g["owner"]]) >= q(g["min"]))
            and (g.get("max") is None or FORMULAS[g["kpi"]](actuals[g["owner"]]) <= q(g["max"]))
            for g in plan.get("gates", []))
        w = {k: q(x) for k, x in plan["components"].items()}
        for center, unit in scores.items():
            for rating, individual in plan["individual_ratings"].items():
                m = w["corporate"] * scores[root] + w["unit"] * unit + w["individual"] * q(individual)
                m = m if gates_ok else Fraction(0)
                out[(plan["id"], center, int(rating))] = min(m, q(plan["cap"]))
    return manifest, out


def period(manifest: dict[str, Any]) -> tuple[dt.date, dt.date, int]:
    start, end = manifest["period_start"], manifest["period_end"]
    return start, end, (end - start).days + 1
