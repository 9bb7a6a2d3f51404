"""`pmrules payout --period`, `runs`, `diff`, `history` and `lock`: the plan year and its run ledger."""

from __future__ import annotations

import csv
import dataclasses
import getpass
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pyarrow as pa

from pmrules.cli import cli, plugin_manager
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import Phases, emit, render_table, to_json
from pmrules.cli.tables import Table
from pmrules.errors import InputError
from pmrules.io.run_manifest import sha256
from pmrules.planyear.columns import PaymentColumns
from pmrules.planyear.paid import PaidBefore
from pmrules.planyear.pay import PeriodPayout, actuals_record, find_retro, kpi_record, pay_period
from pmrules.planyear.periods import find_period
from pmrules.planyear.record import payment_rows
from pmrules.planyear.ytd import at_period, own_period_kpis, periods_through
from pmrules.safetext import printable, printable_data

FORMATS = click.Choice(["table", "json", "csv"])
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                             help="table for people, json for machines.")
LEDGER_OPTION = click.option("--ledger", "ledger_url", metavar="URL", envvar="PMRULES_LEDGER", default=None,
                             help="The ledger's SQLAlchemy URL (or PMRULES_LEDGER); default WORKSPACE/.pmrules/ledger.db.")


def who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _ledger(root: Path, url: str | None, create: bool) -> Any:
    """The ledger, or None when nothing is configured and the default SQLite file does not exist yet."""
    from pmrules.ledger.store import DEFAULT_PATH, open_ledger

    if url is None and not create and not (root / DEFAULT_PATH).exists():
        return None
    return open_ledger(root, url)


