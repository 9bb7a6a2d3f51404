"""Scenario files read, validated and bound to the workspace before anything runs.

Every problem of every file is collected (`file:line: what (how to fix)`), so a run either starts
with all its scenarios valid or not at all: no partial output.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from pmrules.catalog import Catalog
from pmrules.errors import ErrorGroup, InputError, Location, PmrulesError, did_you_mean, raise_all
from pmrules.io.inputs import workspace_file
from pmrules.io.yamlfile import LineIndex, load_yaml, pydantic_errors
from pmrules.rational import Fraction
from pmrules.rules import RulesInForce
from pmrules.scenarios.employees import Locate, scenario_employees
from pmrules.scenarios.models import FindingExpectation, Scenario, ScenarioFile
from pmrules.scenarios.numbers import NumberError, decimal_of, fraction_of, text_of
from pmrules.whatif import Applied, Change, apply_changes
from pmrules.workspace import Actuals, Workspace
from pmrules.workspace.employees import EmployeeTable
from pmrules.workspace.structure import check_structure

_PERCENT = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\.\d+)%$")
UNPAID = "unpaid"


@dataclass(frozen=True)
class Expectation:
    """One expected value: kind is bonus, total, multiplier, line_factor or finding."""

    kind: str
    subject: str  # an employee id, `owner / kpi`, a rule id, or "total"
    expected: Decimal | Fraction | str | FindingExpectation
    written: str  # as the author wrote it
    location: Location
    employee: str | None = None


@dataclass
class Prepared:
    """A scenario bound to the workspace: its employees and actuals built, its expectations parsed."""

    name: str
    description: str | None
    location: Location
    file: str
    table: EmployeeTable
    actuals: Actuals
    applied: list[Applied]
    expectations: list[Expectation]
    tolerance: Fraction | None = None
    employees_changed: bool = False

    @property
    def audits(self) -> bool:
        return any(e.kind == "finding" for e in self.expectations)


@dataclass
class ScenarioSource:
    path: Path
    display: str
    document: ScenarioFile
    index: LineIndex


def scenario_paths(root: Path, target: Path) -> list[Path]:
    """The `*.yaml` files of a folder (sorted), or the one file given."""
    if target.is_dir():
        return sorted([*target.glob("*.yaml"), *target.glob("*.yml")])
    return [target]


def read_scenario_files(root: Path, paths: Sequence[Path]) -> list[ScenarioSource]:
    """Parse and validate each file against the scenario schema; every file's problems at once."""
    errors: list[PmrulesError] = []
    sources: list[ScenarioSource] = []
    for path in paths:
        display = str(path)
        try:
            workspace_file(root, path, display)
            document, index = load_yaml(path, display)
            if not isinstance(document, dict):
                raise InputError("expected a mapping with the key `scenarios:`", location=index.locate(),
                                 hint="see `pmrules test --help` for an example scenario")
            try:
                parsed = ScenarioFile.model_validate(document)
            except ValidationError as exc:
                errors.extend(_schema_hint(error) for error in pydantic_errors(exc, index))
                continue
        except PmrulesError as exc:
            errors.append(exc)
            continue
        seen: dict[str, int] = {}
        for i, scenario in enumerate(parsed.scenarios):
            if scenario.name in seen:
                errors.append(InputError(f"scenarios.{i}.name: '{scenario.name}' is used twice in this file",
                                         location=index.locate("scenarios", i, "name"),
                                         hint=f"first used on line {index.locate('scenarios', seen[scenario.name]).line}"))
            seen.setdefault(scenario.name, i)
        sources.append(ScenarioSource(path, display, parsed, index))
    raise_all(errors)
    return sources


def _schema_hint(error: InputError) -> InputError:
    """pydantic_errors points at the workspace schema; a scenario file has its own."""
    if error.hint and "`pmrules schema`" in error.hint:
        return InputError(error.message, location=error.location,
                          hint=error.hint.replace("`pmrules schema`", "`pmrules schema --scenarios` (or `pmrules test "
                                                  "--help`)"))
    return error


def prepare(ws: Workspace, catalog: Catalog, sources: Sequence[ScenarioSource],
            rules: RulesInForce | None = None) -> list[Prepared]:
    """Bind every scenario: ids, inputs, rule ids and numbers checked, employees and actuals built.

    `rules` (the workspace's rules in force) are resolved here if a scenario expects findings and none are given.
    """
    errors: list[PmrulesError] = []
    prepared = []
    if rules is None and any(sc.expect.findings for source in sources for sc in source.document.scenarios):
        from pmrules.audit import resolve_rulesets
        from pmrules.rules import combine_rulesets

        rules = combine_rulesets(resolve_rulesets(ws, catalog))
    for source in sources:
        for i, scenario in enumerate(source.document.scenarios):
            try:
                prepared.append(_prepare(ws, catalog, source, i, scenario, rules))
            except PmrulesError as exc:
                errors.append(exc)
    raise_all(errors)
    return prepared


