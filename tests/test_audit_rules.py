"""Every built-in rule fires on a workspace that breaks it and stays silent on its near miss.

Each case is a small workspace written with `write_workspace`; a meta-test checks that every
rule id in `rulesets/*.yaml` (and the example's local rule set) has both cases here, so a new
rule cannot ship untested.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pmrules.api import open_workspace
from pmrules.audit import Finding, run_audit
from pmrules.testing import minimal_manifest, write_workspace

REPO = Path(__file__).resolve().parents[1]
BUILTIN_RULESETS = sorted((REPO / "rulesets").glob("*.yaml"))
LOCAL_RULESET = REPO / "examples" / "northwind-bank" / "rulesets" / "local.yaml"
LOCATION = re.compile(r"^.+[/\\](pmrules\.yaml|employees\.csv|actuals\.csv|adjustments\.csv|discretion\.csv|local\.yaml|fx\.csv):\d+$")

MANAGER = {"employee_id": "E1", "name": "Ada Boss", "center": "corp", "plan": "staff",
           "base_salary": "200000.00", "target_bonus_pct": "0.20", "individual_rating": None}


def employee(employee_id: str, center: str, plan: str = "staff", rating: int | None = None) -> dict[str, Any]:
    return {"employee_id": employee_id, "name": f"Staff {employee_id}", "center": center, "plan": plan,
            "base_salary": "50000.00", "target_bonus_pct": "0.10", "individual_rating": rating}


def line(kpi: str, weight: float = 1.0, supports: str | None = "retention_rate", **targets: Any) -> dict[str, Any]:
    """A scorecard line that is sound unless told otherwise (targets 0.8 / 0.9 / 1.0)."""
    out: dict[str, Any] = {"kpi": kpi, "weight": weight, "threshold": 0.8, "target": 0.9, "maximum": 1.0}
    out.update(targets)
    if supports is not None:
        out["supports"] = supports
    return {k: v for k, v in out.items() if v is not None}


@dataclass
class Case:
    """A workspace: minimal_manifest() plus `changes`, extra centres and scorecards, employees."""

    changes: dict[str, Any] = field(default_factory=dict)
    centers: list[dict[str, Any]] = field(default_factory=list)
    scorecards: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)
    edit: Callable[[dict[str, Any]], None] | None = None
    local_ruleset: bool = False
    actuals: dict[str, dict[str, str]] | None = None
    files: dict[str, str] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        m = minimal_manifest(**copy.deepcopy(self.changes))
        m["centers"] = [*m["centers"], *self.centers]
        m["scorecards"] = [*m["scorecards"], *self.scorecards]
        m["kpis"] = [*m["kpis"], *self.kpis]
        if self.local_ruleset:
            m["rulesets"] = [*m["rulesets"], "rulesets/local.yaml"]
        if self.edit:
            self.edit(m)
        return m

    def write(self, directory: Path) -> Path:
        write_workspace(directory, self.manifest(), employees=[MANAGER, *self.employees], actuals=self.actuals)
        if self.local_ruleset:
            (directory / "rulesets").mkdir()
            shutil.copy(LOCAL_RULESET, directory / "rulesets" / "local.yaml")
        for relative, text in self.files.items():
            (directory / relative).parent.mkdir(parents=True, exist_ok=True)
            (directory / relative).write_text(text)
        return directory


def child(center_id: str, center_type: str, parent: str = "corp") -> dict[str, Any]:
    return {"id": center_id, "name": center_id.title(), "type": center_type, "parent": parent}


def scored(center_id: str, center_type: str, *lines: dict[str, Any]) -> Case:
    """A child centre of corp with its own scorecard."""
    return Case(centers=[child(center_id, center_type)], scorecards=[{"owner": center_id, "kpis": list(lines)}])


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(m: dict[str, Any]) -> None:
        node = m
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def plan(**changes: Any) -> Case:
    p = {"id": "staff", "components": {"corporate": 0.5, "unit": 0.5},
         "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}}
    p.update(changes)
    return Case(changes={"plans": [p]})


def root_lines(*lines: dict[str, Any]) -> Case:
    return Case(changes={"scorecards": [{"owner": "corp", "kpis": list(lines)}]})


INTEGRITY = ["controllability", "alignment", "compensation", "integrity"]
FX_EUR_GBP = "currency,rate,source\nUSD,1,workspace\nEUR,1.08,ECB\nGBP,1.27,BoE\n"
FX_DATA = {"employees": "employees.csv", "actuals": "actuals.csv", "fx": "fx.csv"}
OWN_SHARE_ON = """ruleset: committee
overrides:
  - rule: reconciliation.parent-own-share
    enabled: true
    reason: list each region's own business