def pay_period_cli(opened: Any, period_id: str, fmt: str, output: Path | None, employee: str | None, skip_audit: bool,
                   commit: bool, ledger_url: str | None, by: str | None, phase: Phases) -> None:
    from pmrules.cli.payout_cmds import audit_first, render_any_explanation
    from pmrules.ledger.store import RunRecord, locked_error
    from pmrules.payout.explain import explain

    ws = opened.workspace
    m = ws.manifest
    index, _ = find_period(m, period_id)
    if fmt not in ("table", "json", "csv"):
        raise click.UsageError(f"--period writes table, json or csv, not {fmt}")
    earlier = [p.id for p in (m.periods or [])[:index]]
    later = [p.id for p in (m.periods or [])[index + 1:]]
    ledger = _ledger(ws.root, ledger_url, commit)
    basis: dict[str, int] = {}
    before: dict[str, tuple[Decimal, Decimal]] | PaidBefore = {}
    paid_in: dict[str, str] | None = None
    retro = []
    if ledger is not None:
        phase(f"reading the ledger {ledger.shown}")
        lock = ledger.locks(m.workspace, m.period).get(period_id)
        if lock is not None:
            raise locked_error(period_id, lock)
        if commit:
            ledger.check_not_final(m.workspace, m.period, period_id)
        basis = ledger.committed(m.workspace, m.period, earlier)
        before = ledger.paid_before_rows(list(basis.values()))
        paid_in = ledger.paid_in(list(basis.values())) if ws.fx is not None else None
    phase(f"auditing {len(ws.employees):,} employees' plans and scorecards")
    # The audit judges the year-to-date actuals this period pays on (not the whole year's).
    at = dataclasses.replace(opened, workspace=at_period(ws, opened.catalog, period_id))
    audit_record, rulesets, inputs, _ = audit_first(at, skip_audit, output, phase)
    phase(f"paying {period_id} for {len(ws.employees):,} employees")
    result = pay_period(ws, opened.catalog, period_id, basis, before, paid_in, ytd=at.workspace.actuals)
    if ledger is not None and basis:
        latest = max(basis.values())
        retro = find_retro(ws, period_id, json.loads(ledger.run(m.workspace, latest, with_payments=False)["actuals"]),
                           latest)
    result.retro = retro
    period_values = own_period_kpis(ws, opened.catalog, period_id)
    missing = [p for p in earlier if p not in basis]
    if missing:
        phase.echo(printable(f"warning: no committed run for {', '.join(missing)}: nothing is recorded as paid "
                             "for it, so this period pays the whole year-to-date advance"))
    if employee is not None:
        phase.close()
        trail = explain(ws, opened.catalog, result.run, employee, through=periods_through(ws, period_id))
        trail["plan_year"] = plan_year_trail(result, employee, period_values, ledger, m.workspace)
        if result.retro:
            from pmrules.planyear.retro import retro_money

            trail["plan_year"]["retro_money"] = retro_money(ws, opened.catalog, result, employee)
        text = to_json(trail) if fmt == "json" else render_any_explanation(printable_data(trail)) + \
            render_plan_year(printable_data(trail["plan_year"]))
        emit(text, output, inputs)
        sys.exit(0)
    phase(f"writing {fmt}")
    data = render_period(result, m.currency, fmt)
    emit(data, output, inputs)
    if commit:
        assert ledger is not None
        phase(f"recording {len(result.payments):,} payments in the ledger")
        rows, groups = payment_rows(result)
        record = RunRecord(
            workspace=m.workspace, plan_year=m.period, period=period_id, created_by=who(by), total=result.total,
            inputs=[{"path": _shown(ws.root, p), "sha256": sha256(p)} for p in sorted({*ws.input_files,
                                                                                       *(Path(r.path) for r in rulesets)})],
            plugins=[{"name": p.name, "distribution": p.distribution, "version": p.version} for p in opened.catalog.plugins],
            options={"period": period_id, "skip_audit": skip_audit, **_fx_options(result, ws.root)}, audit=audit_record,
            actuals=actuals_record(ws, period_id), kpis=kpi_record(result.run, period_values),
            payments=rows, trail_groups=groups, basis=tuple(basis.values()))
        run_id = ledger.commit_run(record, later, earlier)
        click.echo(printable(f"committed run {run_id}: {m.workspace} {m.period} {period_id} by {record.created_by} "
                             f"to {ledger.shown}"), err=True)
    phase.close()
    unpaid = ([result.payments[k] for k in result.payments.unpaid()] if isinstance(result.payments, PaymentColumns)
              else [p for p in result.payments if p.status != "paid"])
    click.echo(printable(f"{period_id}: {len(result.payments) - len(unpaid)} employee(s) paid, {len(unpaid)} unpaid, "
                         f"total {m.currency} {result.total:,}"), err=True)
    for p in unpaid:
        click.echo(printable(f"unpaid: {p.employee_id}: {p.note}"), err=True)
    sys.exit(1 if unpaid else 0)


def _fx_options(result: PeriodPayout, root: Path) -> dict[str, Any]:
    """The rates a run with several pay currencies used, with their sources, for the ledger (issue 14)."""
    if result.run.currency is None:
        return {}
    from pmrules.currency.manifest import fx_manifest

    return {"fx": fx_manifest(result.run, root)}


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


COLUMNS = ("employee", "plan", "status", "earned_ytd", "share", "target", "paid_before", "forgiven_before", "due",
           "pay", "note")


PERIOD_KEYS = ("employee", "plan", "status", "earned_ytd", "share", "target", "paid_before", "forgiven_before", "due",
               "pay", "forgiven", "carried", "note")


def period_text_arrays(c: PaymentColumns) -> tuple[pa.Array, ...]:
    """The columns of period_rows (PERIOD_KEYS) as Arrow text, null where an amount is not there."""
    return (c.ids, c.plans, c.status_text(), c.money("earned", c.paid), c.share_text(), c.money("target", c.has_target),
            c.money("paid_before"), c.money("forgiven_before"), c.money("due", c.has_target), c.money("pay"),
            c.money("forgiven"), c.money("carried"), c.note_text())


