"""The audit as a whole: rule-set selection, overrides, errors with file:line, order, repeatability, docs."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pmrules.api import open_workspace
from pmrules.audit import FACT_SCHEMA, AuditResult, run_audit
from pmrules.audit.run import SEVERITY_ORDER
from pmrules.errors import ErrorGroup, InputError, PmrulesError, RuleError
from pmrules.testing import minimal_manifest, write_workspace

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "rules.md"
EXAMPLE = REPO / "examples" / "northwind-bank"
MANAGER = {"employee_id": "E1", "name": "Ada Boss", "center": "corp", "plan": "staff",
           "base_salary": "200000.00", "target_bonus_pct": "0.20"}
LOCATION = re.compile(r"^.+\.(yaml|csv):\d+$")


def messy_manifest(rulesets: list[str] | None = None) -> dict[str, Any]:
    """A workspace with errors and warnings on several subjects (roi on a profit centre, ...)."""
    return minimal_manifest(
        rulesets=rulesets if rulesets is not None else ["controllability", "alignment", "compensation"],
        centers=[{"id": "corp", "name": "Corp", "type": "investment", "manager": "E1"},
                 {"id": "north", "name": "North", "type": "profit", "parent": "corp"},
                 {"id": "hr", "name": "People", "type": "cost", "parent": "corp"}],
        scorecards=[
            {"owner": "corp", "kpis": [{"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9,
                                        "maximum": 1.0, "supports": "strategy:retain"}]},
            {"owner": "north", "kpis": [{"kpi": "roi", "weight": 0.5, "threshold": 0.1, "target": 0.12,
                                         "maximum": 0.15, "supports": "retention_rate"},
                                        {"kpi": "csat", "weight": 0.4, "threshold": 0.8, "target": 0.85,
                                         "maximum": 0.9}]},
            {"owner": "hr", "kpis": [{"kpi": "operating_margin", "weight": 1.0, "threshold": 0.2}]},
        ],
        plans=[{"id": "staff", "components": {"corporate": 0.6, "unit": 0.4},
                "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}, "cap": 0.8}],
    )


STAFF = [MANAGER, {"employee_id": "E2", "name": "Bo Clerk", "center": "north", "plan": "staff",
                   "base_salary": "50000.00", "target_bonus_pct": "0.10"}]


def messy(directory: Path, rulesets: list[str] | None = None, files: dict[str, str] | None = None) -> Path:
    write_workspace(directory, messy_manifest(rulesets), employees=STAFF)
    for name, text in (files or {}).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


def audit(directory: Path, pm: Any) -> AuditResult:
    opened = open_workspace(directory, pm=pm)
    return run_audit(opened.workspace, opened.catalog)


def rules_of(result: AuditResult) -> set[str]:
    return {f.rule for f in result.findings}


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


PROFIT_ROI = "controllability.profit-centre-investment-kpi"


# --- the messy workspace itself -------------------------------------------------------------------

def test_messy_workspace_has_errors_and_warnings(tmp_path: Path, pm: Any) -> None:
    result = audit(messy(tmp_path / "ws"), pm)
    assert {PROFIT_ROI, "controllability.cost-centre-revenue-kpi", "alignment.targets-missing",
            "alignment.weights-not-one", "alignment.missing-supports", "compensation.corporate-over-unit",
            "compensation.cap-below-target"} <= rules_of(result)
    assert result.counts["error"] == len(result.errors) > 0
    assert result.counts["warning"] > 0
    assert sum(result.counts.values()) == len(result.findings)


def test_findings_are_sorted_by_severity_then_subject(tmp_path: Path, pm: Any) -> None:
    findings = audit(messy(tmp_path / "ws"), pm).findings
    keys = [(SEVERITY_ORDER[f.severity], f.subject) for f in findings]
    assert keys == sorted(keys)
    assert len({f.severity for f in findings}) >= 2
    assert len({f.subject for f in findings if f.severity == "error"}) >= 2


def test_every_finding_has_a_file_line_location_pointing_at_the_item(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws")
    findings = audit(ws, pm).findings
    assert findings
    for f in findings:
        assert LOCATION.match(f.location), f.location
    roi = next(f for f in findings if f.rule == PROFIT_ROI)
    file, line = roi.location.rsplit(":", 1)
    assert Path(file) == ws / "pmrules.yaml"
    lines = (ws / "pmrules.yaml").read_text().splitlines()
    assert lines[int(line) - 1].strip() == "- kpi: roi"  # the offending scorecard line itself
    clerk = next(f for f in findings if f.rule == "compensation.corporate-over-unit")
    assert clerk.location == f"{ws / 'employees.csv'}:3"


def test_two_audits_in_one_process_give_identical_results(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws")
    first = audit(ws, pm).document()
    second = audit(ws, pm).document()
    assert first == second
    assert first["findings"]


def test_the_example_twice_and_the_messy_workspace_between_do_not_leak(tmp_path: Path, pm: Any) -> None:
    # deferred engine actions must never spill from one evaluation into the next
    before = audit(EXAMPLE, None).document()
    audit(messy(tmp_path / "ws"), pm)
    after = audit(EXAMPLE, None).document()
    assert before["findings"] == after["findings"] == []


def test_document_shape(tmp_path: Path, pm: Any) -> None:
    doc = audit(messy(tmp_path / "ws"), pm).document()
    assert set(doc) >= {"findings", "counts", "rulesets", "rules_in_force", "overrides"}
    assert [r["name"] for r in doc["rulesets"]] == ["controllability", "alignment", "compensation"]
    for f in doc["findings"]:
        assert set(f) >= {"rule", "severity", "subject", "message", "location", "rationale"}
        assert f["severity"] in ("error", "warning", "info")


# --- rule-set selection ---------------------------------------------------------------------------

def test_only_the_listed_rule_sets_run(tmp_path: Path, pm: Any) -> None:
    result = audit(messy(tmp_path / "ws", rulesets=["controllability"]), pm)
    assert rules_of(result) and all(r.startswith("controllability.") for r in rules_of(result))
    assert [r.name for r in result.rulesets] == ["controllability"]


def test_empty_rulesets_list_runs_nothing(tmp_path: Path, pm: Any) -> None:
    result = audit(messy(tmp_path / "ws", rulesets=[]), pm)
    assert result.findings == [] and result.rulesets == []


ADDED_RULE = """\
    ruleset: house
    rules:
      - id: house.small-scorecard
        title: Scorecard with fewer than two lines
        severity: info
        rationale: One measure invites gaming.
        fact: scorecard
        when:
          all:
            - lines: {lt: 2}
            - owner_kind: {eq: center}
        message: "the scorecard of {owner} has {lines} line(s)"
    """


def test_a_workspace_rule_set_adds_a_rule(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["alignment", "rulesets/house.yaml"],
               files={"rulesets/house.yaml": ADDED_RULE})
    result = audit(ws, pm)
    added = [f for f in result.findings if f.rule == "house.small-scorecard"]
    assert sorted(f.subject for f in added) == ["corp", "hr"]
    assert {f.severity for f in added} == {"info"}
    assert added[0].message == "the scorecard of corp has 1 line(s)"
    assert added[0].ruleset == "house" and added[0].rationale == "One measure invites gaming."
    assert [r.name for r in result.rulesets] == ["alignment", "house"]


def test_without_a_rulesets_key_every_registered_and_local_rule_set_runs(tmp_path: Path, pm: Any) -> None:
    manifest = messy_manifest()
    del manifest["rulesets"]
    write_workspace(tmp_path / "ws", manifest, employees=STAFF)
    (tmp_path / "ws" / "rulesets").mkdir()
    (tmp_path / "ws" / "rulesets" / "house.yaml").write_text(textwrap.dedent(ADDED_RULE))
    result = audit(tmp_path / "ws", pm)
    assert [r.name for r in result.rulesets] == ["alignment", "compensation", "controllability", "discretion", "integrity",
                                                    "manual-changes", "reconciliation", "house"]
    assert "house.small-scorecard" in rules_of(result)


def test_unknown_rule_set_name_is_input_error_with_did_you_mean(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["controllability", "alignmnet"])
    with pytest.raises(InputError) as info:
        audit(ws, pm)
    text = str(info.value)
    assert "unknown rule set 'alignmnet'" in text
    assert "did you mean 'alignment'?" in text
    assert re.search(r"pmrules\.yaml:\d+: ", text), text
    assert info.value.location is not None and info.value.location.line == line_of(ws / "pmrules.yaml", "alignmnet")


def test_missing_rule_set_file_is_input_error(tmp_path: Path, pm: Any) -> None:
    with pytest.raises(InputError, match=r"pmrules\.yaml:\d+: rule set file 'rulesets/nope.yaml' not found"):
        audit(messy(tmp_path / "ws", rulesets=["rulesets/nope.yaml"]), pm)


def test_rule_set_path_outside_the_workspace_is_refused(tmp_path: Path, pm: Any) -> None:
    (tmp_path / "evil.yaml").write_text(textwrap.dedent(ADDED_RULE))
    with pytest.raises(InputError, match="must be inside the workspace"):
        audit(messy(tmp_path / "ws", rulesets=["../evil.yaml"]), pm)


UNKNOWN_FIELD = """\
    ruleset: house
    rules:
      - id: house.fine
        title: fine
        severity: info
        fact: line
        when: {weight: {gt: 0.5}}
        message: "{owner}"
      - id: house.typo
        title: typo
        severity: warning
        fact: line
        when:
          all:
            - owner_centre_type: {eq: profit}
        message: "{owner}"
    """


def test_rule_set_with_an_unknown_fact_field_is_an_error_with_file_line(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["rulesets/house.yaml"], files={"rulesets/house.yaml": UNKNOWN_FIELD})
    with pytest.raises(RuleError) as info:
        audit(ws, pm)
    error = info.value
    assert "unknown field 'owner_centre_type' of fact 'line'" in error.message
    assert error.hint == "did you mean 'owner_center_type'?"
    assert error.location is not None
    assert Path(error.location.file) == ws / "rulesets" / "house.yaml"
    assert error.location.line == line_of(ws / "rulesets" / "house.yaml", "id: house.typo")


def test_rule_set_errors_are_all_reported_at_once(tmp_path: Path, pm: Any) -> None:
    text = UNKNOWN_FIELD.replace("fact: line\n        when: {weight", "fact: lien\n        when: {weight")
    ws = messy(tmp_path / "ws", rulesets=["rulesets/house.yaml", "nosuch"], files={"rulesets/house.yaml": text})
    with pytest.raises(ErrorGroup) as info:
        audit(ws, pm)
    lines = info.value.lines()
    assert any("unknown fact kind 'lien'" in line and "did you mean 'line'?" in line for line in lines), lines
    assert any("owner_centre_type" in line for line in lines), lines
    assert any("unknown rule set 'nosuch'" in line for line in lines), lines
    assert all(re.match(r"^.+\.yaml:\d+: ", line) for line in lines), lines


def test_a_workspace_rule_reusing_a_built_in_id_is_refused(tmp_path: Path, pm: Any) -> None:
    clash = ADDED_RULE.replace("house.small-scorecard", "alignment.too-many-lines")
    ws = messy(tmp_path / "ws", rulesets=["alignment", "rulesets/house.yaml"], files={"rulesets/house.yaml": clash})
    with pytest.raises(RuleError, match="rule id 'alignment.too-many-lines' is defined twice"):
        audit(ws, pm)


# --- overrides ------------------------------------------------------------------------------------

OVERRIDES = """\
    # the committee's decisions for FY2026
    ruleset: committee
    overrides:
      - rule: controllability.profit-centre-investment-kpi
        enabled: false
        reason: "pilot year: North is measured on ROI on purpose"
      - rule: alignment.targets-missing
        severity: warning
        reason: targets for People are set in March
    """


def test_override_switches_a_built_in_rule_off_and_is_on_the_record(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["controllability", "alignment", "compensation", "rulesets/committee.yaml"],
               files={"rulesets/committee.yaml": OVERRIDES})
    before = audit(messy(tmp_path / "plain"), pm)
    assert PROFIT_ROI in rules_of(before)
    result = audit(ws, pm)
    assert PROFIT_ROI not in rules_of(result)
    assert "controllability.cost-centre-revenue-kpi" in rules_of(result)  # only that rule is off
    assert PROFIT_ROI not in {r.id for r in result.rules.active}
    record = next(o for o in result.document()["overrides"] if o["rule"] == PROFIT_ROI)
    assert record["changes"] == {"enabled": [True, False]}
    assert record["reason"] == "pilot year: North is measured on ROI on purpose"
    committee = ws / "rulesets" / "committee.yaml"
    assert record["location"] == f"{committee}:{line_of(committee, 'rule: controllability')}"
    assert "switched off" in record["description"] and record["reason"] in record["description"]


def test_override_changes_a_rule_severity(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["controllability", "alignment", "compensation", "rulesets/committee.yaml"],
               files={"rulesets/committee.yaml": OVERRIDES})
    before = [f for f in audit(messy(tmp_path / "plain"), pm).findings if f.rule == "alignment.targets-missing"]
    after = [f for f in audit(ws, pm).findings if f.rule == "alignment.targets-missing"]
    assert [f.severity for f in before] == ["error"]
    assert [f.severity for f in after] == ["warning"]
    assert [f.subject for f in after] == [f.subject for f in before]
    record = next(o for o in audit(ws, pm).document()["overrides"] if o["rule"] == "alignment.targets-missing")
    assert record["changes"] == {"severity": ["error", "warning"]}
    assert record["reason"] == "targets for People are set in March"
    assert LOCATION.match(record["location"])


def test_override_of_an_unknown_rule_is_an_error_with_did_you_mean(tmp_path: Path, pm: Any) -> None:
    text = OVERRIDES.replace("rule: alignment.targets-missing", "rule: alignment.target-missing")
    ws = messy(tmp_path / "ws", rulesets=["controllability", "alignment", "rulesets/committee.yaml"],
               files={"rulesets/committee.yaml": text})
    with pytest.raises(RuleError) as info:
        audit(ws, pm)
    assert "override names unknown rule 'alignment.target-missing'" in str(info.value)
    assert "did you mean 'alignment.targets-missing'?" in str(info.value)
    assert re.search(r"committee\.yaml:\d+: ", str(info.value))


def test_override_of_a_rule_set_that_is_not_selected_is_an_error(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["alignment", "rulesets/committee.yaml"],
               files={"rulesets/committee.yaml": OVERRIDES})
    with pytest.raises(RuleError, match="unknown rule 'controllability.profit-centre-investment-kpi'"):
        audit(ws, pm)


def test_override_that_changes_nothing_is_an_error(tmp_path: Path, pm: Any) -> None:
    text = "ruleset: committee\noverrides:\n  - {rule: alignment.too-many-lines, reason: why not}\n"
    ws = messy(tmp_path / "ws", rulesets=["alignment", "rulesets/committee.yaml"],
               files={"rulesets/committee.yaml": text})
    with pytest.raises(RuleError, match=r"committee\.yaml:3: override of 'alignment.too-many-lines' changes nothing"):
        audit(ws, pm)


# --- docs/rules.md cannot drift from the code -----------------------------------------------------

def _docs() -> str:
    return DOCS.read_text(encoding="utf-8")


def _fact_tables(text: str) -> dict[str, dict[str, str]]:
    """kind -> field -> type, from the `### <kind>` sections' `| `field` | type | ... |` rows."""
    reference = text.split("## Fact reference", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, str]] = {}
    for section in re.split(r"^### ", reference, flags=re.M)[1:]:
        kind = re.match(r"`?(\w+)`?", section).group(1)  # type: ignore[union-attr]
        rows = re.findall(r"^\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|", section, flags=re.M)
        tables[kind] = {name: kind_type.strip("` ") for name, kind_type in rows}
    return tables


