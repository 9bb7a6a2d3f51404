"""Plan tests (`pmrules test`): scenario files that change a workspace's inputs in memory and expect results.

    sources = read_scenario_files(ws.root, scenario_paths(ws.root, ws.root / "tests"))
    prepared = prepare(ws, catalog, sources, rules)
    results = [run_scenario(ws, catalog, p, Period.of(ws.manifest)) for p in prepared]
"""

from pmrules.scenarios.models import ScenarioFile, scenario_json_schema
from pmrules.scenarios.pin import BASELINE_NAME, baseline_text
from pmrules.scenarios.prepare import Expectation, Prepared, ScenarioSource, prepare, read_scenario_files, scenario_paths
from pmrules.scenarios.run import Check, ScenarioResult, expected_text, factor_text, run_scenario

__all__ = [
    "BASELINE_NAME",
    "Check",
    "Expectation",
    "Prepared",
    "ScenarioFile",
    "ScenarioResult",
    "ScenarioSource",
    "baseline_text",
    "expected_text",
    "factor_text",
    "prepare",
    "read_scenario_files",
    "run_scenario",
    "scenario_json_schema",
    "scenario_paths",
]
