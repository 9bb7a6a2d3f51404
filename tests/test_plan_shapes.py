"""Plan shapes beyond version 1 (issue 13): rounding steps and plan quanta, combine formulas, unused
weights, ratings as words and decimals, individual factors and target amounts.

The golden workspaces `plan-rounding` and `team-x-individual` hold the hand-computed figures; these
tests pin the details around them (what --explain shows, what payout warns, the vectorised path).
"""

from __future__ import annotations

import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.errors import PmrulesError
from pmrules.payout import Period, compute_payouts, explain
from pmrules.payout.compute import PayoutRun
from pmrules.payout.rounding import exact_units
from pmrules.plugins import get_plugin_manager
from pmrules.rational import Fraction

WORKSPACES = Path(__file__).resolve().parent / "workspaces"

MANIFEST = """\
version: 1
workspace: shapes
period: FY2026
period_start: 2026-01-01
period_end: 2026-12-31
currency: USD
rounding: {{quantum: "0.01", mode: half_up}}
rulesets: [compensation]
strategy: {{discipline: operational_excellence}}
inputs:
  revenue: {{category: revenue, unit: USD}}
  costs: {{category: cost, unit: USD}}
kpis:
  - {{id: op_margin, name: Operating margin, formula: (revenue - costs) / revenue, direction: higher,
     perspective: financial}}
centers:
  - {{id: corp, name: Corp, type: investment}}
  - {{id: div, name: Division, type: profit, parent: corp}}
scorecards:
  - {{owner: corp, kpis: [{{kpi: op_margin, weight: 1.0, threshold: 0.10, target: 0.20, maximum: 0.30}}]}}
  - {{owner: div, kpis: [{{kpi: op_margin, weight: 1.0, threshold: 0.10, target: 0.20, maximum: 0.30}}]}}
plans:
{plans}
"""
# corp: margin 0.22 -> factor 1.2; div: margin 0.15 -> factor 0.75 (curve 0.5 / 1.0 / 2.0)
ACTUALS = "entity,input,value\ncorp,revenue,1000000\ncorp,costs,780000\ndiv,revenue,400000\ndiv,costs,340000\n"
HEADER = "employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,individual_rating\n"
CURVE = "{threshold: 0.5, target: 1.0, maximum: 2.0}"


def write(tmp_path: Path, plans: str, employees: str, header: str = HEADER) -> Path:
    directory = tmp_path / "ws"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pmrules.yaml").write_text(MANIFEST.format(plans=plans))
    (directory / "employees.csv").write_text(header + employees)
    (directory / "actuals.csv").write_text(ACTUALS)
    return directory


def pay(directory: Path) -> PayoutRun:
    opened = open_workspace(directory, get_plugin_manager(entry_points=False))
    ws = opened.workspace
    return compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)


def bonuses(run: PayoutRun) -> dict[str, Decimal | None]:
    return {p.employee.employee_id: p.bonus for p in run.employees}


# --- item 4: ratings as plans write them --------------------------------------------------------------

