"""A loaded workspace as flat facts for the rule sets; every derived value is computed here, rules only compare."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.catalog import Catalog
from pmrules.catalog.controllability import uncontrolled
from pmrules.errors import Location
from pmrules.rational import Fraction
from pmrules.workspace import Workspace
from pmrules.workspace.employees import NO_RATING, EmployeeTable

STRATEGY_PREFIX = "strategy:"
WEIGHT_TOLERANCE = Fraction(1, 10**9)

# kind -> field -> (type, description); rule sets are validated against this, and docs/rules.md lists it.
FACT_SCHEMA: dict[str, dict[str, tuple[str, str]]] = {
    "center": {
        "id": ("str", "centre id"), "name": ("str", "centre name"), "center_type": ("str", "cost | revenue | profit | investment"),
        "parent": ("str", "parent centre id (absent for the root)"), "depth": ("number", "0 for the root, 1 below it, ..."),
        "is_root": ("bool", "true for the top centre"), "has_scorecard": ("bool", "the centre has a scorecard"),
        "manager": ("str", "manager's employee id"), "employees": ("number", "employees in the centre"),
        "children": ("number", "direct child centres"),
    },
    "line": {
        "id": ("str", "owner#position"), "owner": ("str", "scorecard owner id"),
        "owner_kind": ("str", "center | employee"), "owner_center": ("str", "the owner's centre (itself for a centre)"),
        "owner_center_type": ("str", "type of the owner's centre"), "depth": ("number", "depth of the owner"),
        "is_root_owner": ("bool", "the line is on the root centre's scorecard"),
        "parent_owner": ("str", "the owner's parent: parent centre, or an employee's centre"),
        "kpi": ("str", "KPI id"), "kpi_source": ("str", "builtin | workspace | <plugin>"),
        "inputs": ("list[str]", "every input the KPI reads, through other KPIs too"),
        "categories": ("list[str]", "categories of those inputs"),
        "financial_categories": ("list[str]", "the revenue/cost/investment ones among them"),
        "uncontrolled_categories": ("list[str]", "financial categories the owner's centre type does not control"),
        "uncontrolled_inputs": ("list[str]", "inputs of those categories"),
        "revenue_inputs": ("list[str]", "inputs of category revenue"), "cost_inputs": ("list[str]", "inputs of category cost"),
        "investment_inputs": ("list[str]", "inputs of category investment"),
        "perspective": ("str", "financial | customer | internal | learning"), "direction": ("str", "higher | lower"),
        "discipline": ("str", "the KPI's value discipline, if tagged"),
        "weight": ("number", "line weight"), "threshold": ("number", "value where the line starts paying"),
        "target": ("number", "value paying the target factor"), "maximum": ("number", "value paying the maximum factor"),
        "has_targets": ("bool", "threshold, target and maximum are all given"),
        "targets_ordered": ("bool", "threshold < target < maximum (direction higher) or the mirror (lower)"),
        "supports": ("str", "what the line says it supports"), "has_supports": ("bool", "`supports` is given"),
        "supports_kind": ("str", "kpi | strategy | none"),
        "supports_resolved": ("bool", "`supports` names a KPI on the parent's scorecard or a strategy objective"),
    },
    "scorecard": {
        "id": ("str", "owner id"), "owner": ("str", "owner id"), "owner_kind": ("str", "center | employee"),
        "owner_center_type": ("str", "type of the owner's centre"), "depth": ("number", "depth of the owner"),
        "is_root": ("bool", "the root centre's scorecard"), "lines": ("number", "number of lines"),
        "weight_sum": ("number", "sum of line weights"), "weights_sum_to_one": ("bool", "sum within 1e-9 of 1"),
        "nonfinancial_lines": ("number", "lines whose KPI perspective is not financial"),
        "financial_lines": ("number", "lines whose KPI perspective is financial"),
        "kpis": ("list[str]", "KPI ids on the scorecard"), "disciplines": ("list[str]", "value disciplines of its KPIs"),
        "has_discipline_kpi": ("bool", "a KPI serves the strategy's value discipline"),
    },
    "plan": {
        "id": ("str", "plan id"), "components": ("list[str]", "corporate / unit / individual present"),
        "combine": ("str", "add | multiply"), "corporate_weight": ("number", "0 if absent"),
        "unit_weight": ("number", "0 if absent"), "individual_weight": ("number", "0 if absent"),
        "weight_sum": ("number", "sum of component weights"), "weights_sum_to_one": ("bool", "sum within 1e-9 of 1"),
        "has_unit_component": ("bool", "the plan pays on unit results"),
        "curve_threshold": ("number", "factor at threshold"), "curve_target": ("number", "factor at target"),
        "curve_maximum": ("number", "factor at maximum"),
        "curve_ordered": ("bool", "0 <= curve threshold <= target <= maximum"),
        "cap": ("number", "cap on the multiplier (absent if none)"), "has_cap": ("bool", "a cap is set"),
        "cap_below_target": ("bool", "the cap is below the curve's target factor"),
        "gates": ("number", "number of gates"), "employees": ("number", "employees on the plan"),
        "has_ratings": ("bool", "the plan has an individual_ratings table"),
    },
    "gate": {
        "id": ("str", "plan#gate<n>"), "plan": ("str", "plan id"), "owner": ("str", "gate owner id"),
        "kpi": ("str", "gate KPI id"), "owner_exists": ("bool", "the owner is a centre or employee"),
        "kpi_exists": ("bool", "the KPI is defined"), "min": ("number", "lower bound"), "max": ("number", "upper bound"),
    },
    "employee": {
        "id": ("str", "the employee id, or the first id of a group as 'E1 (+11)'"),
        "label": ("str", "'E1 (Avery Stone)' for one employee, '12 employees (E1, E2, ...)' for a group"),
        "name": ("str", "the employee's name, or 'N employees' for a group"),
        "employees": ("number", "employees in the group (1 for one employee)"),
        "employee_ids": ("list[str]", "their ids (the first 20)"),
        "center": ("str", "centre id"), "center_type": ("str", "type of the centre"), "plan": ("str", "plan id"),
        "ratings": ("list[str]", "their individual ratings"),
        "has_rating": ("bool", "a rating is given"), "has_scorecard": ("bool", "has an own scorecard"),
        "is_manager": ("bool", "manages a centre"), "plan_needs_individual": ("bool", "the plan has an individual component"),
        "center_has_scorecard": ("bool", "the employee's centre has a scorecard"),
        "plan_needs_unit": ("bool", "the plan has a unit component"),
        "corporate_above_unit": ("bool", "an additive plan weighs corporate results above unit results"),
    },
    "objective": {
        "id": ("str", "objective id"), "statement": ("str", "the objective"), "kpi": ("str", "its KPI, if named"),
        "supporting_lines": ("number", "scorecard lines whose `supports` names it"),
    },
    "strategy": {
        "id": ("str", "always 'strategy'"), "discipline": ("str", "the chosen value discipline"),
        "objectives": ("number", "number of objectives"),
    },
}


def _exact(value: float | int) -> Fraction:
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _ordered(direction: str, a: float, b: float, c: float) -> bool:
    return a < b < c if direction == "higher" else a > b > c


def build_facts(ws: Workspace, catalog: Catalog) -> tuple[list[dict[str, Any]], dict[str, Location]]:
    """Facts (each with `kind` and unique `id`) and where each came from, keyed `kind:id`.

    Employees who are alike in everything a rule can see (plan, centre, rating given, own scorecard,
    manager) share one fact, so a million employees are a few thousand facts.
    """
    m = ws.manifest
    org = ws.organisation
    centers, cards, plans, depth, root = org.centers, org.scorecards, org.plans, org.depth, org.root
    table = ws.employees
    per_center = _counts(table.centers)
    per_plan = _counts(table.plans)
    objectives = {o.id for o in m.strategy.objectives}
    facts: list[dict[str, Any]] = []
    where: dict[str, Location] = {}

    def add(kind: str, fact: dict[str, Any], location: Location) -> None:
        fact = {k: v for k, v in fact.items() if v is not None}
        fact["kind"] = kind
        facts.append(fact)
        where[f"{kind}:{fact['id']}"] = location

    facts_strategy = {"id": "strategy", "discipline": m.strategy.discipline, "objectives": len(m.strategy.objectives)}
    add("strategy", facts_strategy, ws.locate("strategy"))
    for i, c in enumerate(m.centers):
        add("center", {"id": c.id, "name": c.name, "center_type": c.type, "parent": c.parent, "depth": depth[c.id],
                       "is_root": c.parent is None, "has_scorecard": c.id in cards, "manager": c.manager,
                       "employees": per_center[c.id], "children": len(org.children[c.id])}, ws.locate("centers", i))

    supported: Counter[str] = Counter()
    by_kpi: dict[str, dict[str, list[str]]] = {}
    for i, card in enumerate(m.scorecards):
        if card.owner in centers:
            kind, center_id, parent = "center", card.owner, centers[card.owner].parent
        else:
            kind, center_id = "employee", table.centers[table.position(card.owner)].as_py()
            parent = center_id
        center_type = centers[center_id].type if center_id in centers else None
        owner_depth = depth.get(center_id, 0) + (1 if kind == "employee" else 0)
        parent_kpis = {line.kpi for line in cards[parent].kpis} if parent is not None and parent in cards else set()
        weights = [_exact(line.weight) for line in card.kpis]
        disciplines = sorted({tag for line in card.kpis if (tag := catalog.kpis[line.kpi].definition.discipline)})
        perspectives = [catalog.kpis[line.kpi].definition.perspective for line in card.kpis]
        add("scorecard", {
            "id": card.owner, "owner": card.owner, "owner_kind": kind, "owner_center_type": center_type,
            "depth": owner_depth, "is_root": card.owner == root, "lines": len(card.kpis),
            "weight_sum": float(sum(weights)), "weights_sum_to_one": abs(sum(weights) - 1) <= WEIGHT_TOLERANCE,
            "nonfinancial_lines": sum(p != "financial" for p in perspectives),
            "financial_lines": sum(p == "financial" for p in perspectives),
            "kpis": [line.kpi for line in card.kpis], "disciplines": disciplines,
            "has_discipline_kpi": m.strategy.discipline in disciplines,
        }, ws.locate("scorecards", i))
        for j, line in enumerate(card.kpis):
            entry = catalog.kpis[line.kpi]
            kpi_def = entry.definition
            if kpi_def.id not in by_kpi:
                by_kpi[kpi_def.id] = {cat: sorted(n for n in entry.inputs if catalog.input_category(n) == cat)
                                for cat in ("revenue", "cost", "investment")}
            by_category = by_kpi[kpi_def.id]
            missing = sorted(uncontrolled(center_type, entry.categories)) if center_type else []
            supports = line.supports
            if supports is None:
                supports_kind, resolved = "none", False
            elif supports.startswith(STRATEGY_PREFIX):
                supports_kind = "strategy"
                resolved = supports[len(STRATEGY_PREFIX):] in objectives
                if resolved:
                    supported[supports[len(STRATEGY_PREFIX):]] += 1
            else:
                supports_kind, resolved = "kpi", supports in parent_kpis
            targets = (line.threshold, line.target, line.maximum)
            has_targets = all(t is not None for t in targets)
            add("line", {
                "id": f"{card.owner}#{j + 1}", "owner": card.owner, "owner_kind": kind, "owner_center": center_id,
                "owner_center_type": center_type, "depth": owner_depth, "is_root_owner": card.owner == root,
                "parent_owner": parent, "kpi": kpi_def.id, "kpi_source": entry.source, "inputs": list(entry.inputs),
                "categories": list(entry.categories), "financial_categories": list(entry.financial_categories),
                "uncontrolled_categories": missing,
                "uncontrolled_inputs": sorted(n for cat in missing for n in by_category[cat]),
                "revenue_inputs": by_category["revenue"], "cost_inputs": by_category["cost"],
                "investment_inputs": by_category["investment"], "perspective": kpi_def.perspective,
                "direction": kpi_def.direction, "discipline": kpi_def.discipline, "weight": float(line.weight),
                "threshold": line.threshold, "target": line.target, "maximum": line.maximum,
                "has_targets": has_targets,
                "targets_ordered": has_targets and _ordered(kpi_def.direction, *targets),  # type: ignore[arg-type]
                "supports": supports, "has_supports": supports is not None, "supports_kind": supports_kind,
                "supports_resolved": resolved,
            }, ws.locate("scorecards", i, "kpis", j))

    for i, o in enumerate(m.strategy.objectives):
        add("objective", {"id": o.id, "statement": o.statement, "kpi": o.kpi, "supporting_lines": supported[o.id]},
            ws.locate("strategy", "objectives", i))

    for i, p in enumerate(m.plans):
        w = p.components.weights()
        total = sum(_exact(v) for v in w.values())
        curve = p.curve
        add("plan", {
            "id": p.id, "components": sorted(w), "combine": p.combine,
            "corporate_weight": float(w.get("corporate", 0)), "unit_weight": float(w.get("unit", 0)),
            "individual_weight": float(w.get("individual", 0)), "weight_sum": float(total),
            "weights_sum_to_one": abs(total - 1) <= WEIGHT_TOLERANCE, "has_unit_component": "unit" in w,
            "curve_threshold": float(curve.threshold), "curve_target": float(curve.target),
            "curve_maximum": float(curve.maximum),
            "curve_ordered": 0 <= curve.threshold <= curve.target <= curve.maximum,
            "cap": None if p.cap is None else float(p.cap), "has_cap": p.cap is not None,
            "cap_below_target": p.cap is not None and p.cap < curve.target, "gates": len(p.gates),
            "employees": per_plan[p.id], "has_ratings": bool(p.individual_ratings),
        }, ws.locate("plans", i))
        for k, g in enumerate(p.gates):
            add("gate", {"id": f"{p.id}#gate{k + 1}", "plan": p.id, "owner": g.owner, "kpi": g.kpi,
                         "owner_exists": g.owner in centers or table.position(g.owner) is not None,
                         "kpi_exists": g.kpi in catalog.kpis,
                         "min": None if g.min is None else float(g.min),
                         "max": None if g.max is None else float(g.max)}, ws.locate("plans", i, "gates", k))

    for group in employee_groups(table, set(cards), set(org.managers)):
        plan = plans[group["plan"]]
        w = plan.components.weights()
        center = group["center"]
        add("employee", {
            **{k: v for k, v in group.items() if k != "first"},
            "center_type": centers[center].type, "center_has_scorecard": center in cards,
            "plan_needs_individual": "individual" in w, "plan_needs_unit": "unit" in w,
            "corporate_above_unit": plan.combine == "add" and _exact(w.get("corporate", 0)) > _exact(w.get("unit", 0)),
        }, table.location(group["first"]))
    return facts, where


SAMPLE_IDS = 20


def _counts(column: pa.Array) -> Counter[str]:
    counts = pc.value_counts(column)
    return Counter(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))


def employee_groups(table: EmployeeTable, card_owners: set[str], managers: set[str]) -> list[dict[str, Any]]:
    """Employees grouped by what rules can see; each group with its size, sample ids and first row."""
    if len(table) == 0:
        return []
    has_rating = table.rating != NO_RATING
    own = pc.is_in(table.ids, value_set=pa.array(sorted(card_owners), pa.string())).to_numpy(zero_copy_only=False)
    manager = pc.is_in(table.ids, value_set=pa.array(sorted(managers), pa.string())).to_numpy(zero_copy_only=False)
    flags = pa.array(np.char.add(np.char.add(np.where(has_rating, "r", "-"), np.where(own, "s", "-")),
                                 np.where(manager, "m", "-")).astype(object), pa.string())
    encoded = pc.dictionary_encode(pc.binary_join_element_wise(table.plans, table.centers, flags, "\x1f"))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(encoded.dictionary)))
    ends = np.append(starts[1:], len(order))
    groups = []
    for code, key in enumerate(encoded.dictionary.to_pylist()):
        plan, center, flag = key.split("\x1f")
        rows = order[starts[code]:ends[code]]
        first = int(rows[0])
        sample = [table.ids[int(i)].as_py() for i in rows[:SAMPLE_IDS]]
        count = len(rows)
        name = table.names[first].as_py() if count == 1 else f"{count} employees"
        label = f"{sample[0]} ({name})" if count == 1 else (
            f"{count} employees ({', '.join(sample[:5])}{', ...' if count > 5 else ''})")
        present = np.unique(table.rating[rows])
        ratings = sorted(str(int(r)) for r in present if r != NO_RATING)
        groups.append({"id": sample[0] if count == 1 else f"{sample[0]} (+{count - 1})", "label": label,
                       "name": name, "employees": count, "employee_ids": sample, "center": center, "plan": plan,
                       "ratings": ratings, "has_rating": flag[0] == "r", "has_scorecard": flag[1] == "s",
                       "is_manager": flag[2] == "m", "first": first})
    return sorted(groups, key=lambda g: g["first"])