def period_csv(payments: PaymentColumns) -> str:
    """The period's CSV made column by column (payout/csvlines.py): the csv module's minimal quoting, a missing
    amount empty; ids, plans and notes are the only cells that can need quotes."""
    from pmrules.payout.csvlines import csv_lines
    from pmrules.payout.records import TextPart

    head = (",".join(PERIOD_KEYS) + "\n").encode()
    body = csv_lines([TextPart(PERIOD_KEYS, period_text_arrays(payments))], PERIOD_KEYS, len(payments),
                     {"employee", "plan", "note"}, neutralise=False, head=head)
    return body.decode("utf-8")


def period_rows(result: PeriodPayout) -> list[dict[str, Any]]:
    if isinstance(result.payments, PaymentColumns):
        columns = [column.to_pylist() for column in period_text_arrays(result.payments)]
        return [dict(zip(PERIOD_KEYS, row, strict=True)) for row in zip(*columns, strict=True)]
    return [{"employee": p.employee_id, "plan": p.plan, "status": p.status, "earned_ytd": _money(p.earned),
             "share": str(Decimal(p.share.numerator) / Decimal(p.share.denominator)), "target": _money(p.target),
             "paid_before": str(p.paid_before), "forgiven_before": str(p.forgiven_before), "due": _money(p.due),
             "pay": str(p.pay), "forgiven": str(p.forgiven), "carried": str(p.carried), "note": p.note,
             **({} if p.currency is None else {"currency": p.currency})}
            for p in result.payments]


def render_period(result: PeriodPayout, currency: str, fmt: str) -> str:
    if fmt == "csv" and isinstance(result.payments, PaymentColumns):
        return period_csv(result.payments)
    rows = period_rows(result)
    retro = [vars(r) for r in result.retro]
    if fmt == "json":
        document = {"period": result.period, "final": result.final, "basis": result.basis,
                    "employees": rows, "retro_adjustments": retro, "total": str(result.total)}
        if result.run.currency is not None:  # each currency's payments, and the total converted once (issue 14)
            from pmrules.currency.planyear import by_currency

            document["by_currency"] = by_currency(result)
        return to_json(document)
    if fmt == "csv":
        buffer = io.StringIO()
        dict_writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else list(COLUMNS), lineterminator="\n")
        dict_writer.writeheader()
        dict_writer.writerows(rows)
        return buffer.getvalue()
    title = f"Payout {result.period}{' (year end)' if result.final else ''} ({currency})"
    table = Table(title=title)
    columns = COLUMNS if result.run.currency is None else (*COLUMNS[:-1], "currency", COLUMNS[-1])
    for column in columns:
        table.add_column(column, justify="left" if column in ("employee", "plan", "status", "note", "currency")
                         else "right", overflow="fold")
    for row in rows:
        table.add_row(*(row[c] or "" for c in columns))
    text = render_table(table)
    if result.run.currency is not None:
        from pmrules.currency.planyear import by_currency

        text += "".join(f"paid in {code}: {amount}\n" for code, amount in by_currency(result).items())
        text += f"total in {currency}: {result.total} (every payment x its rate, summed exactly, rounded once)\n"
    for r in result.retro:
        text += (f"retro adjustment: {r.period} {r.input} of {r.entity} was {r.recorded} in run {r.run_id}, now "
                 f"{r.now} ({r.row}); it flows into {result.period}\n")
    return text


