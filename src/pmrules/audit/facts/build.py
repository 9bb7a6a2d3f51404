"""One small builder per fact kind; `build_facts` runs them in manifest order.

Every derived value is computed here, so rules only compare. A builder returns the fact (without
`kind`; fields that are None are left out, i.e. absent) and where in the workspace it came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pmrules.audit.facts.discretion import discretion_facts
from pmrules.audit.facts.fx import fx_rate_facts
from pmrules.audit.facts.groups import distinct_counts, employee_groups, value_counts
from pmrules.audit.facts.lines import LineFacts, OwnerView, strategy_target
from pmrules.audit.facts.lookalike import lookalike_facts
from pmrules.audit.facts.manual import adjustment_facts, override_facts
from pmrules.audit.facts.reconciliation import reconciliation_facts
from pmrules.catalog import Catalog
from pmrules.catalog.controllability import expand
from pmrules.errors import Location
from pmrules.models import Center, Gate, Objective, Plan, Scorecard
from pmrules.models.plan_options import component_names, component_weights
from pmrules.rational import Fraction
from pmrules.workspace import Organisation, Workspace
from pmrules.workspace.levels import RESERVED
from pmrules.workspace.segments import has_segments

WEIGHT_TOLERANCE = Fraction(1, 10**9)
# Where a fact came from: a Location, a path in pmrules.yaml (located only when a finding needs it), or a callable.
Where = Location | tuple[str | int, ...] | Callable[[], Location]
Built = tuple[dict[str, Any], Where]


def _exact(value: float | int) -> Fraction:
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


@dataclass
class FactContext:
    """What several builders read, computed once per audit."""

    ws: Workspace
    catalog: Catalog
    org: Organisation
    per_center: Counter[str]
    per_plan: Counter[str]
    supported: Counter[str]  # objective id -> scorecard lines that support it
    _inputs_by_category: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _weight_sums: dict[tuple[tuple[type, float | int], ...], tuple[float, bool]] = field(default_factory=dict)
    _kpis_parts: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    _plan_parts: dict[str, dict[str, bool]] = field(default_factory=dict)

    @classmethod
    def of(cls, ws: Workspace, catalog: Catalog) -> FactContext:
        objectives = {o.id for o in _objectives(ws)}
        supported = Counter(target for card in ws.manifest.scorecards for line in card.kpis
                            if (target := strategy_target(line.supports)) in objectives)
        table = ws.employees
        if has_segments(table):  # a person counted once per centre and plan, however many segments there
            return cls(ws, catalog, ws.organisation, distinct_counts(table, table.centers),
                       distinct_counts(table, table.plans), supported)
        return cls(ws, catalog, ws.organisation, value_counts(table.centers), value_counts(table.plans), supported)

    def owner(self, owner_id: str) -> tuple[str, str, str | None]:
        """(owner kind, the owner's centre, its parent): a centre's parent centre, or an employee's centre."""
        if owner_id in self.org.centers:
            return "center", owner_id, self.org.centers[owner_id].parent
        table = self.ws.employees
        center_id = table.centers[table.position(owner_id)].as_py()
        return "employee", center_id, center_id

    def inputs_by_category(self, kpi: str) -> dict[str, list[str]]:
        if kpi not in self._inputs_by_category:
            entry = self.catalog.kpis[kpi]
            self._inputs_by_category[kpi] = {
                cat: sorted(n for n in entry.inputs if cat in expand(self.catalog.input_category(n)))
                for cat in ("revenue", "cost", "investment")}
        return self._inputs_by_category[kpi]

    def kpis_part(self, kpis: tuple[str, ...]) -> dict[str, Any]:
        """What a scorecard fact says of its KPIs, once per distinct list of them."""
        if kpis not in self._kpis_parts:
            definitions = [self.catalog.kpis[kpi].definition for kpi in kpis]
            disciplines = sorted({d.discipline for d in definitions if d.discipline})
            strategy = self.ws.manifest.strategy
            self._kpis_parts[kpis] = {
                "nonfinancial_lines": sum(d.perspective != "financial" for d in definitions),
                "financial_lines": sum(d.perspective == "financial" for d in definitions),
                "kpis": list(kpis), "disciplines": disciplines,
                "has_discipline_kpi": None if strategy is None else strategy.discipline in disciplines}
        return self._kpis_parts[kpis]

    def plan_part(self, plan_id: str) -> dict[str, bool]:
        """What an employee fact says of its plan, once per plan."""
        if plan_id not in self._plan_parts:
            plan = self.org.plans[plan_id]
            w = component_weights(plan)
            names = component_names(plan)
            self._plan_parts[plan_id] = {
                "plan_needs_individual": "individual" in names, "plan_needs_unit": "unit" in names,
                "corporate_above_unit": plan.combine == "add" and _exact(w.get("corporate", 0)) > _exact(w.get("unit", 0))}
        return self._plan_parts[plan_id]

    def weight_sum(self, weights: list[float | int]) -> tuple[float, bool]:
        """(the exact sum as a float, whether it is 1 within the tolerance), once per distinct list of weights."""
        key = tuple((type(w), w) for w in weights)  # equal weights of one type have one exact value
        if key not in self._weight_sums:
            total = sum(_exact(w) for w in weights)
            self._weight_sums[key] = (float(total), abs(total - 1) <= WEIGHT_TOLERANCE)
        return self._weight_sums[key]


def _objectives(ws: Workspace) -> list[Objective]:
    return ws.manifest.strategy.objectives if ws.manifest.strategy else []


def strategy_fact(ctx: FactContext) -> Built:
    s = ctx.ws.manifest.strategy
    if s is None:  # a bonus-only workspace: the alignment rule set says so
        return {"id": "strategy", "defined": False, "objectives": 0}, ctx.ws.locate()
    return ({"id": "strategy", "defined": True, "discipline": s.discipline, "objectives": len(s.objectives)},
            ctx.ws.locate("strategy"))


def center_fact(ctx: FactContext, i: int, c: Center) -> Built:
    return {"id": c.id, "name": c.name, "center_type": c.type, "parent": c.parent, "depth": ctx.org.depth[c.id],
            "is_root": c.parent is None, "has_scorecard": c.id in ctx.org.scorecards, "manager": c.manager,
            "employees": ctx.per_center[c.id], "children": len(ctx.org.children[c.id])}, ("centers", i)


def _owner_view(ctx: FactContext, owner_id: str) -> OwnerView:
    """(kind, centre, parent, centre type, depth) of a scorecard owner; an employee sits below its centre."""
    kind, center_id, parent = ctx.owner(owner_id)
    center = ctx.org.centers.get(center_id)
    depth = ctx.org.depth.get(center_id, 0) + (1 if kind == "employee" else 0)
    return kind, center_id, parent, center.type if center else None, depth


def scorecard_fact(ctx: FactContext, i: int, card: Scorecard, view: OwnerView | None = None) -> Built:
    kind, _, _, center_type, depth = view or _owner_view(ctx, card.owner)
    weight_sum, to_one = ctx.weight_sum([line.weight for line in card.kpis])
    return {
        "id": card.owner, "owner": card.owner, "owner_kind": kind, "owner_center_type": center_type,
        "depth": depth, "is_root": card.owner == ctx.org.root, "lines": len(card.kpis),
        "weight_sum": weight_sum, "weights_sum_to_one": to_one, **ctx.kpis_part(tuple(line.kpi for line in card.kpis)),
    }, ("scorecards", i)


def objective_fact(ctx: FactContext, i: int, o: Objective) -> Built:
    return ({"id": o.id, "statement": o.statement, "kpi": o.kpi, "supporting_lines": ctx.supported[o.id]},
            ctx.ws.locate("strategy", "objectives", i))


def _unused_weights(p: Plan) -> dict[str, Any]:
    """Weights a `multiply` or formula combine never reads: what was written, and the form probably meant."""
    w = component_weights(p)
    if p.combine == "add" or not w:
        return {"weights_unused": False}
    text = ", ".join(f"{name} {value}" for name, value in w.items())
    if p.combine == "multiply":
        team = " + ".join(f"{value}*{name}" for name, value in w.items() if name != "individual")
        meant = f'combine: "({team}) * individual"' if "individual" in w and team else \
            (f'combine: "{team}"' if team else "combine: multiply")
    else:
        meant = "the formula's own weights only"
    return {"weights_unused": True, "weights_text": text,
            "meant": f"{meant}, or components: [{', '.join(w)}] without weights"}


def plan_fact(ctx: FactContext, i: int, p: Plan) -> Built:
    w = component_weights(p)
    names = component_names(p)
    root_level = ctx.org.centers[ctx.org.root].level  # a component at the root's level is corporate by another name
    total = sum(_exact(v) for v in w.values())
    curve = p.curve
    return {
        "id": p.id, "components": sorted(names), "combine": p.combine, **_unused_weights(p),
        "corporate_weight": float(w.get("corporate", 0)), "unit_weight": float(w.get("unit", 0)),
        "individual_weight": float(w.get("individual", 0)), "weight_sum": float(total),
        "weights_sum_to_one": abs(total - 1) <= WEIGHT_TOLERANCE,
        "has_unit_component": "unit" in names or any(c not in RESERVED and c != root_level for c in names),
        "level_components": [c for c in names if c not in RESERVED],
        "score_gates": sum(g.score is not None for g in p.gates),
        "curve_threshold": float(curve.threshold), "curve_target": float(curve.target),
        "curve_maximum": float(curve.maximum), "curve_ordered": 0 <= curve.threshold <= curve.target <= curve.maximum,
        "cap": None if p.cap is None else float(p.cap), "has_cap": p.cap is not None,
        "cap_below_target": p.cap is not None and p.cap < curve.target, "gates": len(p.gates),
        "employees": ctx.per_plan[p.id], "has_ratings": bool(p.individual_ratings),
    }, ctx.ws.locate("plans", i)


def gate_fact(ctx: FactContext, i: int, p: Plan, k: int, g: Gate) -> Built:
    bounds = {"min": None if g.min is None else float(g.min), "max": None if g.max is None else float(g.max)}
    where = ctx.ws.locate("plans", i, "gates", k)
    if g.score is not None:  # a hurdle on a score: its name was checked when the workspace loaded
        return {"id": f"{p.id}#gate{k + 1}", "plan": p.id, "score": g.score, **bounds}, where
    return {"id": f"{p.id}#gate{k + 1}", "plan": p.id, "owner": g.owner, "kpi": g.kpi,
            "owner_exists": g.owner in ctx.org.centers or ctx.ws.employees.position(g.owner) is not None,  # type: ignore[arg-type]
            "kpi_exists": g.kpi in ctx.catalog.kpis, **bounds}, where


def employee_fact(ctx: FactContext, group: dict[str, Any]) -> Built:
    center = group["center"]
    return {
        **{k: v for k, v in group.items() if k != "first"},
        "center_type": ctx.org.centers[center].type, "center_has_scorecard": center in ctx.org.scorecards,
        **ctx.plan_part(group["plan"]),
    }, partial(ctx.ws.employees.location, group["first"])


def _all_facts(ctx: FactContext, wanted: Callable[[str], bool], discretion: bool = True) -> list[tuple[str, Built]]:
    """Every fact of the kinds wanted, in manifest order (a scorecard before its lines, a plan before its gates)."""
    m = ctx.ws.manifest
    built: list[tuple[str, Built]] = [("strategy", strategy_fact(ctx))] if wanted("strategy") else []
    if wanted("center"):
        built += [("center", center_fact(ctx, i, c)) for i, c in enumerate(m.centers)]
    lines = LineFacts(ctx) if wanted("line") else None
    if lines is not None or wanted("scorecard"):
        for i, card in enumerate(m.scorecards):
            view = _owner_view(ctx, card.owner)
            if wanted("scorecard"):
                built.append(("scorecard", scorecard_fact(ctx, i, card, view)))
            if lines is not None:
                built += [("line", b) for b in lines.of_card(i, card, view)]
    if wanted("objective"):
        built += [("objective", objective_fact(ctx, i, o)) for i, o in enumerate(_objectives(ctx.ws))]
    for i, p in enumerate(m.plans):
        if wanted("plan"):
            built.append(("plan", plan_fact(ctx, i, p)))
        if wanted("gate"):
            built += [("gate", gate_fact(ctx, i, p, k, g)) for k, g in enumerate(p.gates)]
    if wanted("employee"):
        groups = employee_groups(ctx.ws.employees, set(ctx.org.scorecards), set(ctx.org.managers))
        built += [("employee", employee_fact(ctx, group)) for group in groups]
    if wanted("lookalike"):
        built += [("lookalike", fact) for fact in lookalike_facts(ctx.ws)]
    if wanted("reconciliation"):
        built += [("reconciliation", fact) for fact in reconciliation_facts(ctx.ws, ctx.catalog)]
    if wanted("adjustment"):
        built += [("adjustment", fact) for fact in adjustment_facts(ctx.ws, ctx.catalog)]
    if wanted("override"):
        built += [("override", fact) for fact in override_facts(ctx.ws, ctx.catalog)]
    if wanted("fx_rate"):
        built += [("fx_rate", fact) for fact in fx_rate_facts(ctx.ws)]
    if discretion:  # always: they pay the workspace, and an error there must not depend on which rules are on
        built += discretion_facts(ctx.ws, ctx.catalog)
    return built


def count_facts(ws: Workspace, catalog: Catalog, kinds: Collection[str]) -> int:
    """How many facts of these kinds the workspace has (discretion facts aside: an audit always builds those)."""
    return len(_all_facts(FactContext.of(ws, catalog), kinds.__contains__, discretion=False)) if kinds else 0


class Places(Mapping[str, Location]):
    """Where each fact came from, by the fact's position or keyed `kind:id`; worked out when a finding asks."""

    def __init__(self, ws: Workspace, facts: list[dict[str, Any]], at: list[Where]) -> None:
        self._ws = ws
        self._facts = facts
        self._at = at
        self._index: dict[str, int] | None = None

    def at(self, position: int) -> Location:
        """Where the fact at this position of the facts came from."""
        at = self._at[position]
        if isinstance(at, Location):
            return at
        found = self._ws.locate(*at) if isinstance(at, tuple) else at()
        self._at[position] = found
        return found

    def _positions(self) -> dict[str, int]:
        if self._index is None:
            self._index = {f"{fact['kind']}:{fact['id']}": i for i, fact in enumerate(self._facts)}
        return self._index

    def __getitem__(self, key: str) -> Location:
        return self.at(self._positions()[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._facts)


def build_facts(ws: Workspace, catalog: Catalog, kinds: Collection[str] | None = None) -> tuple[list[dict[str, Any]], Places]:
    """Facts (each with `kind` and unique `id`) and where each came from, keyed `kind:id`.

    Employees who are alike in everything a rule can see (plan, centre, rating given, own scorecard,
    manager) share one fact, so a million employees are a few thousand facts. With `kinds`, only facts
    of those kinds are built (an audit builds what its rules read; discretion facts always).
    """
    facts: list[dict[str, Any]] = []
    at: list[Where] = []
    wanted = (lambda kind: True) if kinds is None else kinds.__contains__
    for kind, (fact, location) in _all_facts(FactContext.of(ws, catalog), wanted):
        if None in fact.values():
            fact = {k: v for k, v in fact.items() if v is not None}
        fact["kind"] = kind
        facts.append(fact)
        at.append(location)
    return facts, Places(ws, facts, at)
