"""Plan shapes of issue 13 (items 2, 5, 7, 8, 9): curve properties, controllability of the new
categories and of shared measures, bonus-only workspaces, the per-employee report table.

The payouts themselves are pinned by the hand-computed golden workspaces under tests/workspaces/
(levels-shared-measures, line-curves-cliffs, bonus-only-profit-cash).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.audit import run_audit
from pmrules.catalog.controllability import financial, scorable_by
from pmrules.errors import PmrulesError
from pmrules.payout.curve import Breakpoints, Point, line_factor, points_factor
from pmrules.rational import Fraction
from pmrules.report import render_report
from pmrules.testing import minimal_manifest, write_workspace

WORKSPACES = Path(__file__).resolve().parent / "workspaces"

# --- curves: properties -----------------------------------------------------------------------------

results = st.fractions(min_value=-1000, max_value=1000, max_denominator=100)
factors = st.fractions(min_value=0, max_value=5, max_denominator=100)


@st.composite
def monotone_points(draw: Any) -> list[Point]:
    """Non-decreasing results (repeats are cliffs) with non-decreasing factors (repeats are flat bands)."""
    n = draw(st.integers(min_value=1, max_value=7))
    xs = sorted(draw(st.lists(results, min_size=n, max_size=n)))
    ys = sorted(draw(st.lists(factors, min_size=n, max_size=n)))
    return [Point(Fraction(x), Fraction(y)) for x, y in zip(xs, ys, strict=True)]


@settings(max_examples=300, deadline=None)
@given(points=monotone_points(), a=results, b=results, steps=st.booleans())
def test_a_monotone_multi_point_curve_never_pays_less_for_a_better_result(
        points: list[Point], a: Fraction, b: Fraction, steps: bool) -> None:
    low, high = sorted((Fraction(a), Fraction(b)))
    below = min(points[0].factor, Fraction(0))
    assert points_factor(low, points, "higher", below, steps) <= points_factor(high, points, "higher", below, steps)
    # lower is better: the mirror (results negated, the same points listed worst first)
    mirrored = [Point(-p.result, p.factor) for p in points]
    assert points_factor(-high, mirrored, "lower", below, steps) == points_factor(high, points, "higher", below,
                                                                                   steps)


@settings(max_examples=300, deadline=None)
@given(points=monotone_points(), steps=st.booleans())
def test_every_point_pays_its_factor_and_a_cliff_pays_the_later_one(points: list[Point], steps: bool) -> None:
    for i, p in enumerate(points):
        last_at_result = max(k for k, q in enumerate(points) if q.result == p.result)
        assert points_factor(p.result, points, "higher", Fraction(0), steps) == points[last_at_result].factor, i
    assert points_factor(points[-1].result + 1, points, "higher") == points[-1].factor
    assert points_factor(points[0].result - Fraction(1, 100), points, "higher", Fraction(7, 10)) == Fraction(7, 10)


@settings(max_examples=200, deadline=None)
@given(t=results, gap=st.fractions(min_value=Fraction(1, 100), max_value=100, max_denominator=100),
       eps=st.fractions(min_value=Fraction(1, 10**6), max_value=1, max_denominator=10**6))
def test_threshold_equal_to_target_is_a_cliff(t: Fraction, gap: Fraction, eps: Fraction) -> None:
    line = Breakpoints(Fraction(t), Fraction(t), Fraction(t) + gap)
    curve = Breakpoints(Fraction(1, 2), Fraction(1), Fraction(2))
    assert line_factor(Fraction(t), line, curve, "higher") == 1  # the target factor from the cliff on
    assert line_factor(Fraction(t) - eps, line, curve, "higher") == 0  # nothing below it
    assert line_factor(Fraction(t) - eps, line, curve, "higher", Fraction(1, 4)) == Fraction(1, 4)
    mirror = Breakpoints(-line.threshold, -line.target, -line.maximum)
    assert line_factor(-Fraction(t), mirror, curve, "lower") == 1
    assert line_factor(-Fraction(t) + eps, mirror, curve, "lower") == 0


def test_the_three_point_curve_is_unchanged_where_version_1_defined_it() -> None:
    line = Breakpoints(Fraction(8, 10), Fraction(1), Fraction(12, 10))
    curve = Breakpoints(Fraction(1, 2), Fraction(1), Fraction(2))
    assert [line_factor(Fraction(v, 100), line, curve, "higher") for v in (79, 80, 90, 100, 110, 120, 130)] == [
        0, Fraction(1, 2), Fraction(3, 4), 1, Fraction(3, 2), 2, 2]


# --- categories: profit and cash ---------------------------------------------------------------------

def test_profit_and_cash_categories_stand_for_financial_ones() -> None:
    assert financial(["profit"]) == ["cost", "revenue"]
    assert financial(["cash"]) == ["cost", "investment", "revenue"]
    assert financial(["customer", "operations"]) == []
    assert scorable_by(["profit"]) == ["profit", "investment"]
    assert scorable_by(["cash"]) == ["investment"]


MANAGER = {"employee_id": "E1", "name": "Ada Boss", "center": "corp", "plan": "staff", "base_salary": "200000.00",
           "target_bonus_pct": "0.20"}


def _case(tmp_path: Path, **changes: Any) -> Path:
    return write_workspace(tmp_path / "ws", minimal_manifest(**changes), employees=[MANAGER])


EPS = {"id": "eps", "name": "EPS", "formula": "eps_reported", "direction": "higher", "perspective": "financial"}
FCF = {"id": "fcf", "name": "Free cash flow", "formula": "free_cash_flow", "direction": "higher",
       "perspective": "financial"}


def _centre_lines(center_type: str, *lines: dict[str, Any]) -> dict[str, Any]:
    m = minimal_manifest()
    return {"centers": [*m["centers"], {"id": "unit", "name": "Unit", "type": center_type, "parent": "corp"}],
            "scorecards": [*m["scorecards"], {"owner": "unit", "kpis": list(lines)}]}


def _line(kpi: str, **more: Any) -> dict[str, Any]:
    return {"kpi": kpi, "weight": 1.0, "threshold": 1, "target": 2, "maximum": 3, "supports": "retention_rate",
            **more}


def _controllability(tmp_path: Path, pm: Any, center_type: str, *lines: dict[str, Any]) -> list[tuple[str, str]]:
    m = minimal_manifest()
    ws = _case(tmp_path, inputs={**m["inputs"], "eps_reported": {"category": "profit"},
                                 "free_cash_flow": {"category": "cash"}},
               kpis=[*m["kpis"], EPS, FCF], **_centre_lines(center_type, *lines))
    opened = open_workspace(ws, pm=pm)
    return [(f.rule, f.subject) for f in run_audit(opened.workspace, opened.catalog).findings
            if f.rule.startswith("controllability.")]


def test_eps_on_a_revenue_centre_and_free_cash_flow_on_a_profit_centre_are_flagged(tmp_path: Path, pm: Any) -> None:
    assert _controllability(tmp_path / "a", pm, "revenue", _line("eps")) == [
        ("controllability.revenue-centre-cost-kpi", "unit / eps")]
    assert _controllability(tmp_path / "b", pm, "profit", _line("fcf")) == [
        ("controllability.profit-centre-investment-kpi", "unit / fcf")]
    assert _controllability(tmp_path / "c", pm, "profit", _line("eps")) == []


def test_a_shared_measure_is_still_judged_by_its_owner(tmp_path: Path, pm: Any) -> None:
    """A profit centre carrying its parent's ROI is flagged as if the ROI were its own."""
    found = _controllability(tmp_path, pm, "profit", _line("roi", of="corp"))
    assert found == [("controllability.profit-centre-investment-kpi", "unit / roi")]