def plan_year_trail(result: PeriodPayout, employee: str, period_values: Any, ledger: Any, workspace: str) -> dict[str, Any]:
    i = result.run.table.position(employee)
    assert i is not None  # explain() found the employee already
    p = result.payments[i]
    e = result.run.table[i]
    paid = []
    if ledger is not None:
        runs = set(result.basis.values())
        paid = [{"run": h["id"], "period": h["period"], "paid": h["paid"], "forgiven": h["forgiven"],
                 "carried": h["carried"], "multiplier": _multiplier(h["trail"]), "earned_ytd": h["earned"]}
                for h in ledger.history(workspace, employee) if h["id"] in runs]
    kpis = [{"owner": owner, "kpi": kpi, "period": v["period"], "ytd": v["ytd"]}
            for owner, lines in kpi_record(result.run, period_values).items() for kpi, v in lines.items()]
    return {"period": result.period, "final": result.final, "days_elapsed": int(result.run.days[i]),
            "year_days": result.run.period.days, "start_date": str(e.start_date or ""),
            "kpis": kpis, "earned_ytd": _money(p.earned), "share": str(p.share), "target": _money(p.target),
            "paid_before": paid, "net_paid_before": str(p.net_before), "due": _money(p.due), "pay": str(p.pay),
            "forgiven": str(p.forgiven), "carried": str(p.carried), "note": p.note,
            "retro_adjustments": [vars(r) for r in result.retro]}


def render_plan_year(t: dict[str, Any]) -> str:
    lines = [f"\nplan year: period {t['period']}{' (year end: the whole earned bonus is due)' if t['final'] else ''}"]
    for k in t["kpis"]:
        lines.append(f"  {k['kpi']} of {k['owner']}: period {k['period']}, year to date {k['ytd']} (from accumulated inputs)")
    lines.append(f"earned year to date: {t['earned_ytd']} ({t['days_elapsed']} of {t['year_days']} days employed so far)")
    lines.append(f"share paid now: {t['share']} -> target {t['target']}")
    for paid in t["paid_before"]:
        lines.append(f"  paid for {paid['period']} (run {paid['run']}): {paid['paid']}"
                     + (f", forgiven {paid['forgiven']}" if Decimal(paid["forgiven"]) else "")
                     + f" (earned year to date {paid['earned_ytd']}, multiplier {paid['multiplier']})")
    lines.append(f"paid before, net of forgiven: {t['net_paid_before']}")
    lines.append(f"due: {t['due']}; pays {t['pay']}" + (f" — {t['note']}" if t["note"] else ""))
    for r in t["retro_adjustments"]:
        lines.append(f"retro adjustment: {r['period']} {r['input']} of {r['entity']} was {r['recorded']} when run "
                     f"{r['run_id']} paid it, now {r['now']} ({r['row']}); the difference is in this year-to-date")
    for money in t.get("retro_money", []):
        lines.append(f"  {money['restatement']}: earned year to date {money['earned']} instead of "
                     f"{money['earned_as_recorded']} ({_signed(money['earned_difference'])})"
                     + (f", target {money['target']} instead of {money['target_as_recorded']} "
                        f"({_signed(money['target_difference'])} of this period's due)"
                        if money["target_difference"] is not None else ""))
    return "\n".join(lines) + "\n"


def _multiplier(trail: str) -> str | None:
    """The multiplier an earlier run paid on, from its ledger trail (either layout, expanded by the ledger)."""
    from pmrules.payout.exact import format_decimal
    from pmrules.rational import Fraction

    value = json.loads(trail).get("multiplier")
    return None if value is None else format_decimal(Fraction(value))


def _signed(text: str | None) -> str:
    if text is None:
        return "n/a"
    return text if text.startswith("-") else f"+{text}"


