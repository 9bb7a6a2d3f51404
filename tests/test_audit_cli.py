"""`pmrules audit` and `pmrules rules` as users run them: exit codes, stdout, stderr, files."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pmrules.cli import cli
from pmrules.testing import minimal_manifest, write_workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"
MANAGER = {"employee_id": "E1", "name": "Ada Boss", "center": "corp", "plan": "staff",
           "base_salary": "200000.00", "target_bonus_pct": "0.20"}
NO_PLUGINS = {"PMRULES_LOAD_PLUGINS": ""}  # third-party plugins installed here must not change results
FINDING_KEYS = {"rule", "severity", "subject", "message", "location", "rationale"}


EXAMPLE_PLUGINS = {"PMRULES_LOAD_PLUGINS": "banking"}  # the example needs exactly the bundled banking plugin


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    if env is None:
        env = EXAMPLE_PLUGINS if EXAMPLE in [Path(str(a)) for a in args] else NO_PLUGINS
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def workspace(directory: Path, **changes: Any) -> Path:
    return write_workspace(directory, minimal_manifest(**changes), employees=[MANAGER])


def with_error(directory: Path) -> Path:
    """roi on a profit centre: one controllability error (plus nothing else of severity error)."""
    return workspace(
        directory,
        centers=[{"id": "corp", "name": "Corp", "type": "investment", "manager": "E1"},
                 {"id": "north", "name": "North", "type": "profit", "parent": "corp"}],
        scorecards=[
            {"owner": "corp", "kpis": [{"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9,
                                        "maximum": 1.0, "supports": "strategy:retain"}]},
            {"owner": "north", "kpis": [{"kpi": "roi", "weight": 0.5, "threshold": 0.1, "target": 0.12,
                                         "maximum": 0.15, "supports": "retention_rate"},
                                        {"kpi": "csat", "weight": 0.5, "threshold": 0.8, "target": 0.85,
                                         "maximum": 0.9, "supports": "retention_rate"}]},
        ],
    )


def with_warning(directory: Path) -> Path:
    """An objective no line supports: one warning, no errors."""
    strategy = minimal_manifest()["strategy"]
    strategy["objectives"].append({"id": "grow", "statement": "Grow the franchise"})
    return workspace(directory, strategy=strategy)


def bad_ruleset_name(directory: Path) -> Path:
    return workspace(directory, rulesets=["controllability", "alignmnet"])


# --- audit: exit codes ----------------------------------------------------------------------------

def test_example_workspace_is_clean_and_exits_0() -> None:
    result = run("audit", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "Audit: no findings." in result.stdout
    assert "controllability, alignment, compensation, banking, northwind-local" in result.stdout
    assert result.stderr == ""


def test_example_workspace_json_has_no_findings_even_with_fail_on_warning() -> None:
    result = run("audit", EXAMPLE, "--format", "json", "--fail-on", "warning")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["findings"] == []
    assert document["counts"] == {"error": 0, "warning": 0, "info": 0}
    assert [r["name"] for r in document["rulesets"]] == ["controllability", "alignment", "compensation", "banking",
                                                         "northwind-local"]


def test_error_finding_exits_1_and_the_table_names_rule_subject_and_location(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # as users run it; a short path keeps table cells unfolded
    with_error(tmp_path / "ws")
    result = run("audit", "ws")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "Audit: 1 error(s), 0 warning(s), 0 info" in out
    assert "controllability.profit-centre-investment-kpi" in out
    assert "north / roi" in out
    assert re.search(r"│ ws/pmrules\.yaml:\d+ +│", out), out


def test_warnings_only_exit_0_by_default_and_1_with_fail_on_warning(tmp_path: Path) -> None:
    ws = with_warning(tmp_path / "ws")
    default = run("audit", ws)
    assert default.exit_code == 0, default.output
    assert "alignment.objective-unsupported" in default.stdout
    strict = run("audit", ws, "--fail-on", "warning")
    assert strict.exit_code == 1, strict.output
    assert run("audit", ws, "--fail-on", "error").exit_code == 0


def test_fail_on_warning_also_fails_on_errors(tmp_path: Path) -> None:
    assert run("audit", with_error(tmp_path / "ws"), "--fail-on", "warning").exit_code == 1


def test_fail_on_rejects_other_levels(tmp_path: Path) -> None:
    result = run("audit", with_warning(tmp_path / "ws"), "--fail-on", "info")
    assert result.exit_code == 2
    assert "--fail-on" in result.stderr


# --- audit: machine output ------------------------------------------------------------------------

def test_json_stdout_is_nothing_but_json(tmp_path: Path) -> None:
    result = run("audit", with_error(tmp_path / "ws"), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)  # raises if anything but JSON is on stdout
    assert result.stdout.lstrip().startswith("{") and result.stdout.rstrip().endswith("}")
    findings = document["findings"]
    assert [f["rule"] for f in findings] == ["controllability.profit-centre-investment-kpi"]
    for f in findings:
        assert FINDING_KEYS <= set(f)
        assert all(isinstance(f[k], str) and f[k] for k in FINDING_KEYS)
        assert f["severity"] in ("error", "warning", "info")
        assert re.search(r"pmrules\.yaml:\d+$", f["location"])
    assert findings[0]["subject"] == "north / roi"
    assert "north (profit centre)" in findings[0]["message"] and "invested_capital" in findings[0]["message"]


def test_output_writes_the_file_atomically_and_keeps_stdout_empty(tmp_path: Path) -> None:
    ws = with_error(tmp_path / "ws")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "audit.json"
    target.write_text("stale")
    result = run("audit", ws, "--format", "json", "--output", target)
    assert result.exit_code == 1
    assert result.stdout == ""
    document = json.loads(target.read_text())
    assert document["findings"][0]["rule"] == "controllability.profit-centre-investment-kpi"
    assert sorted(p.name for p in out_dir.iterdir()) == ["audit.json"]  # no temp file left behind
    same = run("audit", ws, "--format", "json")
    assert json.loads(same.stdout)["findings"] == document["findings"]


def test_output_table_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "audit.txt"
    result = run("audit", EXAMPLE, "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert "Audit: no findings." in target.read_text()


def test_output_may_not_overwrite_an_input_file(tmp_path: Path) -> None:
    ws = with_error(tmp_path / "ws")
    before = (ws / "employees.csv").read_text()
    result = run("audit", ws, "--format", "json", "--output", ws / "employees.csv")
    assert result.exit_code == 2
    assert "would overwrite the input file" in result.stderr
    assert (ws / "employees.csv").read_text() == before


# --- audit: invalid input -------------------------------------------------------------------------

def test_invalid_input_exits_2_with_file_line_and_writes_nothing(tmp_path: Path) -> None:
    ws = bad_ruleset_name(tmp_path / "ws")
    target = tmp_path / "audit.json"
    result = run("audit", ws, "--format", "json", "--output", target)
    assert result.exit_code == 2, result.output
    assert re.search(r"^error: .*pmrules\.yaml:\d+: unknown rule set 'alignmnet' \(did you mean 'alignment'\?\)$",
                     result.stderr, flags=re.M), result.stderr
    assert result.stdout == ""
    assert not target.exists()


def test_invalid_input_leaves_an_existing_output_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "audit.json"
    target.write_text("previous run")
    result = run("audit", bad_ruleset_name(tmp_path / "ws"), "--output", target)
    assert result.exit_code == 2
    assert target.read_text() == "previous run"


def test_bad_rule_set_file_exits_2_with_its_file_line(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws", rulesets=["rulesets/house.yaml"])
    (ws / "rulesets").mkdir()
    (ws / "rulesets" / "house.yaml").write_text(textwrap.dedent("""\
        ruleset: house
        rules:
          - id: house.typo
            title: typo
            severity: warning
            fact: line
            when: {wieght: {gt: 0.5}}
            message: "{owner}"
        """))
    result = run("audit", ws, "--format", "json")
    assert result.exit_code == 2
    assert re.search(r"house\.yaml:3: rule 'house\.typo': unknown field 'wieght' of fact 'line' "
                     r"\(did you mean 'weight'\?\)", result.stderr), result.stderr
    assert result.stdout == ""


def test_missing_directory_exits_2() -> None:
    result = run("audit", "/nonexistent/workspace")
    assert result.exit_code == 2


# --- rules ----------------------------------------------------------------------------------------

def _builtin_ids() -> list[str]:
    ids = []
    for path in sorted((REPO / "rulesets").glob("*.yaml")):
        ids += re.findall(r"^  - id: (\S+)$", path.read_text(), flags=re.M)
    return ids


def test_rules_lists_every_built_in_rule() -> None:
    result = run("rules")
    assert result.exit_code == 0, result.output
    ids = _builtin_ids()
    assert len(ids) >= 24
    for rule_id in ids:
        assert rule_id in result.stdout


def test_rules_json_lists_every_built_in_rule_with_its_source() -> None:
    result = run("rules", "--format", "json")
    assert result.exit_code == 0
    records = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    assert set(_builtin_ids()) <= set(records)
    for rule_id in _builtin_ids():
        assert records[rule_id]["location"].rsplit(":", 1)[0].endswith(".yaml")


def test_rules_for_the_example_include_the_local_rule_with_its_source() -> None:
    table = run("rules", EXAMPLE)
    assert table.exit_code == 0, table.output
    row = next(line for line in table.stdout.splitlines() if "northwind.branch-needs-activity-kpi" in line)
    assert "northwind-local" in row and "workspace" in row and "warning" in row
    records = {r["id"]: r for r in json.loads(run("rules", EXAMPLE, "--format", "json").stdout)["rules"]}
    local = records["northwind.branch-needs-activity-kpi"]
    assert local["source"] == "workspace" and local["ruleset"] == "northwind-local"
    assert re.search(r"rulesets/local\.yaml:\d+$", local["location"])
    # the example lists its rule sets: every built-in one but integrity, reconciliation, manual-changes and discretion
    selected = {i for i in _builtin_ids()
                if not i.startswith(("integrity.", "reconciliation.", "manual-changes.", "discretion."))}
    assert selected <= set(records) and not any(i.startswith("integrity.") for i in records)


def test_rules_for_a_workspace_shows_overrides(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws", rulesets=["alignment", "rulesets/committee.yaml"])
    (ws / "rulesets").mkdir()
    (ws / "rulesets" / "committee.yaml").write_text(
        "ruleset: committee\noverrides:\n  - {rule: alignment.too-many-lines, enabled: false, reason: pilot}\n")
    result = run("rules", ws, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    record = next(r for r in document["rules"] if r["id"] == "alignment.too-many-lines")
    assert record["enabled"] is False
    assert any("switched off" in o and "(pilot)" in o for o in document["overrides"])
    table = run("rules", ws)
    row = next(line for line in table.stdout.splitlines() if "alignment.too-many-lines" in line)
    assert " off " in row


@pytest.mark.parametrize("command", ["audit", "rules"])
def test_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--format" in result.stdout


def test_output_may_not_overwrite_a_rule_set_file_of_the_workspace(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws", rulesets=["alignment", "rulesets/house.yaml"])
    (ws / "rulesets").mkdir()
    house = ws / "rulesets" / "house.yaml"
    house.write_text("ruleset: house\nrules: []\n")
    result = run("audit", ws, "--output", house)
    assert house.read_text() == "ruleset: house\nrules: []\n"
    assert result.exit_code == 2
    assert "would overwrite the input file" in result.stderr
