"""The rule-set language: every problem found at load time, with file:line and a hint."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pmrules.errors import ErrorGroup, InputError, PmrulesError, RuleError
from pmrules.rules import (
    FieldSpec,
    RuleSet,
    combine_rulesets,
    evaluate,
    load_ruleset,
    render_message,
    ruleset_json_schema,
)

SCHEMA = {
    "line": {
        "owner": FieldSpec(type="str", description="who is scored"),
        "owner_center_type": FieldSpec(type="str"),
        "financial_categories": FieldSpec(type="list[str]"),
        "kpi": FieldSpec(type="str"),
        "investment_inputs": FieldSpec(type="list[str]"),
        "weight": FieldSpec(type="number"),
        "controllable": FieldSpec(type="bool"),
    },
    "centre": {"name": FieldSpec(type="str")},
}

GOOD = """\
ruleset: controllability
description: Managers are scored only on what they control.
rules:
  - id: controllability.profit-centre-investment-kpi
    title: Profit centre scored on an investment-based KPI
    severity: error
    rationale: >
      A profit centre manager decides on revenue and cost but not on investment.
    fact: line
    when:
      all:
        - owner_center_type: {eq: profit}
        - financial_categories: {contains: investment}
    message: "{owner} ({owner_center_type} centre) is scored on {kpi}, which reads {investment_inputs}"
  - id: controllability.heavy
    title: Heavy weight
    severity: warning
    fact: line
    when: {weight: {gt: 0.5}, controllable: {eq: false}}
    message: "{owner}: weight {weight}"
