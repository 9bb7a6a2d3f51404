"""Roll-up (issue 20): a parent's missing inputs from its children, reconciliation, plugin defaults.

The golden workspaces tests/workspaces/rollup-* are paid by test_payout_golden.py (hand-computed in
their EXPECTED.md); here: their audits, the explanations, version-1 behaviour, the plugin hook's
`rollup` default, a 10,000-deep chain, and the invariants of a roll-up on random trees.
"""

from __future__ import annotations

import csv
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.audit import build_facts, run_audit
from pmrules.cli import cli
from pmrules.errors import PluginError, PmrulesError
from pmrules.payout.compute import compute_payouts
from pmrules.payout.explain import explain
from pmrules.payout.period import Period
from pmrules.rollup import RolledActuals, policies, roll_up
from pmrules.testing import minimal_manifest, write_workspace

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
ROLLUP_GOLDEN = ["rollup-missing-grandchild", "rollup-reconciliation", "rollup-region", "rollup-three-level"]


def opened(directory: Path, pm: Any) -> Any:
    return open_workspace(directory, pm=pm)


def pay(directory: Path, pm: Any) -> Any:
    o = opened(directory, pm)
    return o, compute_payouts(o.workspace, o.catalog, Period.of(o.workspace.manifest), o.workspace.employees)


# --- golden audits ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ROLLUP_GOLDEN)
def test_golden_rollup_audits_as_worked_by_hand(name: str, pm: Any) -> None:
    o = opened(WORKSPACES / name, pm)
    findings = run_audit(o.workspace, o.catalog).findings
    expected_file = WORKSPACES / name / "expected-audit.csv"
    expected = list(csv.DictReader(expected_file.open())) if expected_file.exists() else []
    got = [{"rule": f.rule, "severity": f.severity, "subject": f.subject,
            "location": f.location.rsplit("/", 1)[-1]} for f in findings]
    assert got == expected


def test_reconciliation_messages_carry_the_exact_figures(pm: Any) -> None:
    o = opened(WORKSPACES / "rollup-reconciliation", pm)
    messages = {f.subject: f.message for f in run_audit(o.workspace, o.catalog).findings}
    assert messages["south / revenue"] == "south's own revenue is 10000000, below the sum of its children's (16900000: bay)"
    assert messages["south / net_income"].endswith("(450000: bay); difference 50000")
    assert messages["north / revenue"] == "north has 1000000 of revenue of its own: 9000000 against its children's 8000000"


def test_the_cli_refuses_to_pay_on_a_total_below_its_parts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["payout", str(WORKSPACES / "rollup-reconciliation")])
    assert result.exit_code == 2, result.output
    assert "reconciliation.parent-below-children" in result.output


# --- explanations -------------------------------------------------------------------------------------

def _input(trail: dict[str, Any], component: str, kpi: str, name: str) -> dict[str, Any]:
    comp = next(c for c in trail["components"] if c["component"] == component)
    line = next(x for x in comp["lines"] if x["kpi"] == kpi)
    return next(i for i in line["inputs"] if i["input"] == name)


def test_explain_names_a_rolled_up_value_and_its_childrens_lines(pm: Any) -> None:
    o, run = pay(WORKSPACES / "rollup-region", pm)
    revenue = _input(explain(o.workspace, o.catalog, run, "E2"), "unit", "operating_margin", "revenue")
    assert revenue["value"] == "10000000" and revenue["from"] is None
    assert revenue["rolled_up"]["kind"] == "sum"
    children = revenue["rolled_up"]["children"]
    assert [(c["entity"], c["value"], c["rolled_up"]) for c in children] == [
        ("bay", "6000000", False), ("cove", "4000000", False)]
    assert children[0]["from"].endswith("actuals.csv:3") and children[1]["from"].endswith("actuals.csv:4")