def _prepare(ws: Workspace, catalog: Catalog, source: ScenarioSource, i: int, scenario: Scenario,
             rules: RulesInForce | None) -> Prepared:
    index = source.index

    def locate(*path: str | int) -> Location:
        return index.locate("scenarios", i, *path)

    errors: list[PmrulesError] = []
    table = scenario_employees(ws, scenario, locate, errors)
    raise_all(errors)
    changed = table is not ws.employees
    if changed:  # the workspace's own cross-checks, on the changed rows: centres, plans, ratings, managers
        problems = check_structure(dataclasses.replace(ws, employees=table))
        where = locate("employees") if scenario.employees is not None else locate("ratings")
        flat = [e for p in problems for e in (p.errors if isinstance(p, ErrorGroup) else [p])]
        said = {str(_after_changes(p, where)): _after_changes(p, where) for p in flat}  # wide actuals: once per entity
        raise_all(list(said.values()))
    actuals, applied = _actuals(ws, catalog, table, scenario, locate)
    expectations = _expectations(ws, table, scenario, locate, rules, errors)
    tolerance = None
    if scenario.expect.tolerance is not None:
        where = locate("expect", "tolerance")
        try:
            tolerance = fraction_of(scenario.expect.tolerance, "the tolerance")
        except NumberError as exc:
            errors.append(InputError(f"expect.tolerance: {exc}", location=where, hint=exc.hint))
        if tolerance is not None and tolerance < 0:
            errors.append(InputError("expect.tolerance is negative", location=where, hint="write 0 or more"))
        if not any(e.kind in ("multiplier", "line_factor") for e in expectations):
            errors.append(InputError("expect.tolerance applies to multipliers and line factors, and this scenario "
                                     "expects neither", location=where,
                                     hint="remove it (money is always compared exactly)"))
    if not scenario.expect.model_fields_set - {"tolerance"} or not expectations and not errors:
        errors.append(InputError(f"scenario '{scenario.name}' expects nothing", location=locate("expect"),
                                 hint="give bonuses, total, multipliers, line_factors or findings"))
    raise_all(errors)
    return Prepared(scenario.name, scenario.description, locate(), source.display, table, actuals, applied,
                    expectations, tolerance, changed)


def _after_changes(problem: PmrulesError, where: Location) -> PmrulesError:
    """A cross-check that failed on the changed rows, said at the scenario (and where the workspace had it)."""
    place = f" ({problem.location})" if problem.location is not None and problem.location.line else ""
    return InputError(f"after this scenario's employee changes: {problem.message}{place}", location=where,
                      hint=problem.hint)


def _actuals(ws: Workspace, catalog: Catalog, table: EmployeeTable, scenario: Scenario,
             locate: Locate) -> tuple[Actuals, list[Applied]]:
    """whatif's changes (`entity.input: +5%` or a value) applied to a copy of the actuals."""
    errors: list[PmrulesError] = []
    changes = []
    wheres: list[Location] = []
    entities = {c.id for c in ws.manifest.centers} | set(table.id_list()) | set(ws.actuals.values)
    for key, value in scenario.set.items():
        where = locate("set", key)
        entity, dot, name = key.strip().rpartition(".")
        text = text_of(value).strip()
        if not dot or not entity or not name:
            errors.append(InputError(f"set: '{key}' is not ENTITY.INPUT", location=where,
                                     hint="e.g. harbor.revenue: -20% or north.clients_retained: 2800"))
            continue
        if entity not in entities:
            errors.append(InputError(f"set.{key}: no centre, employee or actuals entity '{entity}'", location=where,
                                     hint=did_you_mean(entity, entities) or "use a centre id or an employee id"))
            continue
        if name not in catalog.inputs:
            errors.append(InputError(f"set.{key}: no input '{name}'", location=where,
                                     hint=did_you_mean(name, catalog.inputs) or "see `pmrules kpis DIR` for inputs"))
            continue
        match = _PERCENT.match(text) if isinstance(value, str) else None
        try:
            if match:
                sign, digits = match.groups()
                if ws.actuals.get(entity, name) is None:
                    raise NumberError(f"'{entity}' has no value for '{name}' to change by a percentage",
                                      "give an absolute value instead, e.g. 1000")
                change = Change(entity, name, "relative", Decimal(digits) * (-1 if sign == "-" else 1), f"{key}={text}")
            else:
                change = Change(entity, name, "absolute", decimal_of(value, "the value"), f"{key}={text}")
        except NumberError as exc:
            errors.append(InputError(f"set.{key}: {exc}", location=where,
                                     hint=exc.hint or "a value (2800) or a percentage change (+5%, -20%)"))
            continue
        changes.append(change)
        wheres.append(where)
    raise_all(errors)
    if not changes:
        return ws.actuals, []
    actuals, applied = apply_changes(dataclasses.replace(ws, employees=table), catalog, changes)
    for change, where in zip(changes, wheres, strict=True):  # explanations name the scenario line, not actuals.csv
        actuals.where[(change.entity, change.input)] = where
    return actuals, applied


