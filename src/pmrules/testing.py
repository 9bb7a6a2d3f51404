"""Helpers for tests, pmrules' own and plugin authors': check a plugin, evaluate a KPI, build a workspace.

    from pmrules.testing import evaluate_kpi, validate_plugin
    import pmrules_banking

    def test_plugin_is_valid():
        validate_plugin(pmrules_banking)          # raises with every problem found

    def test_cross_sell():
        assert evaluate_kpi("cross_sell_ratio", {"cross_sales": 1, "clients_served": 4},
                            plugins=[pmrules_banking]) == Fraction(1, 4)
"""

from __future__ import annotations

import copy
import csv
import importlib
import importlib.metadata
import io
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pluggy
from ruamel.yaml import YAML

from pmrules.errors import EvaluationError, PluginError, PmrulesError, did_you_mean, raise_all
from pmrules.models import EMPLOYEE_COLUMNS, EMPLOYEE_EXTENSIONS
from pmrules.rational import Fraction

__all__ = [
    "MINIMAL_MANIFEST",
    "PluginReport",
    "evaluate_kpi",
    "minimal_manifest",
    "plugin_manager",
    "validate_plugin",
    "write_workspace",
]

PluginLike = types.ModuleType | str | object


MINIMAL_MANIFEST: dict[str, Any] = {
    "version": 1,
    "workspace": "test",
    "period": "FY2026",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "currency": "USD",
    "rounding": {"quantum": "0.01", "mode": "half_up"},
    "rulesets": ["controllability", "alignment", "compensation"],
    "strategy": {"discipline": "customer_intimacy", "objectives": [
        {"id": "retain", "statement": "Retain clients", "kpi": "retention_rate", "target": 0.9}]},
    "inputs": {},
    "kpis": [],
    "centers": [{"id": "corp", "name": "Corp", "type": "investment", "manager": "E1"}],
    "scorecards": [{"owner": "corp", "kpis": [
        {"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9, "maximum": 1.0,
         "supports": "strategy:retain"}]}],
    "plans": [{"id": "staff", "components": {"corporate": 0.5, "unit": 0.5},
               "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}}],
    "data": {"employees": "employees.csv", "actuals": "actuals.csv"},
}


def _yaml_text(document: Mapping[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(_plain(document), buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def write_workspace(
    directory: Path,
    manifest: Mapping[str, Any] | None = None,
    *,
    employees: Sequence[Mapping[str, Any]] = (),
    actuals: Mapping[str, Mapping[str, Any]] | None = None,
    manifest_text: str | None = None,
) -> Path:
    """Write pmrules.yaml, employees.csv and actuals.csv (long form) into `directory`; returns it.

    `manifest` defaults to MINIMAL_MANIFEST (one investment centre, one KPI, one plan);
    `actuals` is {entity: {input: value}}; values are written as given (strings stay exact).
    """
    directory.mkdir(parents=True, exist_ok=True)
    document = copy.deepcopy(dict(manifest if manifest is not None else MINIMAL_MANIFEST))
    (directory / "pmrules.yaml").write_text(manifest_text if manifest_text is not None else _yaml_text(document))
    # Columns beyond version 1 (target_bonus, individual_factor) are written only when some employee has them.
    columns = (*EMPLOYEE_COLUMNS, *(c for c in EMPLOYEE_EXTENSIONS if any(c in e for e in employees)))
    rows = [[e.get(c) for c in columns] for e in employees]
    (directory / "employees.csv").write_text(_csv_text(columns, rows))
    long_rows = [[entity, name, value] for entity, values in (actuals or {}).items() for name, value in values.items()]
    (directory / "actuals.csv").write_text(_csv_text(["entity", "input", "value"], long_rows))
    return directory


def minimal_manifest(**changes: Any) -> dict[str, Any]:
    """A deep copy of MINIMAL_MANIFEST with top-level keys replaced."""
    document = copy.deepcopy(MINIMAL_MANIFEST)
    document.update(changes)
    return document


# -- plugins --------------------------------------------------------------------------------------
@dataclass
class PluginReport:
    """What `validate_plugin` found: what the plugin adds, each KPI's value on sample inputs, problems."""

    name: str
    kpis: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    rulesets: list[str] = field(default_factory=list)
    values: dict[str, Fraction] = field(default_factory=dict)
    problems: list[PmrulesError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [line for problem in self.problems for line in problem.lines()]


def _entry_point_name(module: object) -> str | None:
    """The installed entry-point name, else the naming convention's (`pmrules_banking` -> `banking`)."""
    module_name = getattr(module, "__name__", None)
    for ep in importlib.metadata.entry_points(group="pmrules"):
        if ep.value == module_name:
            return ep.name
    if isinstance(module_name, str) and module_name.startswith("pmrules_"):
        return module_name.removeprefix("pmrules_")
    return None


def _resolve(plugin: PluginLike) -> tuple[str, object]:
    """(name, module) for a module object, an installed entry-point name, or an importable module path."""
    if not isinstance(plugin, str):
        return str(_entry_point_name(plugin) or getattr(plugin, "__name__", type(plugin).__name__)), plugin
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group="pmrules")}
    try:
        if plugin in found:
            return plugin, found[plugin].load()
        module = importlib.import_module(plugin)
    except ImportError as exc:
        raise PluginError(f"plugin '{plugin}' cannot be imported: {exc}",
                          hint=did_you_mean(plugin, found) or "pass the module itself, or pip install -e it",
                          plugin=plugin) from exc
    return _entry_point_name(module) or plugin, module


def plugin_manager(*plugins: PluginLike) -> pluggy.PluginManager:
    """A fresh manager with pmrules' built-ins and exactly these plugins (installed ones are ignored)."""
    from pmrules.plugins import get_plugin_manager

    return get_plugin_manager(entry_points=False, plugins=dict(_resolve(p) for p in plugins))


def _sample_values(names: Iterable[str], given: Mapping[str, Any]) -> dict[str, Fraction]:
    """Distinct primes, so differences and ratios of two sample inputs are never 0 or 1 by accident."""
    primes = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]
    return {name: _fraction(name, given[name]) if name in given else Fraction(primes[i % len(primes)])
            for i, name in enumerate(sorted(names))}


def validate_plugin(
    plugin: PluginLike, *, samples: Mapping[str, Any] | None = None, strict: bool = True
) -> PluginReport:
    """Check a plugin the way pmrules will use it; raise every problem at once (or, strict=False, report them).

    Checks: the hooks load and are named right; KPIs and inputs are well formed with unique ids and a
    category for every input; formulas parse and name only declared inputs, KPIs and functions;
    rule sets load against the fact schema; every KPI evaluates (exactly and with NumPy) on sample
    inputs (`samples` overrides the default values, e.g. for a rate that must stay below 1).
    """
    from pmrules.audit import fact_schema
    from pmrules.catalog import build_catalog
    from pmrules.formula import compile_numpy
    from pmrules.plugins import call_with_source
    from pmrules.rules import evaluate, load_ruleset

    name, module = _resolve(plugin)
    report = PluginReport(name)
    try:
        pm = plugin_manager(module)
        own = {source: value for source, value in call_with_source(pm, "register_kpis") if source == name}
        ids = [item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
               for item in list(own.get(name) or [])]  # type: ignore[call-overload]
        for kpi_id in sorted({i for i in ids if ids.count(i) > 1}, key=str):
            report.problems.append(PluginError(f"plugin '{name}' defines KPI '{kpi_id}' {ids.count(kpi_id)} times",
                                               plugin=name, kpi=kpi_id))
        catalog = build_catalog(pm)
    except PmrulesError as exc:
        report.problems.append(exc)
        return _finish(report, strict)
    report.kpis = sorted(k for k, e in catalog.kpis.items() if e.source == name)
    report.inputs = sorted(n for n, e in catalog.inputs.items() if e.source == name)
    report.functions = sorted(f for f, source in catalog.function_sources.items() if source == name)
    schema = fact_schema()
    for source, path in catalog.rulesets:
        if source != name:
            continue
        try:
            ruleset = load_ruleset(Path(path), schema=schema, source=name)
            evaluate(ruleset.rules, [_DRY_RUN_FACT])  # the engine's own limits are checked when it compiles
            report.rulesets.append(ruleset.name)
        except PmrulesError as exc:
            report.problems.append(exc)
    values = _sample_values(catalog.inputs, samples or {})
    for kpi_id in catalog.order:
        entry = catalog.kpis[kpi_id]
        if entry.source != name:
            continue
        try:
            report.values[kpi_id] = _evaluate(catalog, kpi_id, values)
            names = sorted(str(s) for s in entry.expr.free_symbols)
            compile_numpy(entry.expr, names)(*(float(_value_of(catalog, n, values)) for n in names))
        except PmrulesError as exc:
            report.problems.append(EvaluationError(
                f"plugin '{name}', KPI '{kpi_id}' does not evaluate on sample inputs: {exc.message}",
                hint="pass samples={input: value} to validate_plugin if the defaults are unrealistic",
                plugin=name, kpi=kpi_id))
        except (ArithmeticError, ValueError, TypeError) as exc:
            report.problems.append(EvaluationError(
                f"plugin '{name}', KPI '{kpi_id}' does not evaluate on sample inputs: {type(exc).__name__}: {exc}",
                plugin=name, kpi=kpi_id))
    return _finish(report, strict)


_DRY_RUN_FACT = {"kind": "strategy", "id": "strategy", "discipline": "customer_intimacy", "objectives": 0}


def _finish(report: PluginReport, strict: bool) -> PluginReport:
    if strict:
        raise_all(report.problems)
    return report


def _fraction(name: str, value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    try:
        return Fraction(Decimal(value) if isinstance(value, str) else value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise EvaluationError(f"input '{name}' is {value!r}, not a number") from exc


def _value_of(catalog: Any, name: str, values: Mapping[str, Fraction]) -> Fraction:
    """An input's given value, or a referenced KPI's exact value computed from them (inputs win, as in the catalog)."""
    if name not in catalog.inputs and name in catalog.kpis:
        return _evaluate(catalog, name, values)
    if name not in values:
        raise EvaluationError(f"input '{name}' has no value", hint=did_you_mean(name, values))
    return values[name]


def _evaluate(catalog: Any, kpi_id: str, values: Mapping[str, Fraction]) -> Fraction:
    entry = catalog.kpis[kpi_id]
    return entry.exact(*(_value_of(catalog, n, values) for n in entry.arguments))


def evaluate_kpi(kpi_id: str, inputs: Mapping[str, Any], plugins: Sequence[PluginLike] = ()) -> Fraction:
    """The exact value of one KPI (built-in or from `plugins`) on the given inputs, as payouts compute it.

    Inputs may be ints, Fractions, Decimals, decimal strings or floats (read as their shortest repr).
    """
    from pmrules.catalog import build_catalog

    catalog = build_catalog(plugin_manager(*plugins))
    if kpi_id not in catalog.kpis:
        raise EvaluationError(f"unknown KPI '{kpi_id}'", hint=did_you_mean(kpi_id, catalog.kpis), kpi=kpi_id)
    values = {name: _fraction(name, value) for name, value in inputs.items()}
    unknown = sorted(set(values) - set(catalog.inputs))
    if unknown:
        raise EvaluationError(f"unknown input(s) {', '.join(unknown)}", hint=did_you_mean(unknown[0], catalog.inputs))
    return _evaluate(catalog, kpi_id, values)
