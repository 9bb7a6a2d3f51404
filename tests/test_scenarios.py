"""`pmrules test`: plan scenarios that pass, fail (exit 1, expected against actual, the trail), and --init.

Every error of a scenario file (exit 2, `file:line`) is a case of the bad-input corpus
(tests/bad_inputs/scenario-*). The example's own scenarios (examples/northwind-bank/tests) carry
their hand arithmetic in comments.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmrules.cli import cli
from pmrules.payout import Period

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "northwind-bank"
BASE = Path(__file__).parent / "bad_inputs" / "_base"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """The example without its scenarios."""
    ws = tmp_path / "bank"
    shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns("tests"))
    return ws


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PMRULES_LOAD_PLUGINS", "")
    ws = tmp_path / "small"
    shutil.copytree(BASE, ws)
    (ws / "tests").mkdir()
    return ws


def write(ws: Path, text: str, name: str = "plan.yaml") -> Path:
    path = ws / "tests" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


# -- the example ---------------------------------------------------------------------------------
def test_the_example_scenarios_pass() -> None:
    result = run("test", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "7 scenario(s), 41 expectation(s): all passed" in result.stdout
    for name in ("harbor misses its margin threshold", "the ROI gate fails", "a new hire in July at Mill Road"):
        assert name in result.stdout
    assert "FAILED" not in result.stdout


def test_k_selects_scenarios_by_name() -> None:
    result = run("test", str(EXAMPLE), "-k", "GATE", "-k", "new hire")
    assert result.exit_code == 0, result.output
    assert "2 scenario(s) (5 not selected)" in result.stdout
    assert "the ROI gate fails" in result.stdout and "harbor misses" not in result.stdout


def test_k_without_a_match_is_invalid() -> None:
    result = run("test", str(EXAMPLE), "-k", "no such scenario")
    assert result.exit_code == 2
    assert "no scenario name contains 'no such scenario'" in result.stderr


def test_json_summary() -> None:
    result = run("test", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["passed"] is True
    assert document["summary"]["scenarios"] == 7 and document["summary"]["expectations"] == 41
    gate = next(s for s in document["scenarios"] if s["name"] == "the ROI gate fails")
    assert gate["changes"] == [{"entity": "corp", "input": "operating_costs", "before": "289000000",
                                "after": "340000000"}]
    e040 = next(c for c in gate["checks"] if c["subject"] == "E040")
    assert e040 == {"kind": "bonus", "subject": "E040", "expected": "10193.98", "actual": "10193.98", "passed": True,
                    "location": e040["location"]}
    assert e040["location"].endswith("tests/results.yaml:45")


def test_scenarios_change_nothing_on_disk() -> None:
    before = {p: p.read_bytes() for p in EXAMPLE.rglob("*") if p.is_file()}
    run("test", str(EXAMPLE))
    assert {p: p.read_bytes() for p in EXAMPLE.rglob("*") if p.is_file()} == before


# -- failures ------------------------------------------------------------------------------------
FAILING = """\
scenarios:
  - name: ops ships more
    set: {ops.units_out: 300}
    expect:
      bonuses: {E2: "9999.99", E3: "1.00"}
      multipliers: {E2: "1.5"}
      line_factors:
        ops: {throughput: 1.5}
  - name: nothing changes
    expect:
      findings:
        - {rule: compensation.individual-score-missing}
"""


def test_a_failing_scenario_shows_expected_actual_and_the_trail(small: Path) -> None:
    write(small, FAILING)
    result = run("test", str(small))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "FAILED: ops ships more" in out and "FAILED: nothing changes" in out
    # 300 units: throughput 1 + (300 - 200) / (400 - 200) = 1.5; E2: 0.2 x corp + 0.6 x ops + 0.2 x 1.0
    assert "tests/plan.yaml:5" in out and "9999.99" in out
    assert "ops / throughput" not in out  # 1 + 0.5 x (300 - 200) / (400 - 200) = 1.5, as expected: not a failure
    assert "--- E2 in 'ops ships more': the trail behind the actual figures" in out
    assert "units_out = 300 (" in out and "tests/plan.yaml:3)" in out  # the changed value names the scenario line
    assert "multiplier:" in out and "rounded once to 0.01" in out
    assert "absent" not in out and "no finding" in out
    assert "2 scenario(s), 5 expectation(s): 2 FAILED" in out


def test_failures_in_json_carry_the_trail(small: Path) -> None:
    write(small, FAILING)
    result = run("test", str(small), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    first = document["scenarios"][0]
    assert first["passed"] is False
    assert set(first["explain"]) == {"E2", "E3"}
    assert first["explain"]["E2"]["employee_id"] == "E2"
    bonus = next(c for c in first["checks"] if c["subject"] == "E2" and c["kind"] == "bonus")
    assert bonus["passed"] is False and bonus["expected"] == "9999.99"


def test_money_is_exact_and_factors_take_a_tolerance(small: Path) -> None:
    # ops: throughput 180 -> 0.5 + 0.5 x 80/100 = 0.9, lateness 25 -> 1 + (30 - 25)/(30 - 10) = 1.25;
    # ops score 0.6 x 0.9 + 0.4 x 1.25 = 1.04. corp: margin 0.18 -> 0.9, throughput 250 -> 1.25; 1.075.
    # E3 (rating 2, score 0.5): 0.2 x 1.075 + 0.6 x 1.04 + 0.2 x 0.5 = 0.939;
    # 50000 x 0.10 x 273/365 days x 0.939 = 3511.6027... -> 3511.60
    write(small, """\