def test_explain_text_shows_the_roll_up(pm: Any) -> None:
    result = CliRunner().invoke(cli, ["payout", str(WORKSPACES / "rollup-region"), "--explain", "E2"])
    assert result.exit_code == 0, result.output
    assert "revenue = 10000000 (rolled up: sum of bay = 6000000 (" in result.output
    assert "actuals.csv:3), cove = 4000000 (" in result.output


def test_explain_marks_children_that_were_rolled_up_themselves(pm: Any) -> None:
    o, run = pay(WORKSPACES / "rollup-three-level", pm)
    calls = _input(explain(o.workspace, o.catalog, run, "E1"), "corporate", "calls_per_week", "calls")
    assert calls["value"] == "6760"
    assert [(c["entity"], c["from"], c["rolled_up"]) for c in calls["rolled_up"]["children"]] == [
        ("north", None, True), ("south", None, True)]
    revenue = _input(explain(o.workspace, o.catalog, run, "E1"), "corporate", "operating_margin", "revenue")
    north = revenue["rolled_up"]["children"][0]
    assert north["entity"] == "north" and north["rolled_up"] is False and north["from"].endswith("actuals.csv:2")


def test_explain_says_why_a_parent_has_no_value(pm: Any) -> None:
    o, run = pay(WORKSPACES / "rollup-missing-grandchild", pm)
    revenue = _input(explain(o.workspace, o.catalog, run, "E1"), "corporate", "operating_margin", "revenue")
    assert revenue["value"] is None
    assert revenue["why_missing"] == "not rolled up from its children: 'south' has no value: 'cove' below it has none"


# --- version 1 ----------------------------------------------------------------------------------------

def _region(directory: Path, **changes: Any) -> Path:
    manifest = minimal_manifest(
        rulesets=["reconciliation"],
        centers=[{"id": "corp", "name": "Corp", "type": "investment", "manager": "E1"},
                 {"id": "south", "name": "South", "type": "profit", "parent": "corp"},
                 {"id": "bay", "name": "Bay", "type": "profit", "parent": "south"}],
        scorecards=[{"owner": "south", "kpis": [{"kpi": "operating_margin", "weight": 1.0, "threshold": 0.1,
                                                 "target": 0.2, "maximum": 0.3}]}],
        **changes)
    return write_workspace(directory, manifest, employees=[
        {"employee_id": "E1", "name": "Ann", "center": "south", "plan": "staff", "base_salary": "100000",
         "target_bonus_pct": "0.1"}],
        actuals={"bay": {"revenue": "100", "operating_costs": "75"}, "south": {"revenue": "10"}})


def test_a_workspace_without_rollup_rolls_nothing_up(tmp_path: Path, pm: Any) -> None:
    o, run = pay(_region(tmp_path / "ws"), pm)
    assert roll_up(o.workspace, o.catalog) is o.workspace.actuals
    assert run.actuals is o.workspace.actuals
    # south's costs stay missing with exactly today's reason, and its too-small revenue raises nothing
    assert run.values.problems[("south", "operating_margin")] == "input 'operating_costs' has no value for 'south'"
    facts, _ = build_facts(o.workspace, o.catalog)
    assert not [f for f in facts if f["kind"] == "reconciliation"]
    assert run_audit(o.workspace, o.catalog).findings == []


def test_a_parents_own_value_wins_over_its_childrens(tmp_path: Path, pm: Any) -> None:
    o, run = pay(_region(tmp_path / "ws", rollup={"revenue": "sum", "operating_costs": "sum"}), pm)
    assert run.actuals.get("south", "revenue") == Decimal("10")  # own, though below its children's
    assert run.actuals.get("south", "operating_costs") == Decimal("75")  # rolled up
    assert ("south", "operating_costs") in run.actuals.rolled and ("south", "revenue") not in run.actuals.rolled
    assert [f.rule for f in run_audit(o.workspace, o.catalog).findings] == ["reconciliation.parent-below-children"]


