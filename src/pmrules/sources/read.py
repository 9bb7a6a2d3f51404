"""Reading one mapped source: raw cells, then canonical columns, then (actuals) the ledger rows in use."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from pmrules.errors import InputError, Location
from pmrules.io.tables import Table
from pmrules.models import (
    ACTUALS_OPTIONAL,
    ACTUALS_REQUIRED,
    EMPLOYEE_COLUMNS,
    EMPLOYEE_OPTIONAL,
    EMPLOYEE_REQUIRED,
    DataSource,
)
from pmrules.sources.ledger import select_ledger
from pmrules.sources.mapping import check_mapping, map_source
from pmrules.sources.raw import read_raw
from pmrules.sources.report import SourceReport

Locate = Callable[..., Location]


def check_keys(source: DataSource, key: str, path: Path, locate: Locate) -> None:
    """A key that cannot apply to this kind of file is an error, not silently unused."""
    xlsx = path.suffix.lower() == ".xlsx"
    if not xlsx and source.sheet is not None:
        raise InputError(f"data.{key}.sheet applies to .xlsx files, {path.name} is a CSV",
                         location=locate("data", key, "sheet"), hint="remove `sheet`")
    for name in ("encoding", "delimiter"):
        if xlsx and name in source.formats.model_fields_set:
            raise InputError(f"data.{key}.formats.{name} applies to CSV files, {path.name} is a workbook",
                             location=locate("data", key, "formats", name), hint=f"remove `{name}`")


def read_mapped_employees(path: Path, display: str, source: DataSource, currency: str,
                          locate: Locate) -> tuple[Table, SourceReport]:
    """The canonical employee table of an export (then read by `read_employees` like a plain CSV)."""
    check_mapping(source, "employees", EMPLOYEE_COLUMNS, locate)
    check_keys(source, "employees", path, locate)
    return map_source(read_raw(path, display, source), source, "employees", EMPLOYEE_REQUIRED, EMPLOYEE_OPTIONAL,
                      currency)


def read_mapped_actuals(path: Path, display: str, source: DataSource, currency: str, locate: Locate, *,
                        entities: Collection[str], inputs: Collection[str], period: str,
                        periods: Sequence[str] | None = None) -> tuple[Table, SourceReport]:
    """The long-form actuals of a ledger export (then read by `read_actuals` like a plain CSV); in a plan
    year (`periods`) with their period column (then read by `read_period_actuals`)."""
    check_mapping(source, "actuals", (*ACTUALS_REQUIRED, *ACTUALS_OPTIONAL), locate)
    check_keys(source, "actuals", path, locate)
    if periods is not None and "period" not in source.columns:
        raise InputError("data.actuals maps no `period` column, but the workspace declares `periods:`",
                         location=locate("data", "actuals", "columns"),
                         hint="map the column that names each row's period, e.g. `period: Periode`, and map its "
                              "codes to the period ids under `values: {period: ...}`")
    table, report = map_source(read_raw(path, display, source), source, "actuals", ACTUALS_REQUIRED,
                               ACTUALS_OPTIONAL, currency)
    return select_ledger(table, source, report, entities=entities, inputs=inputs, period=period,
                         periods=periods), report