def test_rating_keys_as_words_decimals_and_quoted_numbers(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: {{unit: 0.5, individual: 0.5}}
    curve: {CURVE}
    individual_ratings: {{"110": 1.1, exceeds: 1.25, 1.25: 1.3, 3: 1.0}}
"""
    ws = write(tmp_path, plans, "A,A,div,p,100000,0.1,,,110\nB,B,div,p,100000,0.1,,,exceeds\n"
                                "C,C,div,p,100000,0.1,,,1.250\nD,D,div,p,100000,0.1,,,3.0\n")
    run = pay(ws)
    scores = {p.employee.employee_id: p.scores["individual"] for p in run.employees}
    assert scores == {"A": Fraction("1.1"), "B": Fraction("1.25"), "C": Fraction("1.3"), "D": Fraction(1)}
    # 10,000 x (0.5 x 0.75 + 0.5 x individual)
    assert bonuses(run) == {"A": Decimal("9250.00"), "B": Decimal("10000.00"), "C": Decimal("10250.00"),
                            "D": Decimal("8750.00")}


def test_two_spellings_of_one_rating_are_refused(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: {{unit: 0.5, individual: 0.5}}
    curve: {CURVE}
    individual_ratings: {{3: 1.0, "3.0": 1.1}}
"""
    with pytest.raises(PmrulesError, match="are the same rating"):
        pay(write(tmp_path, plans, "A,A,div,p,100000,0.1,,,3\n"))


# --- item 3: combine as a formula ---------------------------------------------------------------------

def test_points_added_to_a_team_factor(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: [corporate, unit, individual]
    combine: (0.4*corporate + 0.6*unit + 0.02) * individual
    curve: {CURVE}
    individual_ratings: {{meets: 1.0, exceeds: 1.2}}
"""
    run = pay(write(tmp_path, plans, "A,A,div,p,100000,0.1,,,exceeds\n"))
    # (0.48 + 0.45 + 0.02) x 1.2 = 1.14; 10,000 x 1.14
    assert run.at(0).multiplier == Fraction("1.14")
    assert bonuses(run) == {"A": Decimal("11400.00")}


def test_multiply_pays_the_same_with_a_plain_list_as_with_unused_weights(tmp_path: Path) -> None:
    employees = "A,A,div,p,100000,0.1,,,2\n"
    ratings = "individual_ratings: {1: 0.5, 2: 1.1}"
    weighted = pay(write(tmp_path / "w", f"""  - id: p
    components: {{corporate: 0.25, unit: 0.75, individual: 1}}
    combine: multiply
    curve: {CURVE}
    {ratings}
""", employees))
    listed = pay(write(tmp_path / "l", f"""  - id: p
    components: [corporate, unit, individual]
    combine: multiply
    curve: {CURVE}
    {ratings}
""", employees))
    # version 1: 1.2 x 0.75 x 1.1 = 0.99, weights unused
    assert bonuses(weighted) == bonuses(listed) == {"A": Decimal("9900.00")}


def test_payout_prints_the_unused_weights_warning_with_the_formula_meant(tmp_path: Path) -> None:
    ws = write(tmp_path, f"""  - id: exec
    components: {{corporate: 0.25, unit: 0.75, individual: 1}}
    combine: multiply
    curve: {CURVE}
    individual_ratings: {{1: 0.5, 2: 1.1}}
""", "A,A,div,exec,100000,0.1,,,2\n")
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "9900.00" in result.stdout  # version-1 result kept
    assert ("plan exec combines by multiply, which ignores the component weights (corporate 0.25, unit 0.75, "
            "individual 1); probably meant: combine: \"(0.25*corporate + 0.75*unit) * individual\"") in result.stderr
    assert "compensation.weights-unused" in result.stderr and "pmrules.yaml:" in result.stderr
    quiet = CliRunner().invoke(cli, ["payout", str(ws), "--format", "csv", "--skip-audit"])
    assert "weights-unused" not in quiet.stderr


def test_the_formula_meant_pays_what_the_plan_meant(tmp_path: Path) -> None:
    """The issue's overpayment: the unweighted product paid 0.99, the weighted team factor pays 0.94875."""
    run = pay(write(tmp_path, f"""  - id: exec
    components: [corporate, unit, individual]
    combine: "(0.25*corporate + 0.75*unit) * individual"
    curve: {CURVE}
    individual_ratings: {{1: 0.5, 2: 1.1}}
""", "A,A,div,exec,100000,0.1,,,2\n"))
    assert run.at(0).multiplier == Fraction("0.94875")  # (0.3 + 0.5625) x 1.1


# --- item 1: rounding steps ---------------------------------------------------------------------------

def _trail(name: str, employee: str) -> dict:  # type: ignore[type-arg]
    opened = open_workspace(WORKSPACES / name, get_plugin_manager(entry_points=False))
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    return explain(ws, opened.catalog, run, employee)


def test_explain_shows_every_rounding_step() -> None:
    o2 = _trail("plan-rounding", "O2")
    steps = [(r["step"], r["subject"], r["exact"], r["rounded"], r["quantum"], r["mode"]) for r in o2["rounding_steps"]]
    assert steps == [("team_factor", "team factor", "1.215", "1.21", "0.01", "down"),
                     ("target_amount", "target amount", "15000.45", "15000", "1", "half_up")]
    unit = next(c for c in o2["components"] if c["component"] == "unit")
    assert [(line["factor_exact"], line["factor"]) for line in unit["lines"]] == [("1.2345", "1.23")]
    assert o2["rounding"] == {"quantum": "100", "mode": "half_up", "source": "plan officers"}
    assert o2["bonus"] == "20900.00" and o2["target_amount"] == "15000"
    o1 = _trail("plan-rounding", "O1")
    unit = next(c for c in o1["components"] if c["component"] == "unit")
    assert [(line["factor_exact"], line["factor"]) for line in unit["lines"]] == [("1.235", "1.24")]


def test_explain_text_names_each_rounding(tmp_path: Path) -> None:
    shutil.copytree(WORKSPACES / "plan-rounding", tmp_path / "ws")
    result = CliRunner().invoke(cli, ["payout", str(tmp_path / "ws"), "--explain", "C1"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "rounding step target_amount (target amount): 523456.8 rounded to 1 (half_up) = 523457" in text
    assert "factor 1.2 rounded to 0.01 (half_up) = 1.2" in text
    assert "rounded once to 1 (half_up, plan ceo): 722371.00" in text


def test_json_carries_rounding_steps_only_for_plans_that_round(tmp_path: Path) -> None:
    shutil.copytree(WORKSPACES / "plan-rounding", tmp_path / "ws")
    result = CliRunner().invoke(cli, ["payout", str(tmp_path / "ws"), "--format", "json"])
    document = json.loads(result.stdout)
    c1 = next(e for e in document["employees"] if e["employee_id"] == "C1")
    assert [s["step"] for s in c1["rounding_steps"]] == ["team_factor", "target_amount"]
    assert c1["target_amount"] == "523457"
    shutil.copytree(WORKSPACES / "curve-segments", tmp_path / "v1")
    v1 = json.loads(CliRunner().invoke(cli, ["payout", str(tmp_path / "v1"), "--format", "json"]).stdout)
    assert all("rounding_steps" not in e and "target_bonus" not in e for e in v1["employees"])


def test_component_score_and_multiplier_steps(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: {{corporate: 0.3, unit: 0.7}}
    curve: {CURVE}
    rounding_steps:
      component_score: {{quantum: "0.5", mode: half_up}}
      multiplier: {{quantum: "0.1", mode: down}}
"""
    run = pay(write(tmp_path, plans, "A,A,div,p,100000,0.1,,,\n"))
    p = run.at(0)
    # unit 0.75 -> 1.0 (exactly half a step: up), corporate 1.2 -> 1.0; 0.3 + 0.7 = 1.0 -> 1.0
    assert p.scores == {"corporate": Fraction(1), "unit": Fraction(1)}
    assert p.multiplier == Fraction(1)
    assert [(r.step, r.subject, r.exact, r.rounded) for r in p.rounded] == [
        ("component_score", "corporate", Fraction("1.2"), Fraction(1)),
        ("component_score", "unit", Fraction("0.75"), Fraction(1)),
        ("multiplier", "multiplier", Fraction(1), Fraction(1))]


def test_team_factor_of_a_plan_without_individual_is_the_whole_combine(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: {{corporate: 0.3, unit: 0.7}}
    curve: {CURVE}
    rounding_steps: {{team_factor: {{quantum: "0.1", mode: half_up}}}}
"""
    run = pay(write(tmp_path, plans, "A,A,div,p,100000,0.1,,,\n"))
    assert run.at(0).multiplier == Fraction("0.9")  # 0.36 + 0.525 = 0.885 -> 0.9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_plan_quanta_vectorised_agree_with_the_exact_reference(tmp_path: Path, seed: int) -> None:
    """Thousands of bonuses rounded per plan (vectorised, exact near boundaries) equal a Fraction reference."""
    rng = random.Random(seed)
    plans = f"""  - id: hundred
    components: {{corporate: 0.3, unit: 0.7}}
    curve: {CURVE}
    rounding: {{quantum: "100", mode: half_up}}
  - id: nickel
    components: {{corporate: 0.5, unit: 0.5}}
    curve: {CURVE}
    rounding: {{quantum: "0.05", mode: half_even}}
  - id: cents
    components: {{corporate: 0.5, unit: 0.5}}
    curve: {CURVE}
    rounding_steps: {{target_amount: {{quantum: "1", mode: down}}}}
"""
    rows = []
    for i in range(3000):
        plan = rng.choice(["hundred", "nickel", "cents"])
        # salaries that put many bonuses on exact half quanta
        salary = rng.choice([f"{rng.randint(1000, 99999)}", f"{rng.randint(1000, 99999)}.{rng.randint(0, 99):02d}",
                             "45000", "50250", "12345.67"])
        rows.append(f"E{i},N,{rng.choice(['corp', 'div'])},{plan},{salary},{rng.choice(['0.1', '0.15', '0.125'])},"
                    f"{rng.choice(['', '2026-03-01', '2026-07-15'])},,\n")
    run = pay(write(tmp_path, plans, "".join(rows)))
    quanta = {"hundred": (Decimal("100"), "half_up"), "nickel": (Decimal("0.05"), "half_even"),
              "cents": (Decimal("0.01"), "half_up")}
    for i in range(len(run)):
        p = run.at(i)
        e = p.employee
        target = Fraction(e.base_salary) * Fraction(e.target_bonus_pct)  # type: ignore[arg-type]
        if e.plan == "cents":
            target = Fraction(int(target))
        quantum, mode = quanta[e.plan]
        assert p.multiplier is not None
        expected = exact_units(target * p.proration * p.multiplier, quantum, mode) * quantum
        assert p.bonus == expected, (e.employee_id, e.plan, p.bonus, expected)


def test_sensitivity_refuses_what_it_cannot_differentiate(tmp_path: Path) -> None:
    from pmrules.sensitivity import sensitivity

    ws = write(tmp_path, f"""  - id: p
    components: [corporate, unit]
    combine: corporate * unit
    curve: {CURVE}
""", "A,A,div,p,100000,0.1,,,\n")
    opened = open_workspace(ws, get_plugin_manager(entry_points=False))
    with pytest.raises(PmrulesError, match="sensitivity cannot yet differentiate plan 'p'"):
        sensitivity(opened.workspace, opened.catalog, "A")


# --- item 6: target as an amount ----------------------------------------------------------------------

def test_target_bonus_column_without_a_percentage_column(tmp_path: Path) -> None:
    header = "employee_id,name,center,plan,base_salary,target_bonus,individual_rating\n"
    plans = f"""  - id: p
    components: {{corporate: 0.5, unit: 0.5}}
    curve: {CURVE}
"""
    run = pay(write(tmp_path, plans, "A,A,div,p,300000,123456.78,\n", header=header))
    # 123,456.78 x (0.6 + 0.375) = 120,370.3605 -> 120,370.36
    assert bonuses(run) == {"A": Decimal("120370.36")}
    assert run.at(0).employee.target_bonus == Decimal("123456.78") and run.at(0).employee.target_bonus_pct is None


def test_schema_documents_the_new_plan_keys() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    schema = json.loads(result.stdout)
    plan = schema["$defs"]["Plan"]["properties"]
    assert {"rounding", "rounding_steps", "individual_factor"} <= set(plan)
    assert set(schema["$defs"]["RoundingSteps"]["properties"]) == {
        "line_factor", "component_score", "team_factor", "multiplier", "target_amount"}
    assert "formula over the component names" in plan["combine"]["description"]
    assert any(branch.get("type") == "array" for branch in plan["components"]["anyOf"])


def test_an_individual_factor_counts_as_an_individual_score_for_the_audit() -> None:
    from pmrules.audit import resolve_rulesets, run_audit

    opened = open_workspace(WORKSPACES / "team-x-individual", get_plugin_manager(entry_points=False))
    ws = opened.workspace
    findings = run_audit(ws, opened.catalog, resolve_rulesets(ws, opened.catalog)).findings
    assert findings == []  # E4 and E6 give a factor and no rating: not "individual-score-missing"


# --- together with levels and score gates (issue 13, items 2 and 8) ----------------------------------

def _with_levels(directory: Path) -> Path:
    """The same workspace, with corp at level company and div at level division."""
    path = directory / "pmrules.yaml"
    text = path.read_text().replace("centers:\n", "levels: [company, division]\ncenters:\n", 1)
    text = text.replace("type: investment}", "type: investment, level: company}")
    text = text.replace("parent: corp}", "parent: corp, level: division}")
    path.write_text(text)
    return directory


def test_a_formula_reads_a_level_component_by_name(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: [division, corporate, individual]
    combine: (0.75*division + 0.25*corporate) * individual
    curve: {CURVE}
    individual_ratings: {{meets: 1.0, exceeds: 1.25}}
"""
    run = pay(_with_levels(write(tmp_path, plans, "A,A,div,p,100000,0.2,,,exceeds\n")))
    # (0.75 x 0.75 + 0.25 x 1.2) x 1.25 = 0.8625 x 1.25 = 1.078125; 20,000 x 1.078125
    assert run.at(0).scores["division"] == Fraction("0.75")
    assert bonuses(run) == {"A": Decimal("21562.50")}


def test_an_unknown_name_in_a_plain_component_list_is_refused(tmp_path: Path) -> None:
    plans = f"""  - id: p
    components: [divison, corporate]
    combine: multiply
    curve: {CURVE}
"""
    with pytest.raises(PmrulesError, match="unknown component 'divison'"):
        pay(_with_levels(write(tmp_path, plans, "A,A,div,p,100000,0.2,,,\n")))


@pytest.mark.parametrize(("hurdle", "paid"), [("0.861", False), ("0.86", True)])
def test_the_total_hurdle_sees_the_formula_with_the_rounded_team_factor(tmp_path: Path, hurdle: str,
                                                                         paid: bool) -> None:
    plans = f"""  - id: p
    components: [corporate, unit, individual]
    combine: (0.25*corporate + 0.75*unit) * individual
    curve: {CURVE}
    gates: [{{score: total, min: {hurdle}}}]
    individual_ratings: {{meets: 1.0}}
    rounding_steps: {{team_factor: {{quantum: "0.01", mode: down}}}}
"""
    run = pay(write(tmp_path, plans, "A,A,div,p,100000,0.1,,,meets\n"))
    # team factor 0.25 x 1.2 + 0.75 x 0.75 = 0.8625, rounded down to 0.86; x 1.0 = 0.86 is what the hurdle sees
    assert run.at(0).combined == Fraction("0.86")
    assert bonuses(run) == {"A": Decimal("8600.00") if paid else Decimal("0.00")}