"""


def reconciled(region: dict[str, str], branches: dict[str, dict[str, str]], rollup: dict[str, Any] | None = None,
               inputs: dict[str, Any] | None = None, own_share: bool = False) -> Case:
    """A region below corp with its own actuals and branches below it, audited by the reconciliation rule set."""
    rulesets = ["reconciliation", *(["rulesets/committee.yaml"] if own_share else [])]
    return Case(
        changes={"rulesets": rulesets, "rollup": rollup or {"revenue": "sum"}, "inputs": inputs or {}},
        centers=[child("south", "profit"), *(child(b, "profit", "south") for b in branches)],
        actuals={"south": region, **branches}, files={"rulesets/committee.yaml": OWN_SHARE_ON} if own_share else {})


ADJUSTMENTS_HEADER = "entity,input,delta,value,reason,approved_by\n"


def adjusted(row: str, center_type: str = "profit") -> Case:
    """A child centre `ops` of corp (managed by E2, Eve Ops) with an actual, and one row of adjustments.csv."""
    return Case(changes={"rulesets": ["manual-changes"]},
                centers=[{**child("ops", center_type), "manager": "E2"}],
                employees=[{**employee("E2", "ops"), "name": "Eve Ops"}],
                actuals={"ops": {"revenue": "1000", "operating_costs": "800", "invested_capital": "5000"}},
                files={"adjustments.csv": ADJUSTMENTS_HEADER + row + "\n"})


def overridden(**fields: Any) -> Case:
    """corp's retention line overridden; `fields` replace the sound override's."""
    override = {"owner": "corp", "kpi": "retention_rate", "factor": 0, "reason": "Data breach",
                "approved_by": "Compensation Committee", **fields}
    return Case(changes={"rulesets": ["manual-changes"],
                         "overrides": [{k: v for k, v in override.items() if v is not None}]})


def discretion(row: str, limit: int | None = None, allowed: dict[str, Any] | None = None) -> Case:
    """E1 (the manager, formula bonus 40,000.00 at target) with one discretion.csv row, audited by `discretion`."""
    p = {"id": "staff", "components": {"corporate": 0.5, "unit": 0.5},
         "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0},
         "discretion": allowed if allowed is not None else {"min_pct": -100, "max_pct": 30}}
    changes: dict[str, Any] = {"plans": [p], "rulesets": ["discretion"]}
    if limit is not None:
        changes["discretion_limits"] = {"max_share_of_pool_pct": limit}
    return Case(changes=changes, actuals={"corp": {"clients_retained": "90", "clients_start": "100"}},
                files={"discretion.csv": f"employee_id,pct,amount,reason,approved_by\n{row}\n"})


SEVEN = ["retention_rate", "csat", "nps", "churn_rate", "roi", "operating_margin", "revenue_growth"]
ROOT = {"supports": "strategy:retain"}

# rule id -> (a case where it fires, a case where it does not)
RULE_CASES: dict[str, tuple[Case, Case]] = {
    # --- controllability: judged by the inputs a formula reads, never by the KPI's name
    "controllability.profit-centre-investment-kpi": (
        scored("north", "profit", line("roi")),
        scored("north", "profit", line("operating_margin")),
    ),
    "controllability.revenue-centre-cost-kpi": (
        scored("sales", "revenue", line("operating_margin")),
        scored("sales", "revenue", line("revenue_growth")),
    ),
    "controllability.revenue-centre-investment-kpi": (
        scored("sales", "revenue", line("roi")),
        scored("sales", "revenue", line("budget_attainment")),
    ),
    "controllability.cost-centre-revenue-kpi": (
        scored("hr", "cost", line("operating_margin")),
        scored("hr", "cost", line("cost_variance", threshold=0.03, target=0.0, maximum=-0.03)),
    ),
    "controllability.cost-centre-investment-kpi": (
        Case(**vars(scored("it", "cost", line("capital_per_cost"))) | {"kpis": [
            {"id": "capital_per_cost", "name": "Capital per cost", "formula": "invested_capital / operating_costs",
             "direction": "lower", "perspective": "financial"}]}),
        scored("it", "cost", line("cost_variance", threshold=0.03, target=0.0, maximum=-0.03)),
    ),
    # --- alignment
    "alignment.missing-supports": (
        scored("north", "profit", line("retention_rate", supports=None)),
        scored("north", "profit", line("retention_rate")),
    ),
    "alignment.supports-unknown": (
        scored("north", "profit", line("retention_rate", supports="csat")),  # csat is not on corp's card
        scored("north", "profit", line("retention_rate", supports="strategy:retain")),
    ),
    "alignment.curve-points-out-of-order": (
        root_lines(line("retention_rate", curve={"points": [{"result": 0.9, "factor": 0.5},
                                                            {"result": 0.8, "factor": 1.0}]}, **ROOT)),
        # lower is better: the points run from the worst (highest) result down
        root_lines(line("retention_rate", 0.5, **ROOT),
                   line("churn_rate", 0.5, curve={"points": [{"result": 0.2, "factor": 0.5},
                                                             {"result": 0.1, "factor": 1.0}]}, **ROOT)),
    ),
    "alignment.no-strategy": (
        Case(edit=lambda m: m.pop("strategy")),  # a bonus-only workspace loads, and is told
        Case(),
    ),
    "alignment.shared-measure-ancestor": (
        scored("north", "profit", line("retention_rate", of="corp")),  # company retention on a branch's card
        scored("north", "profit", line("retention_rate")),
    ),
    "alignment.shared-measure-other": (
        Case(centers=[child("north", "profit"), child("south", "profit")],
             scorecards=[{"owner": "north", "kpis": [line("retention_rate", of="south")]}]),
        Case(centers=[child("north", "profit"), child("south", "profit")],
             scorecards=[{"owner": "north", "kpis": [line("retention_rate", of="corp")]}]),
    ),
    "alignment.objective-unsupported": (
        Case(edit=lambda m: m["strategy"]["objectives"].append({"id": "grow", "statement": "Grow"})),
        Case(),
    ),
    "alignment.root-lacks-discipline": (
        Case(edit=_set(("strategy", "discipline"), "product_leadership")),
        Case(),
    ),
    "alignment.no-nonfinancial-kpi": (
        root_lines(line("roi", 0.5, **ROOT), line("operating_margin", 0.5, **ROOT)),
        root_lines(line("roi", 0.5, **ROOT), line("retention_rate", 0.5, **ROOT)),
    ),
    "alignment.too-many-lines": (
        root_lines(*(line(k, 0.125, **ROOT) for k in [*SEVEN, "market_share"])),
        root_lines(*(line(k, w, **ROOT) for k, w in zip(SEVEN, [0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2], strict=True))),
    ),
    "alignment.targets-missing": (
        root_lines(line("retention_rate", maximum=None, **ROOT)),
        Case(),
    ),
    "alignment.targets-out-of-order": (
        root_lines(line("retention_rate", threshold=0.9, target=0.8, maximum=1.0, **ROOT)),
        # lower is better: the mirror order is the right one
        root_lines(line("retention_rate", 0.5, **ROOT),
                   line("churn_rate", 0.5, threshold=0.2, target=0.1, maximum=0.05, **ROOT)),
    ),
    "alignment.weight-not-positive": (
        root_lines(line("retention_rate", 1.0, **ROOT), line("csat", 0, **ROOT)),
        root_lines(line("retention_rate", 0.99, **ROOT), line("csat", 0.01, **ROOT)),
    ),
    "alignment.weights-not-one": (
        root_lines(line("retention_rate", 0.9, **ROOT)),
        # 0.1 + 0.2 + 0.7 is not 1.0 in binary floats; it is in decimals, as written
        root_lines(line("retention_rate", 0.1, **ROOT), line("csat", 0.2, **ROOT), line("nps", 0.7, **ROOT)),
    ),
    # --- compensation
    "compensation.no-unit-component": (
        plan(components={"corporate": 1.0}),
        plan(components={"unit": 1.0}),
    ),
    "compensation.corporate-over-unit": (
        Case(**vars(plan(components={"corporate": 0.6, "unit": 0.4})) | {"employees": [employee("E2", "corp")]}),
        Case(**vars(plan(components={"corporate": 0.5, "unit": 0.5})) | {"employees": [employee("E2", "corp")]}),
    ),
    "compensation.component-weights": (
        plan(components={"corporate": 0.5, "unit": 0.6}),
        plan(components={"corporate": 0.5, "unit": 0.6}, combine="multiply"),  # weights unused
    ),
    "compensation.curve-out-of-order": (
        plan(curve={"threshold": 1.2, "target": 1.0, "maximum": 2.0}),
        plan(curve={"threshold": 1.0, "target": 1.0, "maximum": 1.0}),  # flat is ordered
    ),
    "compensation.gate-unknown-owner": (
        plan(gates=[{"owner": "nowhere", "kpi": "retention_rate", "min": 0.5}]),
        plan(gates=[{"owner": "corp", "kpi": "retention_rate", "min": 0.5}]),
    ),
    "compensation.gate-unknown-kpi": (
        plan(gates=[{"owner": "corp", "kpi": "no_such_kpi", "min": 0.5}]),
        plan(gates=[{"owner": "E1", "kpi": "retention_rate", "max": 2}]),
    ),
    "compensation.individual-score-missing": (
        Case(**vars(plan(components={"corporate": 0.3, "unit": 0.4, "individual": 0.3},
                         individual_ratings={1: 0.0, 3: 1.0})) | {"employees": [employee("E2", "corp")]}),
        Case(**vars(plan(components={"corporate": 0.3, "unit": 0.4, "individual": 0.3},
                         individual_ratings={1: 0.0, 3: 1.0}))
             | {"employees": [employee("E2", "corp"), employee("E3", "corp", rating=3)],
                "scorecards": [{"owner": "E1", "kpis": [line("csat")]}, {"owner": "E2", "kpis": [line("nps")]}]}),
    ),
    "compensation.center-without-scorecard": (
        Case(centers=[child("ops", "cost")], employees=[employee("E2", "ops")]),
        Case(centers=[child("ops", "cost")], employees=[employee("E2", "ops", plan="corp-only")],
             edit=lambda m: m["plans"].append({"id": "corp-only", "components": {"corporate": 1.0},
                                               "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}})),
    ),
    "compensation.cap-below-target": (
        plan(cap=0.9),
        plan(cap=1.0),  # on target still pays the target bonus
    ),
    "compensation.line-curve-not-monotone": (
        root_lines(line("retention_rate", curve={"points": [{"result": 0.8, "factor": 1.0},
                                                            {"result": 0.9, "factor": 0.5}]}, **ROOT)),
        # a flat band (1.0 from 0.85 to 0.95) and a cliff at 0.95 are monotone
        root_lines(line("retention_rate", curve={"points": [
            {"result": 0.8, "factor": 0.5}, {"result": 0.85, "factor": 1.0}, {"result": 0.95, "factor": 1.0},
            {"result": 0.95, "factor": 1.5}]}, **ROOT)),
    ),
    # --- reconciliation: a parent's own value of a sum input against its children's (exact decimals)
    "reconciliation.parent-below-children": (
        # the case: South's revenue typed in below its only branch's
        reconciled({"revenue": "10000000"}, {"bay": {"revenue": "16900000"}}),
        # equal is fine, and a region with business of its own is above its branches
        reconciled({"revenue": "16900000.00"}, {"bay": {"revenue": "16900000"}}),
    ),
    "reconciliation.parent-differs-from-children": (
        reconciled({"net_income": "-5"}, {"bay": {"net_income": "-3.5"}, "cove": {"net_income": "-1.4"}},
                   rollup={"net_income": {"kind": "sum", "reconcile": "exact"}},
                   inputs={"net_income": {"category": "revenue", "signed": True}}),
        reconciled({"net_income": "-4.9"}, {"bay": {"net_income": "-3.5"}, "cove": {"net_income": "-1.4"}},
                   rollup={"net_income": {"kind": "sum", "reconcile": "exact"}},
                   inputs={"net_income": {"category": "revenue", "signed": True}}),
    ),
    "reconciliation.parent-own-share": (
        reconciled({"revenue": "20000000"}, {"bay": {"revenue": "16900000"}}, own_share=True),
        reconciled({"revenue": "20000000"}, {"bay": {"revenue": "16900000"}}),  # shipped switched off
    ),
    "compensation.weights-unused": (
        plan(components={"corporate": 0.25, "unit": 0.75}, combine="multiply"),  # weights silently unused
        plan(components=["corporate", "unit"], combine="multiply"),  # a plain list: nothing to ignore
    ),
    # --- manual changes (issue 14): adjustments.csv and `overrides:` are justified and approved by others
    "manual-changes.adjustment-no-reason": (
        adjusted("ops,operating_costs,-50,,,CFO"),
        adjusted("ops,operating_costs,-50,,Restructuring cost moved to corporate,CFO"),
    ),
    "manual-changes.adjustment-no-approver": (
        adjusted("ops,operating_costs,-50,,Restructuring cost moved to corporate, "),
        adjusted("ops,operating_costs,-50,,Restructuring cost moved to corporate,CFO"),
    ),
    "manual-changes.adjustment-self-approved": (
        adjusted("ops,revenue,,1100,Late invoice booked,Eve Ops"),  # the centre's manager, by name
        adjusted("ops,revenue,,1100,Late invoice booked,E1"),  # the manager's manager
    ),
    "manual-changes.adjustment-uncontrollable": (
        adjusted("ops,invested_capital,-500,,Idle plant written off,CFO"),  # a profit centre's capital
        adjusted("ops,invested_capital,-500,,Idle plant written off,CFO", center_type="investment"),
    ),
    "manual-changes.override-no-reason": (
        overridden(reason=None),
        overridden(),
    ),
    "manual-changes.override-no-approver": (
        overridden(approved_by="  "),
        overridden(),
    ),
    "manual-changes.override-above-target": (
        overridden(factor=1.5),  # the plan's curve pays 1.0 at target
        overridden(factor=1.0),
    ),
    "manual-changes.override-self-approved": (
        overridden(approved_by="E1"),  # corp's manager
        overridden(approved_by="Board"),
    ),
    # --- the example's local rule set (examples/northwind-bank/rulesets/local.yaml)
    "northwind.branch-needs-activity-kpi": (
        Case(centers=[child("north", "profit"), child("harbor", "profit", "north")],
             scorecards=[{"owner": "north", "kpis": [line("retention_rate")]},
                         {"owner": "harbor", "kpis": [line("retention_rate")]}], local_ruleset=True),
        Case(centers=[child("north", "profit"), child("harbor", "profit", "north")],
             scorecards=[{"owner": "north", "kpis": [line("retention_rate")]},
                         {"owner": "harbor", "kpis": [line("retention_rate", 0.5),
                                                      line("service_calls_per_week", 0.5, threshold=40,
                                                           target=50, maximum=60)]}],
             kpis=[{"id": "service_calls_per_week", "name": "Service calls per week", "formula": "calls / weeks",
                    "direction": "higher", "perspective": "customer"}],
             changes={"inputs": {"calls": {"category": "activity"}, "weeks": {"category": "calendar"}}},
             local_ruleset=True),
    ),
    # --- discretion (issue 14): signed, within the plan's range, within the workspace's share
    "discretion.unsigned": (
        discretion("E1,10,,Great year,"),  # no approver
        discretion("E1,10,,Great year,CEO Ann"),
    ),
    "discretion.out-of-range": (
        discretion("E1,31,,Great year,CEO Ann"),  # max_pct 30
        discretion("E1,30,,Great year,CEO Ann"),  # the bound itself is allowed
    ),
    "discretion.share-of-pool": (
        discretion("E1,,4000.01,Great year,CEO Ann", limit=10, allowed={"max_amount": 5000}),  # 10.000025%
        discretion("E1,,4000,Great year,CEO Ann", limit=10, allowed={"max_amount": 5000}),  # exactly 10%
    ),
    # --- look-alike ids (issue 18): the same skeleton, different text
    "integrity.lookalike-ids": (
        Case(employees=[employee("EI", "corp")], changes={"rulesets": INTEGRITY}),  # E1 (the manager), EI
        Case(employees=[employee("E2", "corp")], changes={"rulesets": INTEGRITY}),
    ),
    # --- currencies (issue 14): a rate in fx.csv that no employee is paid in
    "integrity.fx-rate-unused": (
        Case(employees=[{**employee("E2", "corp"), "currency": "EUR"}], files={"fx.csv": FX_EUR_GBP},
             changes={"rulesets": INTEGRITY, "data": FX_DATA}),  # GBP is unused
        Case(employees=[{**employee("E2", "corp"), "currency": "EUR"}, {**employee("E3", "corp"), "currency": "GBP"}],
             files={"fx.csv": FX_EUR_GBP}, changes={"rulesets": INTEGRITY, "data": FX_DATA}),
    ),
}


def audit(directory: Path, pm: Any = None) -> list[Finding]:
    opened = open_workspace(directory, pm=pm)
    return run_audit(opened.workspace, opened.catalog).findings


def rule_ids(path: Path) -> list[str]:
    document = YAML(typ="safe").load(path.read_text())
    return [rule["id"] for rule in document.get("rules", [])]


def test_every_rule_has_a_firing_and_a_quiet_case() -> None:
    ids = [i for path in [*BUILTIN_RULESETS, LOCAL_RULESET] for i in rule_ids(path)]
    assert len(ids) == len(set(ids))
    assert len(BUILTIN_RULESETS) == 7
    assert set(RULE_CASES) == set(ids)
    for rule_id, cases in RULE_CASES.items():
        assert len(cases) == 2 and all(isinstance(c, Case) for c in cases), rule_id


def test_the_baseline_workspace_has_no_findings(tmp_path: Path, pm: Any) -> None:
    assert audit(Case().write(tmp_path / "ws"), pm) == []


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fires(rule_id: str, tmp_path: Path, pm: Any) -> None:
    findings = audit(RULE_CASES[rule_id][0].write(tmp_path / "ws"), pm)
    hits = [f for f in findings if f.rule == rule_id]
    assert hits, f"{rule_id} did not fire; got {[f.rule for f in findings]}"
    for f in hits:
        assert LOCATION.match(f.location), f.location
        assert f.message and "{" not in f.message
        assert f.rationale and "\n" not in f.rationale


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_does_not_fire(rule_id: str, tmp_path: Path, pm: Any) -> None:
    findings = audit(RULE_CASES[rule_id][1].write(tmp_path / "ws"), pm)
    assert rule_id not in {f.rule for f in findings}, [f.message for f in findings if f.rule == rule_id]


# --- controllability by formula, not by name ------------------------------------------------------

ASSET_VELOCITY = {"id": "asset_velocity", "name": "Asset velocity", "formula": "revenue / shop_assets",
                  "direction": "higher", "perspective": "financial", "unit": "ratio"}
SHOP_ASSETS = {"shop_assets": {"category": "investment", "unit": "USD"}}


def _controllability(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule.startswith("controllability.")]


def test_plugin_kpi_reading_an_investment_input_is_flagged_on_a_profit_centre(
        tmp_path: Path, pm: Any, register: Any) -> None:
    register("asset_kpis", kpis=[ASSET_VELOCITY], inputs=SHOP_ASSETS)
    ws = scored("north", "profit", line("asset_velocity")).write(tmp_path / "ws")
    found = _controllability(audit(ws, pm))
    assert [(f.rule, f.severity, f.subject) for f in found] == [
        ("controllability.profit-centre-investment-kpi", "error", "north / asset_velocity")]
    message = found[0].message
    for word in ("north", "profit centre", "asset_velocity", "shop_assets"):
        assert word in message, message
    assert re.search(r"pmrules\.yaml:\d+$", found[0].location), found[0].location


def test_plugin_kpi_reading_an_investment_input_is_fine_on_an_investment_centre(
        tmp_path: Path, pm: Any, register: Any) -> None:
    register("asset_kpis", kpis=[ASSET_VELOCITY], inputs=SHOP_ASSETS)
    ws = scored("division", "investment", line("asset_velocity")).write(tmp_path / "ws")
    assert _controllability(audit(ws, pm)) == []


def test_kpi_reaching_a_cost_input_only_through_another_kpi_is_flagged_on_a_revenue_centre(
        tmp_path: Path, pm: Any) -> None:
    # margin_points names no input at all; operating_costs comes in through operating_margin
    case = scored("sales", "revenue", line("margin_points", threshold=20, target=25, maximum=30))
    case.kpis = [{"id": "margin_points", "name": "Margin points", "formula": "100 * operating_margin",
                  "direction": "higher", "perspective": "financial"}]
    found = _controllability(audit(case.write(tmp_path / "ws"), pm))
    assert [(f.rule, f.subject) for f in found] == [("controllability.revenue-centre-cost-kpi", "sales / margin_points")]
    message = found[0].message
    for word in ("sales", "revenue centre", "margin_points", "operating_costs"):
        assert word in message, message


@pytest.mark.parametrize(("center_type", "kpi", "inputs"), [
    ("profit", "roi", "invested_capital"),
    ("revenue", "roi", "invested_capital"),
    ("revenue", "operating_margin", "operating_costs"),
    ("cost", "operating_margin", "revenue"),
])
def test_controllability_messages_name_centre_type_kpi_and_inputs(
        center_type: str, kpi: str, inputs: str, tmp_path: Path, pm: Any) -> None:
    found = _controllability(audit(scored("unit7", center_type, line(kpi)).write(tmp_path / "ws"), pm))
    assert found
    assert any(inputs in f.message for f in found), [f.message for f in found]
    for f in found:
        assert f.message.startswith(f"unit7 ({center_type} centre) is scored on {kpi}, which reads "), f.message


def test_employee_scorecard_is_judged_by_the_type_of_the_employees_centre(tmp_path: Path, pm: Any) -> None:
    case = Case(centers=[child("north", "profit")],
                scorecards=[{"owner": "north", "kpis": [line("retention_rate")]},
                            {"owner": "E2", "kpis": [line("roi", supports="retention_rate")]}],
                employees=[employee("E2", "north")])
    found = _controllability(audit(case.write(tmp_path / "ws"), pm))
    assert [(f.rule, f.subject) for f in found] == [("controllability.profit-centre-investment-kpi", "E2 / roi")]
    assert "E2 (profit centre)" in found[0].message


def test_corporate_over_unit_ignores_weights_of_a_multiply_plan(tmp_path: Path, pm: Any) -> None:
    case = plan(components={"corporate": 0.6, "unit": 0.4}, combine="multiply")
    case.employees = [employee("E2", "corp")]
    findings = audit(case.write(tmp_path / "ws"), pm)
    assert "compensation.corporate-over-unit" not in {f.rule for f in findings}
