"""`pmrules statements`: one statement per employee, HTML and PDF, from the current computation or a committed run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pmrules.cli import cli, plugin_manager
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import Phases, run_inputs
from pmrules.cli.planyear_cmds import LEDGER_OPTION, _ledger
from pmrules.errors import InputError


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path), metavar="DIR",
              help="The folder to write (new, empty, or one this command wrote before; replaced whole).")
@click.option("--run", "run_id", type=int, default=None, metavar="RUN",
              help="Render a committed run of the ledger: its stored amounts and trail (see `pmrules runs`).")
@click.option("--period", "period_id", metavar="PERIOD", default=None,
              help="One period of the plan year (e.g. Q2): earned to date, due, paid before.")
@click.option("--locale", "locale_name", default="en_US", show_default=True, metavar="LOCALE",
              help="Language and region for money, numbers and dates, e.g. de_DE, en_GB, fr_FR.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="Page size.")
@click.option("--pdf/--no-pdf", "pdf", default=True, show_default=True,
              help="Also print each statement to PDF (needs Chromium; --no-pdf writes HTML only).")
@click.option("--employee", "employees", multiple=True, metavar="ID",
              help="Only these employees (repeat the option); default everyone.")
@click.option("--skip-audit", is_flag=True, help="Do not audit first (a computation only; a committed run was audited).")
@LEDGER_OPTION
def statements(directory: Path, output: Path, run_id: int | None, period_id: str | None, locale_name: str, paper: str,
               pdf: bool, employees: tuple[str, ...], skip_audit: bool, ledger_url: str | None) -> None:
    """Write one statement per employee, HTML and PDF: measures, scores, gates, bonus, paid before.

    Each statement shows one employee's plan, period, target, every measure (result, threshold,
    target, maximum, factor, weight), the component scores, gates, proration, any adjustments and
    discretion with their reasons, the bonus, and what the run ledger records as paid before in
    the plan year. It names no other employee. Money and dates are written for --locale; pages
    are A4 or Letter. PDFs are printed by one headless Chromium (Debian's `chromium`, or
    $PMRULES_CHROMIUM). The folder appears whole or not at all, with statements.json listing it.

    \b
        pmrules statements examples/northwind-bank --output statements
        pmrules statements plan-year --period Q2 --locale de_DE --no-pdf --output q2
        pmrules statements plan-year --run 3 --employee A1 --paper letter --output run3
    """
    from pmrules.api import open_workspace
    from pmrules.io.staged import check_output_folder, staged_folder
    from pmrules.statements.chromium import Browser, find_chromium
    from pmrules.statements.html import Renderer
    from pmrules.statements.localise import Formats, parse_locale
    from pmrules.statements.write import INDEX, file_stems, write_statements

    formats = Formats(parse_locale(locale_name))
    chromium = find_chromium() if pdf else None  # before any work: a missing browser is exit 2, nothing written
    opened = open_workspace(directory, plugin_manager())
    check_output_folder(output, INDEX, run_inputs(opened))
    with Phases() as phase:
        if run_id is not None:
            ids, statements_of, meta = _from_run(opened, run_id, period_id, ledger_url)
        else:
            ids, statements_of, meta = _from_computation(opened, period_id, skip_audit, ledger_url, phase)
        chosen = _choose(list(employees), ids)
        stems = file_stems(chosen)
        renderer = Renderer(formats, paper)
        meta.update({"locale": str(formats.locale), "paper": paper, "pdf": pdf})

        def progress(n: int) -> None:
            phase(f"statements: {n:,} of {len(chosen):,}")

        with staged_folder(output) as folder:
            if chromium is not None:
                with Browser(chromium) as browser:
                    write_statements(folder, statements_of(chosen), stems, renderer, browser=browser, paper=paper,
                                     meta=meta, progress=progress)
            else:
                write_statements(folder, statements_of(chosen), stems, renderer, browser=None, paper=paper, meta=meta,
                                 progress=progress)
    kinds = "HTML and PDF" if pdf else "HTML"
    click.echo(f"wrote {len(chosen):,} statement(s) ({kinds}) to {output}", err=True)


def _choose(wanted: list[str], ids: list[str]) -> list[str]:
    if not wanted:
        return list(dict.fromkeys(ids))  # a person once (an effective-dated employee has several rows)
    from pmrules.errors import did_you_mean

    known = set(ids)
    for employee in wanted:
        if employee not in known:
            raise InputError(f"--employee {employee}: no such employee in this payout",
                             hint=did_you_mean(employee, ids) or "give an employee_id from employees.csv")
    return list(dict.fromkeys(wanted))


def _from_computation(opened: Any, period_id: str | None, skip_audit: bool, ledger_url: str | None,
                      phase: Phases) -> tuple[list[str], Any, dict[str, Any]]:
    from pmrules.cli.payout_cmds import audit_first
    from pmrules.payout import Period, compute_payouts
    from pmrules.planyear.pay import pay_period
    from pmrules.planyear.periods import find_period
    from pmrules.statements.build import StatementBuilder
    from pmrules.statements.ledger import paid_in

    ws = opened.workspace
    m = ws.manifest
    periods = [p.id for p in (m.periods or [])]
    ledger = _ledger(ws.root, ledger_url, create=False)
    if period_id is not None:
        index, _ = find_period(m, period_id)
        earlier = periods[:index]
    else:
        earlier = periods
    phase(f"auditing {len(ws.employees):,} employees' plans and scorecards")
    audit_first(opened, skip_audit, None, phase)
    paid = None if ledger is None else paid_in(ledger, m.workspace, m.period, earlier)
    phase(f"paying {len(ws.employees):,} employees")
    if period_id is not None:
        basis = {} if ledger is None else ledger.committed(m.workspace, m.period, earlier)
        before = {} if ledger is None else ledger.paid_before_rows(list(basis.values()))
        result = pay_period(ws, opened.catalog, period_id, basis, before)
        builder = StatementBuilder(ws, opened.catalog, result.run, period=result, paid_before=paid)
    else:
        run = compute_payouts(ws, opened.catalog, Period.of(m), ws.employees)
        builder = StatementBuilder(ws, opened.catalog, run, paid_before=paid if periods else None)
    meta = {"workspace": m.workspace, "plan_year": m.period, "period": period_id or m.period, "run": None}
    return builder.run.table.id_list(), builder.statements, meta


def _from_run(opened: Any, run_id: int, period_id: str | None, ledger_url: str | None) -> tuple[list[str], Any, dict[str, Any]]:
    from pmrules.planyear.periods import find_period
    from pmrules.statements.from_run import RunStatements
    from pmrules.statements.ledger import paid_in

    ws = opened.workspace
    m = ws.manifest
    ledger = _ledger(ws.root, ledger_url, create=False)
    if ledger is None:
        raise InputError(f"--run {run_id}: the workspace has no ledger yet",
                         hint="commit runs with `pmrules payout WORKSPACE --period P --commit`, or pass --ledger URL")
    record = ledger.run(m.workspace, run_id)
    if period_id is not None and period_id != record["period"]:
        raise InputError(f"--run {run_id} paid period {record['period']}, not {period_id}",
                         hint="leave out --period with --run")
    index, _ = find_period(m, record["period"])
    earlier = [p.id for p in (m.periods or [])[:index]]
    source = RunStatements(ws, opened.catalog, record, paid_in(ledger, m.workspace, record["plan_year"], earlier))

    def statements_of(ids: list[str]) -> Any:
        return (source.statement(e) for e in ids)

    meta = {"workspace": m.workspace, "plan_year": record["plan_year"], "period": record["period"], "run": run_id}
    return source.employee_ids, statements_of, meta