scenarios:
  - name: exact
    expect:
      bonuses: {E3: "3511.60"}
      multipliers: {E3: "939/1000"}
      line_factors: {ops: {throughput: 0.9, lateness: "1.25"}}
  - name: one cent off
    expect:
      bonuses: {E3: "3511.61"}
  - name: within tolerance
    expect:
      multipliers: {E3: "0.9390001"}
      tolerance: "0.000001"
  - name: outside tolerance
    expect:
      multipliers: {E3: "0.9391"}
      tolerance: "0.00001"
""")
    result = run("test", str(small), "--format", "json")
    passed = {s["name"]: s["passed"] for s in json.loads(result.stdout)["scenarios"]}
    assert passed == {"exact": True, "one cent off": False, "within tolerance": True, "outside tolerance": False}
    assert result.exit_code == 1


def test_unpaid_is_an_expectation_with_its_reason(small: Path) -> None:
    write(small, """\
scenarios:
  - name: no rating
    ratings: {E3: null}
    expect:
      bonuses: {E3: "0.00"}
""")
    result = run("test", str(small))
    assert result.exit_code == 1
    assert "unpaid" in result.stdout and "no individual_rating" in result.stdout
    write(small, """\
scenarios:
  - name: no rating
    ratings: {E3: null}
    expect:
      bonuses: {E3: unpaid}
      findings:
        - {rule: compensation.individual-score-missing, severity: error, subject: E3}
""")
    assert run("test", str(small)).exit_code == 0


def test_employees_added_changed_and_removed(small: Path) -> None:
    # E9 joins ops on 2026-07-01 with rating 3 (score 1): 0.2 x 1.075 + 0.6 x 1.04 + 0.2 x 1 = 1.039;
    # 40000 x 0.10 x 184/365 x 1.039 = 2095.0794... -> 2095.08.
    # E3 earns 60000 (was 50000): 60000 x 0.10 x 273/365 x 0.939 = 4213.9232... -> 4213.92
    write(small, """\
scenarios:
  - name: people move
    employees:
      add:
        - {employee_id: E9, name: New Hire, center: ops, plan: staff, base_salary: 40000, target_bonus_pct: 0.1,
           start_date: 2026-07-01, individual_rating: 3}
      change:
        E3: {base_salary: "60000"}
    expect:
      bonuses: {E9: "2095.08", E3: "4213.92"}