def _opened_manifest(directory: Path) -> Any:
    from pmrules.api import open_workspace

    return open_workspace(directory, plugin_manager()).workspace


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--run", "run_id", metavar="RUN", type=int, default=None, help="Show this run's sign-off trail.")
@FORMAT_OPTION
@LEDGER_OPTION
def runs(directory: Path, run_id: int | None, fmt: str, ledger_url: str | None) -> None:
    """List the runs a workspace's ledger records: id, period, status, sign-off, total, created, by.

    \b
        pmrules runs plan-year
        pmrules runs plan-year --run 3          (who reviewed, approved, rejected, exported it, when and why)
        pmrules runs plan-year --format json --ledger postgresql+psycopg://pay@db/ledger
    """
    from pmrules.ledger.signoff import describe, state_of

    ws = _opened_manifest(directory)
    ledger = _ledger(ws.root, ledger_url, create=False)
    records = [] if ledger is None else ledger.runs(ws.manifest.workspace)
    locks = {} if ledger is None else ledger.locks(ws.manifest.workspace, ws.manifest.period)
    events = {} if ledger is None else ledger.signoffs([r["id"] for r in records])
    if run_id is not None:
        from pmrules.cli.signoff_cmds import render_signoffs

        render_signoffs(ws.manifest.workspace, run_id, records, events.get(run_id, []), fmt)
        return
    rows = [{"id": r["id"], "plan_year": r["plan_year"], "period": r["period"],
             "status": r["status"] + (" (locked)" if locks.get(r["period"], {}).get("run_id") == r["id"] else ""),
             "signoff": state_of(events.get(r["id"], [])) if r["status"] == "committed" else "",
             "total": r["total"], "employees": r["employees"], "created": r["created"], "by": r["created_by"]}
            for r in records]
    if fmt == "json":
        for row in rows:
            row["signed"] = describe(events.get(row["id"], []))
        click.echo(to_json({"runs": rows, "locks": list(locks.values())}), nl=False)
        return
    table = Table(title=f"Runs of {ws.manifest.workspace}")
    for column in ("id", "plan_year", "period", "status", "signoff", "total", "employees", "created", "by"):
        table.add_column(column, justify="right" if column in ("id", "total", "employees") else "left")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    click.echo(render_table(table), nl=False)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--period", "period_id", metavar="PERIOD", required=True, help="The period to close, e.g. Q1.")
@click.option("--by", metavar="NAME", default=None, help="Who locks it (default: the OS user).")
@LEDGER_OPTION
def lock(directory: Path, period_id: str, by: str | None, ledger_url: str | None) -> None:
    """Close a period: its committed payments become final and a rerun of it is refused.

    A restated actual of a locked period flows into the next open period as a retro adjustment.

    \b
        pmrules lock plan-year --period Q1 --by ana
    """
    ws = _opened_manifest(directory)
    find_period(ws.manifest, period_id)
    ledger = _ledger(ws.root, ledger_url, create=False)
    if ledger is None:
        raise InputError(f"period {period_id} has no committed run to lock (no ledger yet)",
                         hint=f"pay it first: pmrules payout {directory} --period {period_id} --commit")
    record = ledger.lock(ws.manifest.workspace, ws.manifest.period, period_id, who(by))
    click.echo(printable(f"locked {period_id} of {ws.manifest.period} (run {record['run_id']}) by {record['locked_by']} "
                         f"at {record['locked_at']}"))


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.argument("employee")
@FORMAT_OPTION
@LEDGER_OPTION
def history(directory: Path, employee: str, fmt: str, ledger_url: str | None) -> None:
    """One employee's runs and payments in the ledger, oldest first.

    \b
        pmrules history plan-year A1
    """
    ws = _opened_manifest(directory)
    ledger = _ledger(ws.root, ledger_url, create=False)
    rows = [] if ledger is None else ledger.history(ws.manifest.workspace, employee)
    if not rows and ws.employees.position(employee) is None:
        from pmrules.errors import did_you_mean

        raise InputError(f"no employee '{employee}' in the workspace or the ledger",
                         hint=did_you_mean(employee, ws.employees.id_list()) or "give an employee_id")
    records = [{"run": r["id"], "plan_year": r["plan_year"], "period": r["period"], "status": r["status"],
                "created": r["created"], "by": r["created_by"], "earned_ytd": r["earned"], "due": r["due"],
                "paid": r["paid"], "forgiven": r["forgiven"], "carried": r["carried"]} for r in rows]
    paid = sum((Decimal(r["paid"]) for r in records if r["status"] == "committed"), Decimal(0))
    if fmt == "json":
        click.echo(to_json({"employee_id": employee, "runs": records, "paid": str(paid)}), nl=False)
        return
    table = Table(title=f"History of {employee}")
    for column in records[0] if records else ("run",):
        table.add_column(column, justify="left" if column in ("plan_year", "period", "status", "created", "by") else "right")
    for record in records:
        table.add_row(*("" if v is None else str(v) for v in record.values()))
    click.echo(render_table(table) + f"paid in committed runs: {paid:,}\n", nl=False)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@FORMAT_OPTION