"""


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PmrulesError) as info:
        load_ruleset(write(tmp_path, text), schema=SCHEMA)
    error = info.value
    return error.lines() if isinstance(error, ErrorGroup) else [str(error)]


def rule_yaml(when: str, message: str = "m", fact: str = "line", rule_id: str = "r.one") -> str:
    return (
        "ruleset: t\nrules:\n"
        f"  - id: {rule_id}\n    title: t\n    severity: info\n    fact: {fact}\n"
        f"    when: {when}\n    message: \"{message}\"\n"
    )


def test_good_ruleset_loads_with_locations(tmp_path: Path) -> None:
    ruleset = load_ruleset(write(tmp_path, GOOD), schema=SCHEMA)
    assert isinstance(ruleset, RuleSet)
    assert ruleset.name == "controllability"
    assert [str(r.location) for r in ruleset.rules] == [f"{tmp_path}/rules.yaml:4", f"{tmp_path}/rules.yaml:15"]
    assert ruleset.rules[0].source == str(tmp_path / "rules.yaml")
    facts = [
        {"id": "1", "kind": "line", "owner": "Ann", "owner_center_type": "profit",
         "financial_categories": ["investment"], "kpi": "ROI", "investment_inputs": ["capex", "assets"],
         "weight": 0.7, "controllable": False},
    ]
    matches = evaluate(ruleset.rules, facts)
    assert [m.rule_id for m in matches] == ["controllability.heavy", "controllability.profit-centre-investment-kpi"]
    text = render_message(ruleset.rules[0].message, facts[0])
    assert text == "Ann (profit centre) is scored on ROI, which reads capex, assets"


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("{owner: {eq: 3}}", "needs a str value"),
        ("{weight: {eq: high}}", "needs a number value"),
        ("{controllable: {eq: 1}}", "needs a bool value"),
        ("{weight: {contains: x}}", "operator 'contains' does not apply to line.weight (number)"),
        ("{financial_categories: {lt: x}}", "operator 'lt' does not apply"),
        ("{controllable: {gt: true}}", "operator 'gt' does not apply"),
        ("{weight: {matches: '^1'}}", "operator 'matches' does not apply"),
        ("{owner: {matches: '(unclosed'}}", "bad regular expression"),
        ("{owner: {in: [a, 2]}}", "needs a str value, not 2"),
        ("{ownr: {eq: x}}", "unknown field 'ownr'"),
    ],
)
def test_condition_errors(tmp_path: Path, when: str, fragment: str) -> None:
    found = problems(tmp_path, rule_yaml(when))
    assert len(found) == 1
    assert f"rules.yaml:3: rule 'r.one': {fragment}" in found[0] or fragment in found[0]
    assert ":3:" in found[0]


def test_did_you_mean_field(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, rule_yaml("{ownr: {eq: x}}"))
    assert "did you mean 'owner'?" in line


def test_unknown_fact_kind(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, rule_yaml("{owner: {eq: x}}", fact="lines"))
    assert "rules.yaml:3" in line and "unknown fact kind 'lines'" in line and "did you mean 'line'?" in line


def test_unknown_placeholder(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, rule_yaml("{owner: {eq: x}}", message="{owner} on {kpii} {id}"))
    assert "unknown placeholder '{kpii}'" in line and "did you mean 'kpi'?" in line


def test_duplicate_rule_ids_in_one_file(tmp_path: Path) -> None:
    text = rule_yaml("{owner: {eq: x}}") + rule_yaml("{owner: {eq: y}}").split("rules:\n")[1]
    (line,) = problems(tmp_path, text)
    assert "rules.yaml:9" in line and "duplicate rule id 'r.one'" in line and "rules.yaml:3" in line


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    text = rule_yaml("{ownr: {eq: x}}") + rule_yaml("{weight: {eq: x}}", rule_id="r.two").split("rules:\n")[1]
    found = problems(tmp_path, text)
    assert len(found) == 2
    assert ":3:" in found[0] and ":9:" in found[1]


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        (rule_yaml("{owner: {equals: x}}"), "unknown key 'equals'", 7),
        (rule_yaml("{owner: {eq: x}}").replace("severity: info", "severity: fatal"), "severity", 5),
        (rule_yaml("{owner: {eq: x}}").replace("    title: t\n", ""), "missing required key 'title'", 3),
        (rule_yaml("{owner: {eq: x}}") + "colour: red\n", "unknown key 'colour'", 9),
        (rule_yaml("{all: []}"), "all", 7),
        (rule_yaml("{owner: {}}"), "at least one operator", 7),
        ("ruleset: Bad Name\nrules: []\n", "ruleset", 1),
        (rule_yaml("{owner: {eq: [a, b]}}"), "must be one text, number or true/false value", 7),
        ("ruleset: t\nrules:\n  - id: a\n  - id: a\n   bad: [\n", "YAML syntax error", None),
    ],
)
def test_shape_errors(tmp_path: Path, text: str, fragment: str, line: int | None) -> None:
    found = problems(tmp_path, text)
    assert any(fragment in f for f in found), found
    if line is not None:
        assert any(f"rules.yaml:{line}:" in f for f in found), found


def test_file_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "ruleset: t\ndescription: " + "x" * 1_100_000 + "\n")
    with pytest.raises(InputError, match="more than"):
        load_ruleset(path, schema=SCHEMA)


def test_too_many_alternatives(tmp_path: Path) -> None:
    anys = ", ".join(["{any: [{weight: {gt: 1}}, {weight: {gt: 2}}]}"] * 6)
    (line,) = problems(tmp_path, rule_yaml(f"{{all: [{anys}]}}"))
    assert "64 ways" in line


def test_overrides_apply_and_are_recorded(tmp_path: Path) -> None:
    builtin = load_ruleset(write(tmp_path, GOOD, "builtin.yaml"), schema=SCHEMA)
    local = load_ruleset(
        write(
            tmp_path,
            """\
            ruleset: local
            overrides:
              - {rule: controllability.heavy, severity: info}
              - {rule: controllability.profit-centre-investment-kpi, enabled: false, reason: "pilot year"}
            """,
            "local.yaml",
        ),
        schema=SCHEMA,
    )
    combined = combine_rulesets([builtin, local])
    assert combined.get("controllability.heavy").severity == "info"
    assert [r.id for r in combined.active] == ["controllability.heavy"]
    assert [o.describe() for o in combined.overrides] == [
        f"rule controllability.heavy severity warning -> info at {tmp_path}/local.yaml:3",
        f"rule controllability.profit-centre-investment-kpi switched off at {tmp_path}/local.yaml:4 (pilot year)",
    ]
    assert builtin.rules[1].severity == "warning"  # the loaded set itself is untouched


def test_override_errors(tmp_path: Path) -> None:
    builtin = load_ruleset(write(tmp_path, GOOD, "builtin.yaml"), schema=SCHEMA)
    bad = load_ruleset(
        write(tmp_path, "ruleset: local\noverrides:\n  - {rule: controllability.hevy, enabled: false}\n", "l.yaml"),
        schema=SCHEMA,
    )
    with pytest.raises(RuleError) as info:
        combine_rulesets([builtin, bad])
    assert "l.yaml:3" in str(info.value) and "did you mean 'controllability.heavy'?" in str(info.value)
    with pytest.raises(RuleError, match="changes nothing"):
        load_ruleset(write(tmp_path, "ruleset: x\noverrides:\n  - {rule: a}\n", "n.yaml"), schema=SCHEMA)


def test_duplicate_ids_across_files_name_both(tmp_path: Path) -> None:
    first = load_ruleset(write(tmp_path, GOOD, "a.yaml"), schema=SCHEMA)
    second = load_ruleset(write(tmp_path, GOOD.replace("controllability\n", "other\n", 1), "b.yaml"), schema=SCHEMA)
    with pytest.raises(ErrorGroup) as info:
        combine_rulesets([first, second])
    text = str(info.value)
    assert "a.yaml:4" in text and "b.yaml:4" in text and "defined twice" in text


def test_json_schema() -> None:
    schema = ruleset_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"ruleset"}
    ops = schema["$defs"]["Ops"]["properties"]
    assert {"eq", "in", "not_in", "contains", "matches", "exists"} <= set(ops)
    assert "location" not in schema["$defs"]["RuleSpec"]["properties"]


def test_render_message_only_fills_field_names() -> None:
    fact = {"owner": "Ann", "tags": ["a", "b"], "weight": 2}
    assert render_message("{owner} {tags} {weight} {0.__class__} {missing}", fact) == "Ann a, b 2 {0.__class__} "