""")
    result = run("test", str(small))
    assert result.exit_code == 0, result.output


# -- --init --------------------------------------------------------------------------------------
def test_init_round_trip_then_a_plan_change_names_who_moved(bank: Path) -> None:
    first = run("test", str(bank), "--init")
    assert first.exit_code == 0, first.output
    baseline = bank / "tests" / "baseline.yaml"
    assert '"E013": "4912.22"' in baseline.read_text()
    assert "pinned 16 bonus(es), total USD 450,075.77" in first.stderr
    assert run("test", str(bank)).exit_code == 0

    manifest = bank / "pmrules.yaml"  # branch staff: corporate 0.2 -> 0.3, unit 0.6 -> 0.5
    text = manifest.read_text()
    manifest.write_text(text.replace("components: {corporate: 0.2, unit: 0.6, individual: 0.2}",
                                     "components: {corporate: 0.3, unit: 0.5, individual: 0.2}"))
    moved = run("test", str(bank))
    assert moved.exit_code == 1
    out = moved.stdout
    assert "9 bonus(es) differ: E011, E012, E013, E014, E015, E021, E022, E030, E031" in out
    # E021 (bay, rating 5): 0.3 x 1.2 + 0.5 x 0.98 + 0.2 x 1.5 = 1.15; 16800.00 x 1.15 = 19320.00 (was 18950.40)
    assert "18950.40" in out and "19320.00" in out and "+369.60" in out
    assert "E001" not in out.split("Plan tests")[0].split("differ:")[1].split("\n")[0]


def test_init_refuses_to_overwrite_without_force(bank: Path) -> None:
    assert run("test", str(bank), "--init").exit_code == 0
    baseline = bank / "tests" / "baseline.yaml"
    baseline.write_text("# mine\n")
    refused = run("test", str(bank), "--init")
    assert refused.exit_code == 2
    assert "baseline.yaml exists already (pass --force" in refused.stderr
    assert baseline.read_text() == "# mine\n"
    assert run("test", str(bank), "--init", "--force").exit_code == 0
    assert baseline.read_text().startswith("# Pinned by")
    assert [p.name for p in baseline.parent.iterdir()] == ["baseline.yaml"]  # no temporary file left


def test_init_output_is_the_same_bytes_twice(bank: Path) -> None:
    run("test", str(bank), "--init")
    once = (bank / "tests" / "baseline.yaml").read_bytes()
    run("test", str(bank), "--init", "--force")
    assert (bank / "tests" / "baseline.yaml").read_bytes() == once


def test_init_pins_findings(small: Path) -> None:
    employees = small / "employees.csv"
    employees.write_text(employees.read_text().replace("2026-09-30,2", "2026-09-30,"))  # E3 loses the rating
    assert run("test", str(small), "--init").exit_code == 0
    text = (small / "tests" / "baseline.yaml").read_text()
    assert '"E3": "unpaid"' in text
    assert '{rule: "compensation.individual-score-missing", severity: error, subject: "E3"}' in text
    assert run("test", str(small)).exit_code == 0


def test_scenarios_option_takes_another_folder_or_one_file(small: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "one.yaml").write_text(
        "scenarios:\n  - name: unchanged\n    expect: {bonuses: {E3: \"3511.60\"}}\n")
    assert run("test", str(small), "--scenarios", str(elsewhere)).exit_code == 0
    assert run("test", str(small), "--scenarios", str(elsewhere / "one.yaml")).exit_code == 0


def test_force_without_init_is_refused(small: Path) -> None:
    result = run("test", str(small), "--force")
    assert result.exit_code == 2 and "--force only matters with --init" in result.stderr


def test_help_teaches_with_an_example() -> None:
    result = run("test", "--help")
    assert result.exit_code == 0
    for fragment in ("scenarios:", "set: {harbor.operating_costs", "employees:", "line_factors:", "findings:",
                     "--init", "-k"):
        assert fragment in result.stdout


def test_the_help_example_is_a_valid_scenario(bank: Path) -> None:
    """The scenario printed by --help runs against the example and passes (its figures are real)."""
    from pmrules.cli.test_cmds import test_cmd

    doc = test_cmd.help or ""
    block = doc[doc.index("scenarios:"):doc.index("A failure prints")]
    lines = [line[4:] if line.startswith("    ") else line for line in block.rstrip().splitlines()]
    write(bank, "\n".join(lines) + "\n")
    result = run("test", str(bank))
    assert result.exit_code == 0, result.output


def test_schema_of_scenarios() -> None:
    result = run("schema", "--scenarios")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["title"] == "pmrules plan-test scenarios (tests/*.yaml)"
    assert document["additionalProperties"] is False
    assert {"name", "set", "ratings", "employees", "expect"} <= set(document["$defs"]["Scenario"]["properties"])
    workspace = json.loads(run("schema").stdout)
    assert workspace["title"] == "pmrules workspace (pmrules.yaml), version 1"


# -- property: a scenario pays exactly what `whatif` pays with the same changes ----------------------
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=st.integers(min_value=0, max_value=600), late=st.decimals(min_value=-50, max_value=50, places=1))
def test_a_scenario_pays_what_whatif_pays(small: Path, units: int, late: object) -> None:
    from pmrules.api import open_workspace
    from pmrules.scenarios import prepare, read_scenario_files, run_scenario, scenario_paths
    from pmrules.whatif import parse_change, what_if

    path = write(small, f"""\
scenarios:
  - name: p
    set: {{ops.units_out: {units}, ops.late_days: "{late}%"}}
    expect:
      total: "0"
""")
    opened = open_workspace(small)
    ws, catalog = opened.workspace, opened.catalog
    [prepared] = prepare(ws, catalog, read_scenario_files(path.parent, scenario_paths(path.parent, path)))
    result = run_scenario(ws, catalog, prepared, Period.of(ws.manifest))
    expected = what_if(ws, catalog, [parse_change(f"ops.units_out={units}"), parse_change(f"ops.late_days={late}%")])
    assert [p.bonus for p in result.run.employees] == [p.bonus for p in expected.scenario.employees]
    assert result.run.total == expected.total_after
    assert result.checks[0].passed == (expected.total_after == 0)


GOLDEN = sorted(p for p in (Path(__file__).parent / "workspaces").iterdir() if (p / "pmrules.yaml").is_file())


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.name for p in GOLDEN])
def test_init_then_test_passes_on_every_golden_workspace(golden: Path, tmp_path: Path) -> None:
    """Whatever the plan's shape (pool, roll-up, levels, plan year, unpaid people, findings), --init pins it exactly."""
    ws = tmp_path / golden.name
    shutil.copytree(golden, ws, ignore=shutil.ignore_patterns("tests"))
    pinned = run("test", str(ws), "--init")
    assert pinned.exit_code == 0, pinned.output
    result = run("test", str(ws))
    assert result.exit_code == 0, result.output
