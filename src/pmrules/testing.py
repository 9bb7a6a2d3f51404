"""Helpers for tests, pmrules' own and plugin authors': build a workspace in a folder, in a few lines."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EMPLOYEE_COLUMNS = ["employee_id", "name", "center", "plan", "base_salary", "target_bonus_pct", "start_date",
                    "end_date", "individual_rating"]

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
    rows = [[e.get(c) for c in EMPLOYEE_COLUMNS] for e in employees]
    (directory / "employees.csv").write_text(_csv_text(EMPLOYEE_COLUMNS, rows))
    long_rows = [[entity, name, value] for entity, values in (actuals or {}).items() for name, value in values.items()]
    (directory / "actuals.csv").write_text(_csv_text(["entity", "input", "value"], long_rows))
    return directory


def minimal_manifest(**changes: Any) -> dict[str, Any]:
    """A deep copy of MINIMAL_MANIFEST with top-level keys replaced."""
    document = copy.deepcopy(MINIMAL_MANIFEST)
    document.update(changes)
    return document
