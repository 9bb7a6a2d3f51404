"""`pmrules schema`, `kpis`, `plugins` and `validate` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pmrules.cli import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"
SPEC_KEYS = {"version", "workspace", "period", "period_start", "period_end", "currency", "rounding", "plugins",
             "rulesets", "strategy", "inputs", "kpis", "centers", "scorecards", "plans", "pool", "data"}


def run(*args: str, plugins: str = "") -> object:
    return CliRunner().invoke(cli, list(args), env={"PMRULES_LOAD_PLUGINS": plugins})


def test_schema_covers_every_key_of_the_spec_including_pool_and_combine():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert SPEC_KEYS <= set(schema["properties"])
    reference = (Path(__file__).resolve().parents[1] / "docs" / "workspace.md").read_text()
    assert [key for key in set(schema["properties"]) - SPEC_KEYS if f"`{key}`" not in reference] == []
    assert schema["additionalProperties"] is False
    plan = schema["$defs"]["Plan"]["properties"]
    assert plan["combine"]["enum"] == ["add", "multiply"] or "multiply" in json.dumps(plan["combine"])
    assert "amount" in schema["$defs"]["Pool"]["properties"]


def test_schema_of_rule_sets():
    result = run("schema", "--rulesets")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"ruleset", "rules", "overrides"} <= set(schema["properties"])
    assert schema["title"] == "pmrules rule set, version 1"


def test_kpis_json_lists_every_builtin_with_its_analysis():
    result = run("kpis", "--format", "json")
    assert result.exit_code == 0
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["roi"]["scorable_by"] == ["investment"] and kpis["roi"]["source"] == "builtin"
    assert kpis["roi"]["inputs"] == ["invested_capital", "operating_costs", "revenue"]
    assert kpis["nps"]["scorable_by"] == ["cost", "revenue", "profit", "investment"]
    assert set(kpis["churn_rate"]["categories"]) == {"customer"}


def test_kpis_of_the_example_say_which_definition_replaces_a_plugin_one():
    result = run("kpis", str(EXAMPLE), "--format", "json", plugins="banking")
    assert result.exit_code == 0, result.output
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["service_calls_per_week"]["source"] == "banking"
    assert kpis["on_time_resolution"]["source"] == "workspace"
    assert kpis["on_time_resolution"]["location"].endswith("pmrules.yaml:26")


def test_validate_reports_counts_and_rules():
    result = run("validate", str(EXAMPLE), plugins="banking")
    assert result.exit_code == 0, result.output
    assert "northwind-bank FY2026: valid" in result.stdout and "16 employees" in result.stdout
    assert "rule set(s)" in result.stdout


def test_validate_without_the_plugin_names_it():
    result = run("validate", str(EXAMPLE), plugins="")
    assert result.exit_code == 2
    assert "pmrules.yaml:12: the workspace needs plugin 'banking'" in result.stderr


def test_plugins_json_lists_builtins_with_functions():
    result = run("plugins", "--format", "json")
    assert result.exit_code == 0
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["builtin-functions"]["functions"] == ["clamp", "safe_div"]
    assert len(plugins["builtin"]["kpis"]) == 27


def test_version_and_help():
    assert run("--version").stdout.startswith("pmrules, version ")
    result = run("--help")
    assert result.exit_code == 0 and "payout" in result.stdout and "Exit codes" in result.stdout