def test_every_fact_field_is_documented_with_its_type() -> None:
    tables = _fact_tables(_docs())
    assert set(tables) == set(FACT_SCHEMA)
    for kind, fields in FACT_SCHEMA.items():
        documented = tables[kind]
        assert set(documented) == set(fields), kind
        for name, (field_type, _description) in fields.items():
            assert documented[name] == field_type, (kind, name)


def _builtin_rules() -> list[dict[str, Any]]:
    yaml = YAML(typ="safe")
    return [rule for path in sorted((REPO / "rulesets").glob("*.yaml"))
            for rule in yaml.load(path.read_text()).get("rules", [])]


def test_every_built_in_rule_is_listed_in_the_docs_with_severity_and_title() -> None:
    text = _docs()
    rules = _builtin_rules()
    assert len(rules) >= 24
    for rule in rules:
        row = re.search(rf"^\|\s*`{re.escape(rule['id'])}`\s*\|\s*(\w+)\s*\|\s*(.+?)\s*\|", text, flags=re.M)
        assert row, rule["id"]
        assert row.group(1) == rule["severity"], rule["id"]
        assert row.group(2) == rule["title"], rule["id"]


def test_every_operator_is_documented() -> None:
    from pmrules.rules import Ops

    text = _docs()
    operators = [f.alias or name for name, f in Ops.model_fields.items()]
    assert len(operators) == 12
    for op in operators:
        assert re.search(rf"^\|\s*`{op}`\s*\|", text, flags=re.M), op


def test_docs_examples_are_valid_rule_sets(tmp_path: Path) -> None:
    """Every ```yaml block with a `ruleset:` key in docs/rules.md loads against the real schema."""
    from pmrules.audit import fact_schema
    from pmrules.rules import load_ruleset

    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", _docs(), flags=re.S) if b.startswith("ruleset:")]
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(block)
        try:
            load_ruleset(path, schema=fact_schema())
        except PmrulesError as exc:  # pragma: no cover - shows which block is wrong
            pytest.fail(f"docs example {i} does not load: {exc}\n{block}")


def test_a_rule_set_listed_twice_is_one_error_at_the_manifest_line(tmp_path: Path, pm: Any) -> None:
    ws = messy(tmp_path / "ws", rulesets=["alignment", "compensation", "alignment"])
    with pytest.raises(PmrulesError) as info:
        audit(ws, pm)
    lines = info.value.lines()
    assert len(lines) == 1, lines
    assert re.search(r"pmrules\.yaml:\d+: .*'alignment'", lines[0]), lines