def test_an_unknown_category_lists_the_known_ones_and_a_workspace_may_add_its_own(tmp_path: Path, pm: Any) -> None:
    m = minimal_manifest()
    ws = _case(tmp_path / "a", inputs={**m["inputs"], "co2": {"category": "sustainability"}})
    with pytest.raises(PmrulesError, match=r"unknown category 'sustainability'.*known categories: activity"):
        open_workspace(ws, pm=pm)
    ws = _case(tmp_path / "b", inputs={**m["inputs"], "co2": {"category": "sustainability"}},
               categories=["sustainability"])
    assert open_workspace(ws, pm=pm).catalog.inputs["co2"].definition.category == "sustainability"


def test_built_in_and_bundled_plugin_inputs_all_have_known_categories() -> None:
    from pmrules.catalog.controllability import known_categories
    from pmrules.defaults.kpis import INPUTS

    categories = {cat for cat, _unit, _text in INPUTS.values()}
    for plugin in ("pmrules_banking", "pmrules_saas"):
        module = pytest.importorskip(plugin)
        categories |= {cat for cat, _unit, _text in module.INPUTS.values()}
    assert categories <= set(known_categories())


def test_a_plugin_input_with_an_unknown_category_names_the_plugin(pm: Any, register: Any) -> None:
    from pmrules.catalog import build_catalog

    register("odd_inputs", inputs={"widgets": {"category": "widgetry"}})
    with pytest.raises(PmrulesError, match="plugin 'odd_inputs' declares input 'widgets' with unknown category"):
        build_catalog(pm)