@LEDGER_OPTION
def diff(directory: Path, run_a: int, run_b: int, fmt: str, ledger_url: str | None) -> None:
    """Why did a payout change between two runs: employees, then the inputs, KPIs, factors and rows behind it.

    \b
        pmrules diff plan-year 2 3
    """
    from pmrules.ledger.diff import diff_runs

    ws = _opened_manifest(directory)
    ledger = _ledger(ws.root, ledger_url, create=False)
    if ledger is None:
        raise InputError("the workspace has no ledger yet", hint="commit runs with payout --period P --commit")
    result = diff_runs(ledger.run(ws.manifest.workspace, run_a), ledger.run(ws.manifest.workspace, run_b))
    if fmt == "json":
        click.echo(to_json(result), nl=False)
        return
    click.echo("".join(printable(line) + "\n" for line in render_diff(result).splitlines()), nl=False)


def render_diff(d: dict[str, Any]) -> str:
    a, b = d["runs"]
    lines = [f"run {a['id']} ({a['period']}, {a['created']} by {a['by']}) -> run {b['id']} ({b['period']}, "
             f"{b['created']} by {b['by']})"]
    for i in d["inputs"]:
        lines.append(f"input {i['period']} {i['input']} of {i['entity']}: {i['before']} -> {i['after']} ({i['row']})")
    for f in d["files"]:
        lines.append(f"file {f['path']}: {f['change']}")
    for k in d["kpis"]:
        lines.append(f"KPI {k['kpi']} of {k['owner']} ({k['what']}): {k['before']} -> {k['after']}")
    for e in d["employees"]:
        lines.append(f"{e['employee_id']}: paid {e['before']['paid']} -> {e['after']['paid']}, earned "
                     f"{e['before']['earned']} -> {e['after']['earned']}")
        for reason in e["why"]:
            lines.append(f"  {reason}")
    if not d["employees"]:
        lines.append("no employee's payment changed")
    return "\n".join(lines) + "\n"


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--period", "period_id", metavar="PERIOD", required=True, help="The period to review, e.g. Q2.")
@FORMAT_OPTION
def review(directory: Path, period_id: str, fmt: str) -> None:
    """Each scorecard for the period and year to date, with RAG and the trend across periods.

    RAG on the year-to-date value: green at or beyond target, amber from threshold, red short of it.

    \b
        pmrules review plan-year --period Q2
    """
    from pmrules.api import open_workspace
    from pmrules.planyear.review import review as build_review

    opened = open_workspace(directory, plugin_manager())
    data = build_review(opened.workspace, opened.catalog, period_id)
    if fmt == "json":
        click.echo(to_json(data), nl=False)
        return
    text = ""
    for card in data["scorecards"]:
        table = Table(title=f"Review {data['period']}: scorecard of {card['owner']}")
        for column in ("kpi", "weight", "threshold", "target", "maximum", "period", "ytd", "rag", "trend",
                       " ".join(data["periods"])):
            table.add_column(column, justify="left" if column in ("kpi", "rag", "trend") else "right")
        for line in card["lines"]:
            table.add_row(line["kpi"], line["weight"], line["threshold"] or "", line["target"] or "",
                          line["maximum"] or "", line["period"] or "n/a", line["ytd"] or "n/a", line["rag"],
                          line["trend"], line["sparkline"])
        text += render_table(table)
    click.echo(text, nl=False)
