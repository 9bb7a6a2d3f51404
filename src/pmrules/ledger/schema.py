"""The ledger's tables and the migrations that build them, one schema version at a time.

Money is decimal text (exact on every database); structured records are JSON text. The single row of
`ledger_meta` holds the schema version, and every write transaction updates it first: that row lock
serialises writers on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table, Text, inspect

SCHEMA_VERSION = 3

metadata = MetaData()

ledger_meta = Table(
    "ledger_meta", metadata,
    Column("id", Integer, primary_key=True),
    Column("schema_version", Integer, nullable=False),
    Column("writes", Integer, nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(200), nullable=False, index=True),
    Column("plan_year", String(100), nullable=False),
    Column("period", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # committed | superseded
    Column("created", String(40), nullable=False),  # ISO 8601, UTC
    Column("created_by", String(200), nullable=False),
    Column("total", String(60), nullable=False),
    Column("employees", Integer, nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: [{path, sha256}] of every input and rule set
    Column("plugins", Text, nullable=False),  # JSON: [{name, distribution, version}]
    Column("options", Text, nullable=False),  # JSON
    Column("audit", Text, nullable=False),  # JSON: the audit summary
    Column("actuals", Text, nullable=False),  # JSON: {period: [[entity, input, value, "file:line"], ...]}
    Column("kpis", Text, nullable=False),  # JSON: {owner: {kpi: {"period": v, "ytd": v, "factor": f}}}
)

payments = Table(
    "payments", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("employee_id", String(200), primary_key=True),
    Column("status", String(20), nullable=False),  # paid | unpaid
    Column("earned", String(60)),  # year-to-date earned bonus
    Column("due", String(60)),  # what this period owes before the negative true-up policy
    Column("paid", String(60), nullable=False),  # what this run pays (negative: recovered)
    Column("forgiven", String(60), nullable=False),
    Column("carried", String(60), nullable=False),
    # JSON. Versions 1-2: the whole trail (row, scores, multiplier, days, reasons, ...). Version 3: what is the
    # employee's own (row, days, amounts) and `group`, the run's trail_groups row holding the shared rest.
    Column("trail", Text, nullable=False),
)

trail_groups = Table(
    "trail_groups", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("group_id", Integer, primary_key=True),
    Column("trail", Text, nullable=False),  # JSON: plan, center, scores, multiplier, reasons, share, year_days
)

locks = Table(
    "locks", metadata,
    Column("workspace", String(200), primary_key=True),
    Column("plan_year", String(100), primary_key=True),
    Column("period", String(100), primary_key=True),
    Column("locked_at", String(40), nullable=False),
    Column("locked_by", String(200), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
)


# Version 2: sign-off. Append-only: a run's sign-off state is its latest event (none: draft; rejected: draft).
signoffs = Table(
    "signoffs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("step", String(20), nullable=False),  # reviewed | approved | rejected | paid
    Column("at", String(40), nullable=False),  # ISO 8601, UTC
    Column("by", String(200), nullable=False),
    Column("comment", Text),
    Column("detail", Text, nullable=False),  # JSON: the state it left, four_eyes in force, the export's file
)


def _v1(connection: Connection) -> None:
    for table in (ledger_meta, runs, payments, locks):
        table.create(connection, checkfirst=True)
    connection.execute(ledger_meta.insert().values(id=1, schema_version=0, writes=0))


def _v2(connection: Connection) -> None:
    signoffs.create(connection, checkfirst=True)


def _v3(connection: Connection) -> None:
    """The trail a multiplier group's employees share, once per run and group (~0.7 KB less per payment).

    Existing payments keep their whole trail (versions 1-2 layout); readers take both (ledger/trails.py).
    """
    trail_groups.create(connection, checkfirst=True)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2, 3: _v3}  # version -> step from version - 1


def current_version(connection: Connection) -> int:
    if not inspect(connection).has_table("ledger_meta"):
        return 0
    version = connection.execute(ledger_meta.select().with_only_columns(ledger_meta.c.schema_version)).scalar()
    return int(version or 0)