def test_min_and_none(tmp_path: Path, pm: Any) -> None:
    o = opened(_region(tmp_path / "ws", rollup={"revenue": "none", "operating_costs": "min"}), pm)
    rolled = roll_up(o.workspace, o.catalog)
    assert rolled.get("corp", "operating_costs") == Decimal("75") and rolled.get("corp", "revenue") is None
    assert set(policies(o.workspace, o.catalog)) == {"operating_costs"}


# --- the plugin hook: register_inputs() gains a `rollup` default -----------------------------------------

SHOP_INPUTS = {"shop_sales": {"category": "revenue", "unit": "USD", "rollup": "sum"},
               "shop_costs": {"category": "cost", "unit": "USD", "rollup": "sum"},
               "shop_rate": {"category": "policy", "rollup": "none"}}


def _shop(directory: Path, **changes: Any) -> Path:
    manifest = minimal_manifest(
        rulesets=[], kpis=[{"id": "shop_margin", "name": "Shop margin", "formula": "(shop_sales - shop_costs) / shop_sales",
                            "direction": "higher", "perspective": "financial"}],
        centers=[{"id": "corp", "name": "Corp", "type": "investment"},
                 {"id": "a", "name": "A", "type": "profit", "parent": "corp"},
                 {"id": "b", "name": "B", "type": "profit", "parent": "corp"}],
        scorecards=[{"owner": "corp", "kpis": [{"kpi": "shop_margin", "weight": 1.0, "threshold": 0.1, "target": 0.2,
                                                "maximum": 0.3}]}], **changes)
    return write_workspace(directory, manifest, actuals={"a": {"shop_sales": "300", "shop_costs": "240"},
                                                         "b": {"shop_sales": "100", "shop_costs": "60"}})


def test_a_plugins_rollup_default_applies_when_the_workspace_rolls_up(tmp_path: Path, pm: Any, register: Any) -> None:
    register("shops", inputs=SHOP_INPUTS)
    o, run = pay(_shop(tmp_path / "ws", rollup={}), pm)
    assert run.values.get("corp", "shop_margin") == Decimal(100) / Decimal(400)  # (400 - 300) / 400: a ratio of sums
    found = policies(o.workspace, o.catalog)
    assert {n: (p.kind, p.source) for n, p in found.items()} == {"shop_sales": ("sum", "shops"),
                                                                 "shop_costs": ("sum", "shops")}


def test_without_rollup_key_a_plugins_default_changes_nothing(tmp_path: Path, pm: Any, register: Any) -> None:
    register("shops", inputs=SHOP_INPUTS)
    o, run = pay(_shop(tmp_path / "ws"), pm)
    assert run.values.get("corp", "shop_margin") is None
    assert policies(o.workspace, o.catalog) == {}


def test_the_workspace_map_wins_over_a_plugins_default(tmp_path: Path, pm: Any, register: Any) -> None:
    register("shops", inputs=SHOP_INPUTS)
    o, run = pay(_shop(tmp_path / "ws", rollup={"shop_costs": "none"}), pm)
    assert "no value for 'corp'" in run.values.problems[("corp", "shop_margin")]
    assert policies(o.workspace, o.catalog)["shop_sales"].source == "shops"


def test_a_plugins_default_survives_the_workspace_redeclaring_the_input(tmp_path: Path, pm: Any, register: Any) -> None:
    register("shops", inputs=SHOP_INPUTS)
    directory = _shop(tmp_path / "ws", rollup={}, inputs={"shop_sales": {"category": "revenue", "unit": "EUR"}})
    o = opened(directory, pm)
    assert o.catalog.inputs["shop_sales"].source == "workspace"
    assert policies(o.workspace, o.catalog)["shop_sales"].kind == "sum"


def test_two_plugins_with_different_defaults_are_an_error(pm: Any, register: Any, tmp_path: Path) -> None:
    register("shops", inputs=SHOP_INPUTS)
    register("stores", inputs={"shop_sales": {"category": "revenue", "rollup": "max"}})
    with pytest.raises(PluginError, match="input 'shop_sales' has roll-up") as caught:
        opened(_shop(tmp_path / "ws"), pm)
    assert "sum in plugin 'shops'" in str(caught.value) and "max in plugin 'stores'" in str(caught.value)


