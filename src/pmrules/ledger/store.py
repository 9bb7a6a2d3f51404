"""Reading and writing the ledger: every write is one transaction, serialised across processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from pmrules.errors import LedgerError
from pmrules.ledger import signoff
from pmrules.ledger.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    current_version,
    ledger_meta,
    locks,
    payments,
    runs,
    trail_groups,
)
from pmrules.ledger.trails import expand, group_refs
from pmrules.planyear.paid import PaidBefore

LEDGER_ENV = "PMRULES_LEDGER"
DEFAULT_PATH = Path(".pmrules") / "ledger.db"
# Test hook: seconds to sleep inside a commit's transaction, after its rows are written (kill tests).
PAUSE_ENV = "PMRULES_LEDGER_TEST_PAUSE"
MIGRATION_LOCK = 7_215_001  # PostgreSQL advisory lock key for migrations


@dataclass
class RunRecord:
    """One payout run, as committed."""

    workspace: str
    plan_year: str
    period: str
    created_by: str
    total: Decimal
    inputs: list[dict[str, str]]
    plugins: list[dict[str, str | None]]
    options: dict[str, Any]
    audit: dict[str, Any]
    actuals: dict[str, list[list[str]]]
    kpis: dict[str, Any]
    # Each payment's trail is its own part with `group`, a key of `trail_groups` (the part a group shares).
    # A list, or planyear/ledger_rows.py's PaymentRecords (made a chunk at a time, trails as JSON text).
    payments: Sequence[dict[str, Any]] = field(default_factory=list)
    trail_groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    basis: tuple[int, ...] = ()  # the committed runs of earlier periods this run was computed against


def default_url(workspace_root: Path) -> str:
    return f"sqlite:///{(workspace_root / DEFAULT_PATH).resolve()}"


def open_ledger(workspace_root: Path, url: str | None = None) -> Ledger:
    """`url`, else $PMRULES_LEDGER, else SQLite at WORKSPACE/.pmrules/ledger.db; migrated to the current schema."""
    chosen = url or os.environ.get(LEDGER_ENV) or default_url(workspace_root)
    return Ledger(chosen)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Ledger:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self.version = SCHEMA_VERSION
        self.migrate()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction whose first statement takes the writers' lock (the ledger_meta row)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(update(ledger_meta).where(ledger_meta.c.id == 1)
                                   .values(writes=ledger_meta.c.writes + 1))
                yield connection
        except (DBAPIError, SQLAlchemyError) as exc:
            raise LedgerError(f"the ledger {self.shown} could not be written: {_reason(exc)}",
                              hint="nothing was recorded; retry, or check the database") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except (DBAPIError, SQLAlchemyError) as exc:
            raise LedgerError(f"the ledger {self.shown} could not be read: {_reason(exc)}") from exc

    @property
    def shown(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, one step per transaction; safe when two processes race."""
        for attempt in range(5):
            try:
                with self.engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                    version = current_version(connection)
                    if version > SCHEMA_VERSION:
                        raise LedgerError(f"the ledger {self.shown} has schema version {version}; this pmrules "
                                          f"knows up to {SCHEMA_VERSION}", hint="upgrade pmrules")
                    for step in range(version + 1, SCHEMA_VERSION + 1):
                        MIGRATIONS[step](connection)
                        connection.execute(update(ledger_meta).where(ledger_meta.c.id == 1).values(schema_version=step))
                return
            except LedgerError:
                raise
            except (DBAPIError, SQLAlchemyError) as exc:
                if attempt == 4:
                    raise LedgerError(f"the ledger {self.shown} could not be opened: {_reason(exc)}",
                                      hint=f"pass a SQLAlchemy URL with --ledger or ${LEDGER_ENV}") from exc
                time.sleep(0.2 * (attempt + 1))

    # -- reading ------------------------------------------------------------------------------------

    def runs(self, workspace: str, plan_year: str | None = None) -> list[dict[str, Any]]:
        query = select(runs).where(runs.c.workspace == workspace).order_by(runs.c.id)
        if plan_year is not None:
            query = query.where(runs.c.plan_year == plan_year)
        with self._read() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def run(self, workspace: str, run_id: int, *, with_payments: bool = True) -> dict[str, Any]:
        """The run's row; with `with_payments`, also every payment by employee, each with its whole trail."""
        with self._read() as connection:
            row = connection.execute(select(runs).where(runs.c.id == run_id, runs.c.workspace == workspace)).first()
            if row is None:
                raise LedgerError(f"no run {run_id} of workspace '{workspace}' in the ledger {self.shown}",
                                  hint="`pmrules runs WORKSPACE` lists them")
            record = dict(row._mapping)
            if not with_payments:
                return record
            record["payments"] = {p.employee_id: dict(p._mapping) for p in connection.execute(
                select(payments).where(payments.c.run_id == run_id).order_by(payments.c.employee_id))}
            _expand_trails(connection, list(record["payments"].values()))
        return record

    def committed(self, workspace: str, plan_year: str, periods: Sequence[str]) -> dict[str, int]:
        """The committed run of each of `periods` that has one."""
        with self._read() as connection:
            return _committed(connection, workspace, plan_year, periods)

    def paid_before(self, run_ids: Sequence[int]) -> dict[str, tuple[Decimal, Decimal]]:
        """Per employee, what those runs paid and forgave in total (summed exactly from the stored text)."""
        return self.paid_before_rows(run_ids).totals()

    def paid_before_rows(self, run_ids: Sequence[int]) -> PaidBefore:
        """What those runs paid and forgave, one row per employee and run, read through the driver's cursor
        (a row per employee and run: millions in a large plan year)."""
        if not run_ids:
            return PaidBefore.of_rows([])
        query = select(payments.c.employee_id, payments.c.paid, payments.c.forgiven).where(
            payments.c.run_id.in_([int(r) for r in run_ids]))
        with self._read() as connection:
            compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
            cursor = connection.connection.cursor()
            parts = []
            try:
                cursor.execute(str(compiled))
                while rows := cursor.fetchmany(FETCH_CHUNK):  # as Arrow a chunk at a time: never millions of tuples
                    parts.append(PaidBefore.of_rows(rows))
            finally:
                cursor.close()
        return PaidBefore.concat(parts)

    def paid_in(self, run_ids: Sequence[int]) -> dict[str, str]:
        """Per employee, the currency those runs paid them in (recorded in the payment trail; issue 14)."""
        found: dict[str, str] = {}
        if not run_ids:
            return found
        with self._read() as connection:
            rows = connection.execute(select(payments.c.employee_id, payments.c.trail)
                                      .where(payments.c.run_id.in_(list(run_ids))))
            for employee, trail in rows:
                currency = json.loads(trail).get("currency")
                if currency is not None:
                    found[employee] = currency
        return found

    def locks(self, workspace: str, plan_year: str) -> dict[str, dict[str, Any]]:
        with self._read() as connection:
            return {row.period: dict(row._mapping) for row in connection.execute(
                select(locks).where(locks.c.workspace == workspace, locks.c.plan_year == plan_year))}

    def signoffs(self, run_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Each run's sign-off events, oldest first (see ledger/signoff.py)."""
        with self._read() as connection:
            return signoff.events_of(connection, run_ids)

    def check_not_final(self, workspace: str, plan_year: str, period: str) -> None:
        """Refuse, before any work, a commit that would supersede an approved or paid run."""
        with self._read() as connection:
            _check_not_final(connection, workspace, plan_year, period)

    def history(self, workspace: str, employee_id: str) -> list[dict[str, Any]]:
        query = (select(runs.c.id, runs.c.plan_year, runs.c.period, runs.c.status, runs.c.created, runs.c.created_by,
                        payments.c.status.label("payment_status"), payments.c.earned, payments.c.due, payments.c.paid,
                        payments.c.forgiven, payments.c.carried, payments.c.trail, payments.c.run_id)
                 .join(payments, payments.c.run_id == runs.c.id)
                 .where(runs.c.workspace == workspace, payments.c.employee_id == employee_id).order_by(runs.c.id))
        with self._read() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
            _expand_trails(connection, rows)
        return rows

    # -- writing ------------------------------------------------------------------------------------

    def commit_run(self, record: RunRecord, later_periods: Sequence[str], earlier_periods: Sequence[str]) -> int:
        """Record a run in one transaction; the previous committed run of its period becomes superseded.

        Refused when the period is locked, when a later period already has a committed run, or when the
        committed runs of earlier periods changed since the run was computed (another commit won the race).
        """
        with self._write() as connection:
            lock = connection.execute(select(locks).where(locks.c.workspace == record.workspace,
                                                          locks.c.plan_year == record.plan_year,
                                                          locks.c.period == record.period)).first()
            if lock is not None:
                raise locked_error(record.period, dict(lock._mapping))
            _check_not_final(connection, record.workspace, record.plan_year, record.period)
            later = _committed(connection, record.workspace, record.plan_year, later_periods)
            if later:
                period, run_id = next(iter(later.items()))
                raise LedgerError(f"period {record.period} cannot be committed again: period {period} already has "
                                  f"committed run {run_id}", hint="pay the latest open period; a change to an "
                                  "earlier period flows into it as a retro adjustment")
            basis = tuple(sorted(_committed(connection, record.workspace, record.plan_year, earlier_periods).values()))
            if basis != tuple(sorted(record.basis)):
                raise LedgerError("the ledger changed while this run was computed (another run was committed)",
                                  hint="run the payout again")
            connection.execute(update(runs).where(runs.c.workspace == record.workspace,
                                                  runs.c.plan_year == record.plan_year,
                                                  runs.c.period == record.period,
                                                  runs.c.status == "committed").values(status="superseded"))
            inserted = connection.execute(runs.insert().values(
                workspace=record.workspace, plan_year=record.plan_year, period=record.period, status="committed",
                created=now(), created_by=record.created_by, total=str(record.total), employees=len(record.payments),
                inputs=_json(record.inputs), plugins=_json(record.plugins), options=_json(record.options),
                audit=_json(record.audit), actuals=_json(record.actuals), kpis=_json(record.kpis))).inserted_primary_key
            assert inserted is not None
            run_id = inserted[0]
            if record.trail_groups and self.version >= 3:
                connection.execute(trail_groups.insert(), [{"run_id": run_id, "group_id": g, "trail": _json(t)}
                                                           for g, t in sorted(record.trail_groups.items())])
            for values in _payment_values(record, run_id, self.version):
                _insert_many(connection, payments, PAYMENT_COLUMNS, values)
            pause = os.environ.get(PAUSE_ENV)
            if pause:
                time.sleep(float(pause))
            return int(run_id)

    def lock(self, workspace: str, plan_year: str, period: str, by: str) -> dict[str, Any]:
        with self._write() as connection:
            existing = connection.execute(select(locks).where(locks.c.workspace == workspace,
                                                              locks.c.plan_year == plan_year,
                                                              locks.c.period == period)).first()
            if existing is not None:
                raise locked_error(period, dict(existing._mapping))
            committed = _committed(connection, workspace, plan_year, [period])
            if not committed:
                raise LedgerError(f"period {period} has no committed run to lock",
                                  hint=f"pay it first: pmrules payout WORKSPACE --period {period} --commit")
            record = {"workspace": workspace, "plan_year": plan_year, "period": period, "locked_at": now(),
                      "locked_by": by, "run_id": committed[period]}
            connection.execute(locks.insert().values(**record))
            return record


def _check_not_final(connection: Connection, workspace: str, plan_year: str, period: str) -> None:
    current = _committed(connection, workspace, plan_year, [period])
    if current:
        run_id = current[period]
        error = signoff.final_error(run_id, period, signoff.events_of(connection, [run_id]).get(run_id, []))
        if error is not None:
            raise error


def locked_error(period: str, lock: dict[str, Any]) -> LedgerError:
    return LedgerError(f"period {period} is locked (by {lock['locked_by']} at {lock['locked_at']}, run "
                       f"{lock['run_id']}): its payments are final",
                       hint="a restated actual flows into the next open period as a retro adjustment")


def _committed(connection: Connection, workspace: str, plan_year: str, periods: Sequence[str]) -> dict[str, int]:
    if not periods:
        return {}
    rows = connection.execute(select(runs.c.period, runs.c.id).where(
        runs.c.workspace == workspace, runs.c.plan_year == plan_year, runs.c.status == "committed",
        runs.c.period.in_(list(periods))))
    return {period: int(run_id) for period, run_id in rows}


def _expand_trails(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Each row's `trail` (JSON text, either layout) becomes the whole trail as JSON text."""
    parsed = [json.loads(row["trail"]) for row in rows]
    refs = group_refs((int(row["run_id"]), trail) for row, trail in zip(rows, parsed, strict=True))
    shared: dict[int, dict[int, dict[str, Any]]] = {}
    for run_id, wanted in refs.items():
        query = select(trail_groups.c.group_id, trail_groups.c.trail).where(trail_groups.c.run_id == run_id)
        if len(wanted) <= 500:  # else the whole run's groups: fewer than its payments, and no huge IN list
            query = query.where(trail_groups.c.group_id.in_(sorted(wanted)))
        shared[run_id] = {int(g): json.loads(t) for g, t in connection.execute(query)}
    for row, trail in zip(rows, parsed, strict=True):
        groups = shared.get(int(row["run_id"]))
        if groups is not None:
            row["trail"] = _json(expand(trail, groups))


PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
PAYMENT_COLUMNS = ("run_id", "employee_id", "status", "earned", "due", "paid", "forgiven", "carried", "trail")
INSERT_CHUNK = 5000
FETCH_CHUNK = 100_000


def _payment_values(record: RunRecord, run_id: int, version: int) -> Iterator[list[tuple[Any, ...]]]:
    """The payments as PAYMENT_COLUMNS tuples, a chunk at a time (a million rows are never all held)."""
    chunks = getattr(record.payments, "chunks", None)
    if chunks is not None and version >= 3:  # PaymentRecords: tuples in row order, the trail JSON text already
        for chunk in chunks(INSERT_CHUNK):
            yield [(run_id, *row) for row in chunk]
        return
    rows = list(record.payments)
    for start in range(0, len(rows), INSERT_CHUNK):
        if version >= 3:
            yield [(run_id, p["employee_id"], p["status"], p["earned"], p["due"], p["paid"], p["forgiven"],
                    p["carried"], _trail_text(p["trail"])) for p in rows[start:start + INSERT_CHUNK]]
        else:  # a version 1-2 ledger (only while a test pins SCHEMA_VERSION): the whole trail per payment
            yield [(run_id, p["employee_id"], p["status"], p["earned"], p["due"], p["paid"], p["forgiven"],
                    p["carried"], _json(expand(_trail_dict(p["trail"]), record.trail_groups)))
                   for p in rows[start:start + INSERT_CHUNK]]


def _insert_many(connection: Connection, table: Table, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """Rows straight to the driver's executemany: their values are text and integers, which need no
    conversion, and SQLAlchemy's per-row parameter processing was most of the time of a large commit."""
    placeholder = PLACEHOLDERS.get(connection.dialect.paramstyle)
    if placeholder is None:  # a driver with named or numbered parameters: through SQLAlchemy
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in values])
        return
    names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    marks = ", ".join([placeholder] * len(columns))
    table_name = connection.dialect.identifier_preparer.format_table(table)
    connection.exec_driver_sql(f"INSERT INTO {table_name} ({names}) VALUES ({marks})", values)


def _trail_text(trail: str | dict[str, Any]) -> str:
    """A payment's trail as stored: JSON text (payment_rows may have made it already)."""
    return trail if isinstance(trail, str) else _json(trail)


def _trail_dict(trail: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(trail) if isinstance(trail, str) else trail


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _reason(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LedgerError(f"--ledger {url!r} is not a database URL",
                          hint="e.g. sqlite:///ledger.db or postgresql+psycopg://user@host/db") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 60})
            _sqlite_transactions(engine)
            return engine
        # No pool: a command runs a few transactions, and a pooled connection outlives a ledger nobody closed
        # (commands run in one process by tests or an embedding program would use up the server's clients).
        return create_engine(parsed, poolclass=NullPool)
    except (NoSuchModuleError, ImportError) as exc:
        raise LedgerError(f"no database driver for {parsed.drivername}: {exc}",
                          hint="install one, e.g. pip install 'pmrules[postgres]' for PostgreSQL") from exc
    except OSError as exc:
        raise LedgerError(f"the ledger folder cannot be created: {exc}") from exc


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: DDL included, and the write lock taken at BEGIN (no deadlock on upgrade)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