# --- a workspace without a strategy -----------------------------------------------------------------

def test_a_bonus_only_workspace_audits_pays_and_reports(tmp_path: Path, pm: Any) -> None:
    ws = WORKSPACES / "bonus-only-profit-cash"
    opened = open_workspace(ws, pm=pm)
    findings = run_audit(opened.workspace, opened.catalog).findings
    assert {f.rule for f in findings} == {"alignment.no-strategy", "alignment.shared-measure-ancestor"}
    html = render_report(opened.workspace, opened.catalog)
    assert "none (a bonus-only workspace)" in html


# --- the report: the analyst's reconciliation ------------------------------------------------------------

def test_the_report_reconciles_each_employee_and_shows_few_people_as_a_table(tmp_path: Path, pm: Any) -> None:
    opened = open_workspace(WORKSPACES / "levels-shared-measures", pm=pm)
    html = render_report(opened.workspace, opened.catalog)
    assert 'id="qe"' in html and "table class=rec" in html
    assert "aria-label=\"bonuses of plan" not in html and "aria-label=\"bonuses in centre" not in html
    row = html.split('<tr id="e-E1"', 1)[1].split("</tr>", 1)[0]
    # each measure: result → payout % × weight; the shared one says whose KPI it is
    assert "division</span> attainment <span class=muted>of corp</span> 1.1 → 150% × 0.5" in row
    assert "segment</span> attainment 0.9 → 75% × 1" in row
    for text in ("corporate 150%", "segment 75%", "division 125%", "118.75%", "11,875.00"):
        assert text in row, text
    unpaid = html.split('<tr id="e-E3"', 1)[1].split("</tr>", 1)[0]
    assert "no centre at level" in unpaid


def test_money_in_the_report_is_shown_at_the_rounding_quantum(tmp_path: Path, pm: Any) -> None:
    target = tmp_path / "ws"
    shutil.copytree(WORKSPACES / "line-curves-cliffs", target)
    manifest = target / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace('quantum: "0.01"', 'quantum: "100"'))
    opened = open_workspace(target, pm=pm)
    html = render_report(opened.workspace, opened.catalog)
    assert "USD 104,500</b>" in html  # the total, in whole units of the quantum
    assert ">12,500</td></tr>" in html.split('<tr id="e-E1"', 1)[1]


# --- explanations show the new shapes ---------------------------------------------------------------

def _explain(name: str, employee: str, pm: Any) -> dict[str, Any]:
    from pmrules.payout import Period, compute_payouts
    from pmrules.payout.explain import explain

    opened = open_workspace(WORKSPACES / name, pm=pm)
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    return explain(ws, opened.catalog, run, employee)


def test_explain_shows_level_components_and_shared_measures(pm: Any) -> None:
    trail = _explain("levels-shared-measures", "E1", pm)
    assert [(c["component"], c["source"], c["score"]) for c in trail["components"]] == [
        ("corporate", "scorecard of corp", "1.5"), ("segment", "scorecard of seg-a", "0.75"),
        ("division", "scorecard of div-1", "1.25")]
    shared = trail["components"][2]["lines"][1]
    assert shared["measure_of"] == "corp" and shared["owner"] == "corp" and shared["value"] == "1.1"


def test_explain_shows_own_curves_and_score_gates(pm: Any) -> None:
    line = _explain("line-curves-cliffs", "E2", pm)["components"][0]["lines"][0]
    assert line["curve_points"][0] == {"result": "90", "factor": "0.5"} and line["curve_below"] == "0.25"
    assert _explain("line-curves-cliffs", "E4", pm)["components"][0]["lines"][0]["curve_own"] == {
        "threshold": "0.5", "target": "1", "maximum": "1"}
    gates = _explain("line-curves-cliffs", "E10", pm)["gates"]
    assert gates == [{"score": "total", "value": "0.25", "min": "0.5", "max": None, "passed": False}]