def test_a_malformed_default_names_the_plugin(pm: Any, register: Any, tmp_path: Path) -> None:
    register("shops", inputs={"shop_sales": {"category": "revenue", "rollup": "average"}})
    with pytest.raises(PluginError, match="plugin 'shops' declares input 'shop_sales' badly"):
        opened(_shop(tmp_path / "ws"), pm)


def test_a_plugins_signed_input_is_reconciled_only_when_exact(pm: Any, register: Any, tmp_path: Path) -> None:
    register("shops", inputs={"shop_sales": {"category": "revenue", "rollup": "sum", "signed": True},
                              "shop_costs": {"category": "cost"}})
    directory = _shop(tmp_path / "ws", rollup={})
    write_workspace(directory, None, manifest_text=(directory / "pmrules.yaml").read_text(),
                    actuals={"corp": {"shop_sales": "-7"}, "a": {"shop_sales": "-3"}, "b": {"shop_sales": "-5"}})
    o = opened(directory, pm)
    assert policies(o.workspace, o.catalog)["shop_sales"].reconcile == "none"
    facts, _ = build_facts(o.workspace, o.catalog)
    [fact] = [f for f in facts if f["kind"] == "reconciliation"]
    assert (fact["value"], fact["children_sum"], fact["own_share"], fact["below_children"]) == ("-7", "-8", "1", False)


# --- scale: no recursion, linear --------------------------------------------------------------------------