def _expectations(ws: Workspace, table: EmployeeTable, scenario: Scenario, locate: Locate,
                  rules: RulesInForce | None, errors: list[PmrulesError]) -> list[Expectation]:
    expect = scenario.expect
    found: list[Expectation] = []
    employees = table.id_list()

    def employee(key: str, employee_id: str) -> bool:
        if table.position(employee_id) is not None:
            return True
        errors.append(InputError(f"expect.{key}: no employee '{employee_id}' in this scenario",
                                 location=locate("expect", key, employee_id),
                                 hint=did_you_mean(employee_id, employees) or "give an employee_id from employees.csv"
                                 " or one the scenario adds"))
        return False

    for employee_id, value in expect.bonuses.items():
        where = locate("expect", "bonuses", employee_id)
        if not employee("bonuses", employee_id):
            continue
        if isinstance(value, str) and value.strip().lower() == UNPAID:
            found.append(Expectation("bonus", employee_id, UNPAID, UNPAID, where, employee_id))
            continue
        try:
            found.append(Expectation("bonus", employee_id, decimal_of(value, "the bonus"),
                                     text_of(value), where, employee_id))
        except NumberError as exc:
            errors.append(InputError(f"expect.bonuses.{employee_id}: {exc}", location=where,
                                     hint=exc.hint or "write the amount as a decimal, e.g. \"22636.47\", or `unpaid`"))
    if expect.total is not None:
        where = locate("expect", "total")
        try:
            found.append(Expectation("total", "total", decimal_of(expect.total, "the total"), text_of(expect.total), where))
        except NumberError as exc:
            errors.append(InputError(f"expect.total: {exc}", location=where, hint=exc.hint))
    for employee_id, value in expect.multipliers.items():
        where = locate("expect", "multipliers", employee_id)
        if not employee("multipliers", employee_id):
            continue
        try:
            found.append(Expectation("multiplier", employee_id, fraction_of(value, "the multiplier"),
                                     text_of(value), where, employee_id))
        except NumberError as exc:
            errors.append(InputError(f"expect.multipliers.{employee_id}: {exc}", location=where, hint=exc.hint))
    cards = ws.organisation.scorecards
    for owner, lines in expect.line_factors.items():
        if owner not in cards:
            errors.append(InputError(f"expect.line_factors: '{owner}' has no scorecard",
                                     location=locate("expect", "line_factors", owner),
                                     hint=did_you_mean(owner, cards) or "name a scorecard owner of pmrules.yaml"))
            continue
        kpis = [line.kpi for line in cards[owner].kpis]
        for kpi, value in lines.items():
            where = locate("expect", "line_factors", owner, kpi)
            if kpi not in kpis:
                errors.append(InputError(f"expect.line_factors.{owner}: the scorecard of '{owner}' has no line "
                                         f"'{kpi}'", location=where,
                                         hint=did_you_mean(kpi, kpis) or f"its lines: {', '.join(kpis)}"))
                continue
            try:
                found.append(Expectation("line_factor", f"{owner} / {kpi}", fraction_of(value, "the line factor"),
                                         text_of(value), where))
            except NumberError as exc:
                errors.append(InputError(f"expect.line_factors.{owner}.{kpi}: {exc}", location=where, hint=exc.hint))
    for k, finding in enumerate(expect.findings):
        where = locate("expect", "findings", k)
        known = {} if rules is None else {r.id: r for r in rules.rules}
        rule = known.get(finding.rule)
        if rule is None:
            errors.append(InputError(f"expect.findings.{k}.rule: no rule '{finding.rule}' in force in this workspace",
                                     location=where, hint=did_you_mean(finding.rule, known)
                                     or "see `pmrules rules DIR` for the rule ids"))
            continue
        if finding.present and not rule.enabled:
            errors.append(InputError(f"expect.findings.{k}: rule '{finding.rule}' is switched off in this workspace, "
                                     "so it can never be found", location=where,
                                     hint="expect it absent, or switch it on again"))
            continue
        found.append(Expectation("finding", finding.rule, finding, "present" if finding.present else "absent", where))
    return found
