"""pmrules.testing, the kit plugin authors test with: validate_plugin, evaluate_kpi, plugin_manager."""

from __future__ import annotations

import textwrap
import types
from fractions import Fraction
from pathlib import Path

import pytest

from pmrules import hookimpl
from pmrules.errors import EvaluationError, PluginError, PmrulesError
from pmrules.testing import evaluate_kpi, plugin_manager, validate_plugin

GOOD_KPI = {"id": "shop_hit_rate", "name": "Hit rate", "formula": "shop_wins / shop_attempts",
            "direction": "higher", "perspective": "internal", "unit": "ratio"}
GOOD_INPUTS = {"shop_wins": {"category": "activity"}, "shop_attempts": {"category": "activity"}}


def module(name: str, **hooks: object) -> types.ModuleType:
    plugin = types.ModuleType(name)
    for hook, value in hooks.items():
        setattr(plugin, hook, hookimpl(lambda value=value: value))
    return plugin


def test_validate_plugin_reports_what_a_good_plugin_adds():
    report = validate_plugin(module("pmrules_shop", register_kpis=[GOOD_KPI], register_inputs=GOOD_INPUTS))
    assert report.ok and report.name == "shop"
    assert report.kpis == ["shop_hit_rate"] and report.inputs == ["shop_attempts", "shop_wins"]
    assert report.values["shop_hit_rate"] not in (0, 1)  # samples are distinct primes


def test_validate_plugin_raises_every_problem_of_a_phase_at_once():
    bad = module("pmrules_bad", register_kpis=[{**GOOD_KPI, "formula": "shop_wins / nowhere"}],
                 register_inputs={"shop_wins": {"unit": "count"}})
    with pytest.raises(PmrulesError) as caught:
        validate_plugin(bad)
    assert "plugin 'bad' declares input 'shop_wins' badly" in str(caught.value)
    report = validate_plugin(bad, strict=False)
    assert not report.ok and report.lines()


def test_validate_plugin_finds_unknown_names_and_duplicate_ids():
    twice = module("pmrules_twice", register_kpis=[GOOD_KPI, {**GOOD_KPI, "formula": "shop_wins / shop_lost"}],
                   register_inputs=GOOD_INPUTS)
    report = validate_plugin(twice, strict=False)
    text = "\n".join(report.lines())
    assert "plugin 'twice' defines KPI 'shop_hit_rate' 2 times" in text
    assert "KPI 'shop_hit_rate' is defined by both plugin 'twice' and plugin 'twice'" in text


def test_validate_plugin_evaluates_every_kpi_on_samples():
    ratio = {**GOOD_KPI, "formula": "shop_wins / (shop_attempts - shop_wins)"}
    zero = module("pmrules_zero", register_kpis=[ratio], register_inputs=GOOD_INPUTS)
    assert validate_plugin(zero).ok
    with pytest.raises(EvaluationError, match="KPI 'shop_hit_rate' does not evaluate on sample inputs: division"):
        validate_plugin(zero, samples={"shop_wins": 4, "shop_attempts": 4})


def test_validate_plugin_loads_rule_sets_against_the_fact_schema(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(textwrap.dedent("""\
        ruleset: shop
        rules:
          - id: shop.bad-field
            title: Bad
            severity: info
            fact: line
            when: {kpi_name: {eq: x}}
            message: "{kpi}"
        """))
    bad = module("pmrules_rules", register_kpis=[GOOD_KPI], register_inputs=GOOD_INPUTS, register_rulesets=[path])
    with pytest.raises(PmrulesError, match="unknown field 'kpi_name' of fact 'line'"):
        validate_plugin(bad)


def test_validate_plugin_reports_engine_limits_too(tmp_path):
    leaves = "\n".join(f"        - kpis: {{not_contains: k{i}}}" for i in range(6))
    path = tmp_path / "wide.yaml"
    path.write_text(f"ruleset: wide\nrules:\n  - id: wide.rule\n    title: Wide\n    severity: info\n"
                    f"    fact: scorecard\n    when:\n      all:\n{leaves}\n    message: x\n")
    with pytest.raises(PmrulesError, match="can hold in 64 ways at once"):
        validate_plugin(module("pmrules_wide", register_rulesets=[path]))


def test_validate_plugin_by_module_path(tmp_path, monkeypatch):
    (tmp_path / "pmrules_bypath.py").write_text(
        "import pmrules\n\n@pmrules.hookimpl\ndef register_inputs():\n    return {'bypath_x': {'category': 'activity'}}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert validate_plugin("pmrules_bypath").inputs == ["bypath_x"]
    with pytest.raises(PluginError, match="plugin 'pmrules_nowhere' cannot be imported"):
        validate_plugin("pmrules_nowhere")


def test_validate_plugin_functions_hook():
    fn = module("pmrules_fn", register_functions=[{"name": "shop_pct", "params": ["x"], "body": "100 * x"}],
                register_kpis=[{**GOOD_KPI, "formula": "shop_pct(shop_wins / shop_attempts)"}],
                register_inputs=GOOD_INPUTS)
    report = validate_plugin(fn)
    assert report.functions == ["shop_pct"]


def test_evaluate_kpi_builtin_and_plugin():
    assert evaluate_kpi("churn_rate", {"clients_start": 200, "clients_retained": "181.5"}) == Fraction(37, 400)
    assert evaluate_kpi("roi", {"revenue": 0.3, "operating_costs": 0.1, "invested_capital": 1}) == Fraction(1, 5)
    shop = module("pmrules_shop", register_kpis=[GOOD_KPI], register_inputs=GOOD_INPUTS)
    assert evaluate_kpi("shop_hit_rate", {"shop_wins": 3, "shop_attempts": 4}, plugins=[shop]) == Fraction(3, 4)


def test_evaluate_kpi_names_what_is_missing_or_wrong():
    with pytest.raises(EvaluationError, match="input 'clients_start' has no value"):
        evaluate_kpi("retention_rate", {"clients_retained": 1})
    with pytest.raises(EvaluationError, match="unknown KPI 'retention'"):
        evaluate_kpi("retention", {})
    with pytest.raises(EvaluationError, match="unknown input"):
        evaluate_kpi("retention_rate", {"clients_start": 1, "clients_retained": 1, "client_start": 2})
    with pytest.raises(EvaluationError, match="division by zero"):
        evaluate_kpi("retention_rate", {"clients_start": 0, "clients_retained": 0})


def test_plugin_manager_ignores_installed_plugins():
    pm = plugin_manager()
    assert {pm.get_name(p) for p in pm.get_plugins()} == {"builtin", "builtin-rulesets", "builtin-functions"}


def test_write_workspace_still_builds_a_minimal_workspace(tmp_path: Path):
    from pmrules.testing import minimal_manifest, write_workspace

    root = write_workspace(tmp_path, minimal_manifest(workspace="kit"))
    assert (root / "pmrules.yaml").read_text().count("workspace: kit") == 1