def test_a_10000_deep_chain_rolls_up_to_the_root(tmp_path: Path, pm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # the roll-up walk itself is iterative and linear; lift the workspace's depth limit (64) to show it
    monkeypatch.setattr("pmrules.workspace.structure.MAX_CENTER_DEPTH", 20_000)
    depth = 10_000
    centers = [{"id": "c0", "name": "C0", "type": "investment"}]
    centers += [{"id": f"c{i}", "name": f"C{i}", "type": "profit", "parent": f"c{i - 1}"} for i in range(1, depth)]
    card = [{"owner": "c0", "kpis": [{"kpi": "revenue", "weight": 1.0, "threshold": 10, "target": 20, "maximum": 30}]}]
    plans = [{"id": "top", "components": {"unit": 1.0}, "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}}]
    manifest = minimal_manifest(rulesets=["reconciliation"], centers=centers, rollup={"revenue": "sum"},
                                scorecards=card, plans=plans)
    directory = write_workspace(tmp_path / "ws", manifest, actuals={f"c{depth - 1}": {"revenue": "12.5"},
                                                                   "c5000": {"revenue": "20"}},
                                employees=[{"employee_id": "E1", "name": "Top", "center": "c0", "plan": "top",
                                            "base_salary": "1000", "target_bonus_pct": "0.1"}])
    o = opened(directory, pm)
    started = time.perf_counter()
    rolled = roll_up(o.workspace, o.catalog)
    assert time.perf_counter() - started < 2
    assert isinstance(rolled, RolledActuals)
    assert rolled.get("c0", "revenue") == Decimal("20") and rolled.get("c5001", "revenue") == Decimal("12.5")
    findings = run_audit(o.workspace, o.catalog).findings
    assert [(f.rule, f.subject) for f in findings] == []  # 20 >= 12.5: c5000 has business of its own
    run = compute_payouts(o.workspace, o.catalog, Period.of(o.workspace.manifest), o.workspace.employees)
    assert run.employees[0].bonus == Decimal("100.00")  # revenue 20 is on target: 1000 x 0.1 x 1.0


def test_a_10000_deep_chain_with_a_gap_at_the_bottom(tmp_path: Path, pm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # the roll-up walk itself is iterative and linear; lift the workspace's depth limit (64) to show it
    monkeypatch.setattr("pmrules.workspace.structure.MAX_CENTER_DEPTH", 20_000)
    depth = 10_000
    centers = [{"id": "c0", "name": "C0", "type": "investment"}]
    centers += [{"id": f"c{i}", "name": f"C{i}", "type": "profit", "parent": f"c{i - 1}"} for i in range(1, depth)]
    centers.append({"id": "leaf2", "name": "Leaf", "type": "profit", "parent": f"c{depth - 2}"})
    manifest = minimal_manifest(rulesets=[], centers=centers, rollup={"revenue": "sum"}, scorecards=[], plans=[])
    directory = write_workspace(tmp_path / "ws", manifest, actuals={f"c{depth - 1}": {"revenue": "1"}})
    rolled = roll_up(*_ws_catalog(directory, pm))
    assert rolled.get("c0", "revenue") is None
    assert rolled.why_missing("c0", "revenue") == "not rolled up from its children: 'c1' has no value: 'leaf2' below it has none"


def _ws_catalog(directory: Path, pm: Any) -> tuple[Any, Any]:
    o = opened(directory, pm)
    return o.workspace, o.catalog


# --- invariants on random trees ---------------------------------------------------------------------------

@st.composite
def trees(draw: Any) -> tuple[list[int | None], dict[int, str | None]]:
    """Parents (None for the root) of n centres, each after its parent; a value or None per leaf, some parents."""
    n = draw(st.integers(1, 25))
    parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    amounts = st.one_of(st.none(), st.decimals(0, 10**12, places=2, allow_nan=False, allow_infinity=False).map(str))
    values = {i: draw(amounts) for i in range(n)}
    return parents, values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees())
def test_a_roll_up_is_the_exact_sum_of_the_nearest_values_below(tree: Any, tmp_path_factory: Any, pm: Any) -> None:
    """A centre's value is its own, else the sum of its children's; it is missing iff some path down has no value."""
    parents, values = tree
    n = len(parents)
    centers = [{"id": f"c{i}", "name": f"C{i}", "type": "investment" if p is None else "profit",
                **({} if p is None else {"parent": f"c{p}"})} for i, p in enumerate(parents)]
    manifest = minimal_manifest(rulesets=[], centers=centers, rollup={"revenue": "sum"}, scorecards=[], plans=[])
    actuals = {f"c{i}": {"revenue": v} for i, v in values.items() if v is not None}
    directory = write_workspace(tmp_path_factory.mktemp("ws"), manifest, actuals=actuals)
    rolled = roll_up(*_ws_catalog(directory, pm))
    children: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, p in enumerate(parents):
        if p is not None:
            children[p].append(i)
    expected: dict[int, Decimal | None] = {}
    for i in reversed(range(n)):  # children have larger numbers than their parents
        if values[i] is not None:
            expected[i] = Decimal(values[i])
        elif children[i] and all(expected[c] is not None for c in children[i]):
            expected[i] = sum((expected[c] for c in children[i]), Decimal(0))  # type: ignore[misc]
        else:
            expected[i] = None
    for i in range(n):
        assert rolled.get(f"c{i}", "revenue") == expected[i], i
        if expected[i] is None and children[i]:
            assert rolled.why_missing(f"c{i}", "revenue")


def test_open_workspace_reports_rollup_problems_as_input_errors(tmp_path: Path, pm: Any) -> None:
    with pytest.raises(PmrulesError, match="rollup: names unknown input 'revenu'"):
        opened(_region(tmp_path / "ws", rollup={"revenu": "sum"}), pm)


def test_sensitivity_says_which_values_are_rolled_up(pm: Any) -> None:
    from pmrules.sensitivity import sensitivity

    o = opened(WORKSPACES / "rollup-region", pm)
    result = sensitivity(o.workspace, o.catalog, "E2")
    assert "south's revenue is rolled up (sum) from bay, cove: it moves with theirs, which are not followed here" \
        in result.notes
    assert not [lever for lever in result.levers if lever.entity == "south" and lever.input == "revenue"]
