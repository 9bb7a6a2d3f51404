"""A workspace folder in, validated models out: `pmrules.yaml`, employees and actuals."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pmrules.errors import InputError, Location, PmrulesError, raise_all
from pmrules.io import tables as table_files
from pmrules.io.inputs import workspace_file
from pmrules.io.tables import Table, check_table_file, read_table
from pmrules.io.yamlfile import LineIndex, load_yaml, pydantic_errors
from pmrules.models import DataFiles, DataSource, Employee, Manifest
from pmrules.planyear.accumulate import accumulate, methods
from pmrules.planyear.periods import check_periods
from pmrules.safetext import excerpt
from pmrules.workspace.adjustments import DEFAULT_FILE, Adjustment, read_adjustments
from pmrules.workspace.discretion import Discretion, discretion_path, read_discretion
from pmrules.workspace.employees import EmployeeTable, read_employees_fast
from pmrules.workspace.organisation import Organisation, build_organisation
from pmrules.workspace.overrides import check_overrides
from pmrules.workspace.period_actuals import read_period_actuals
from pmrules.workspace.segments import check_segments
from pmrules.workspace.structure import check_structure
from pmrules.workspace.tables import Actuals, read_actuals, read_employees

if TYPE_CHECKING:
    from pmrules.currency.rates import FxRates
    from pmrules.sources import SourceReport

MANIFEST_NAME = "pmrules.yaml"


@dataclass
class Workspace:
    """Everything read from one workspace folder, with the locations of its items."""

    root: Path
    manifest: Manifest
    index: LineIndex
    employees: EmployeeTable
    employees_file: str
    actuals: Actuals
    input_files: list[Path] = field(default_factory=list)
    sources: list[SourceReport] = field(default_factory=list)
    # With `periods:`: the actuals of each period; `actuals` is then their year-to-date accumulation.
    period_actuals: dict[str, Actuals] | None = None
    # Metric adjustments (adjustments.csv), applied by `adjust_workspace` once the catalog knows every input;
    # then the actuals before them are kept here (`raw_period_actuals` in a plan year).
    adjustments: list[Adjustment] = field(default_factory=list)
    raw_actuals: Actuals | None = None
    raw_period_actuals: dict[str, Actuals] | None = None
    # Issue 14: the exchange rates of a workspace that pays in several currencies (None: version 1).
    fx: FxRates | None = None
    # Beyond version 1: discretion.csv, when the workspace has one (docs/workspace.md).
    discretion: list[Discretion] = field(default_factory=list)

    def locate(self, *path: str | int) -> Location:
        """`file:line` of an item of pmrules.yaml, e.g. locate("scorecards", 0, "kpis", 1)."""
        return self.index.locate(*path)

    def employee_location(self, employee: Employee) -> Location:
        return Location(self.employees_file, employee.line or None)

    def display(self, relative: str) -> str:
        return str(self.root / relative)

    @cached_property
    def organisation(self) -> Organisation:
        """The centre tree and id lookups; `load_workspace` builds it once, right after the checks pass."""
        return build_organisation(self.manifest)


def load_workspace(directory: str | Path) -> Workspace:
    """Read and check a workspace's files; cross-references to KPIs and inputs are checked by the catalog."""
    root = Path(directory)
    manifest_path = root / MANIFEST_NAME
    if not root.is_dir():
        raise InputError(f"no such workspace folder: {root}", hint="pass the folder that holds pmrules.yaml")
    if not manifest_path.exists() and not manifest_path.is_symlink():
        raise InputError(
            f"{manifest_path} not found", hint="a workspace folder holds pmrules.yaml (see `pmrules schema`)"
        )
    workspace_file(root, manifest_path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        early = _start_reading_employees(pool, root)
        document, index = load_yaml(manifest_path, str(manifest_path))
        return _load(root, manifest_path, document, index, early)


def _start_reading_employees(pool: ThreadPoolExecutor, root: Path) -> tuple[Path, Future[EmployeeTable | None]] | None:
    """Read the usual employees.csv while the manifest parses: pyarrow releases the GIL, YAML does not.

    Used only if the manifest names that same file and it passes the size check; otherwise discarded.
    """
    guess = root / str(DataFiles().employees)
    try:
        workspace_file(root, guess)
        if guess.stat().st_size > table_files.MAX_TABLE_BYTES:
            return None
    except (OSError, InputError):
        return None
    return guess, pool.submit(read_employees_fast, guess, str(guess))


def _load(root: Path, manifest_path: Path, document: object, index: LineIndex,
          early: tuple[Path, Future[EmployeeTable | None]] | None) -> Workspace:
    if not isinstance(document, dict):
        raise InputError("expected a mapping of keys (version, workspace, ...)", location=index.locate())
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        raise_all(list(pydantic_errors(exc, index)))
        raise  # unreachable: raise_all raised
    errors: list[PmrulesError] = []
    employees = EmployeeTable.from_employees("", [])
    actuals = Actuals()
    files = [manifest_path]
    reports: list[SourceReport] = []
    data = manifest.data
    employees_path = _data_path(root, data.employees, index, "employees")
    actuals_path = _data_path(root, data.actuals, index, "actuals")
    employees_file = str(employees_path)
    try:
        if isinstance(data.employees, DataSource):
            employees = _mapped_employees(employees_path, data.employees, manifest, index, reports)
            employees_file = employees.file
        else:
            check_table_file(employees_path, str(employees_path))  # the fast reader loads the whole file
            fast = early[1].result() if early is not None and early[0] == employees_path else None
            if early is None or early[0] != employees_path:
                fast = read_employees_fast(employees_path, str(employees_path))
            employees = fast or EmployeeTable.from_employees(
                str(employees_path), read_employees(read_table(employees_path, str(employees_path))))
            reports.append(_plain_report("employees", employees_file, len(employees), []))
        files.append(employees_path)
    except PmrulesError as exc:
        errors.append(exc)
    period_actuals = None
    try:
        if manifest.periods:
            period_ids = [p.id for p in manifest.periods]
            if isinstance(data.actuals, DataSource):
                mapped = _mapped_table(actuals_path, data.actuals, manifest, index, employees, reports, period_ids)
            else:
                mapped = read_table(actuals_path, str(actuals_path))
            period_actuals = read_period_actuals(mapped, period_ids)
            actuals = accumulate(period_actuals, list(period_actuals), methods(manifest))
        elif isinstance(data.actuals, DataSource):
            actuals = _mapped_actuals(actuals_path, data.actuals, manifest, index, employees, reports)
        else:
            table = read_table(actuals_path, str(actuals_path))
            actuals = read_actuals(table)
            reports.append(_plain_report("actuals", table.file, len(table.rows), table.header))
        files.append(actuals_path)
    except PmrulesError as exc:
        errors.append(exc)
    adjustments: list[Adjustment] = []
    try:
        adjustments_path = _adjustments_path(root, data.adjustments, index)
        if adjustments_path is not None:
            adjustments = read_adjustments(read_table(adjustments_path, str(adjustments_path)))
            files.append(adjustments_path)
    except PmrulesError as exc:
        errors.append(exc)
    raise_all(errors)
    fx = _currencies(root, manifest, index, employees, files)
    workspace = Workspace(root, manifest, index, employees, employees_file, actuals, files, reports, period_actuals,
                          adjustments, fx=fx)
    raise_all([*check_structure(workspace), *check_periods(workspace), *check_overrides(workspace),
               *check_segments(employees, manifest.period_start, manifest.period_end)])
    workspace.discretion = _discretion(root, manifest, index, employees, files)
    _ = workspace.organisation  # built now, from a tree known to be valid, and kept
    return workspace


def _currencies(root: Path, manifest: Manifest, index: LineIndex, employees: EmployeeTable,
                files: list[Path]) -> FxRates | None:
    """fx.csv and the pay currencies, checked (issue 14); nothing is read for a version-1 workspace."""
    if employees.currency_text is None and manifest.data.fx is None and not manifest.currencies:
        return None
    from pmrules.currency.check import load_fx

    def data_path(named: str) -> Path:
        path = _data_path(root, named, index, "fx")
        files.append(path)
        return path

    return load_fx(root, manifest, employees, index.locate, data_path)


def _discretion(root: Path, manifest: Manifest, index: LineIndex, employees: EmployeeTable,
                files: list[Path]) -> list[Discretion]:
    """discretion.csv (or `data.discretion`), read once the employees are known to be valid."""
    named = manifest.data.discretion
    path = discretion_path(root, named)
    if path is None:
        return []
    if named is not None:
        path = _data_path(root, named, index, "discretion")
    workspace_file(root, path)
    entries = read_discretion(read_table(path, str(path)), set(employees.id_list()))
    files.append(path)
    return entries


def _plain_report(key: str, file: str, rows: int, header: list[str]) -> SourceReport:
    from pmrules.sources import plain_report

    return plain_report(key, file, rows, header)


def _mapped_employees(path: Path, source: DataSource, manifest: Manifest, index: LineIndex,
                      reports: list[SourceReport]) -> EmployeeTable:
    from pmrules.sources.read import read_mapped_employees  # imported only for a mapped source

    table, report = read_mapped_employees(path, str(path), source, manifest.currency, index.locate)
    reports.append(report)
    return EmployeeTable.from_employees(table.file, read_employees(table))


def _mapped_actuals(path: Path, source: DataSource, manifest: Manifest, index: LineIndex, employees: EmployeeTable,
                    reports: list[SourceReport]) -> Actuals:
    return read_actuals(_mapped_table(path, source, manifest, index, employees, reports))


def _mapped_table(path: Path, source: DataSource, manifest: Manifest, index: LineIndex, employees: EmployeeTable,
                  reports: list[SourceReport], periods: list[str] | None = None) -> Table:
    """The canonical long-form actuals of a mapped source; with `periods`, with its period column."""
    from pmrules.sources.read import read_mapped_actuals

    table, report = read_mapped_actuals(
        path, str(path), source, manifest.currency, index.locate,
        entities={c.id for c in manifest.centers} | set(employees.id_list()), inputs=set(manifest.inputs),
        period=manifest.period, periods=periods)
    reports.append(report)
    return table


def _adjustments_path(root: Path, named: str | None, index: LineIndex) -> Path | None:
    """`data.adjustments` if given, else the workspace's adjustments.csv if it has one, else None."""
    if named is not None:
        return _data_path(root, named, index, "adjustments")
    path = root / DEFAULT_FILE
    if not path.exists() and not path.is_symlink():
        return None
    return workspace_file(root, path)


def _data_path(root: Path, named: str | DataSource, index: LineIndex, key: str) -> Path:
    relative = named.file if isinstance(named, DataSource) else named
    where = index.locate("data", key, "file") if isinstance(named, DataSource) else index.locate("data", key)
    path = root / relative
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise InputError(
            f"data.{key} must be a path inside the workspace, not {excerpt(relative)}",
            location=where,
        )
    allowed = (".csv", ".tsv", ".txt", ".xlsx") if isinstance(named, DataSource) else (".csv", ".xlsx")
    if path.suffix.lower() not in allowed:
        raise InputError(
            f"data.{key} must be a {', '.join(allowed[:-1])} or .xlsx file, not {excerpt(relative)}", location=where
        )
    if not path.exists() and not path.is_symlink():
        raise InputError(
            f"data.{key} names {excerpt(relative)}, which does not exist",
            location=where,
            hint=f"create {path} or fix the path",
        )
    return workspace_file(root, path, location=where)
