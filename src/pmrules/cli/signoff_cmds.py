"""`pmrules signoff`, `approve`, `reject` and `export`: a committed run's way from draft to payroll (docs/signoff.md)."""

from __future__ import annotations

import contextlib
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from pmrules.cli import cli
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import OUTPUT_PATH, render_table, run_inputs, to_json
from pmrules.cli.planyear_cmds import FORMAT_OPTION, LEDGER_OPTION, _ledger, who
from pmrules.cli.tables import Table
from pmrules.errors import InputError, LedgerError, OutputError
from pmrules.safetext import printable

AS_OPTION = click.option("--as", "by", metavar="NAME", default=None,
                         help="Who signs (default: the OS user); recorded with the time in the ledger.")
RUN_ARGUMENT = click.argument("run_id", metavar="RUN", type=int)


def _open(directory: Path, ledger_url: str | None) -> tuple[Any, Any]:
    from pmrules.api import open_workspace
    from pmrules.cli import plugin_manager

    opened = open_workspace(directory, plugin_manager())
    ledger = _ledger(opened.workspace.root, ledger_url, create=False)
    if ledger is None:
        raise InputError("the workspace has no ledger yet: there is no committed run to sign off",
                         hint=f"commit one first: pmrules payout {directory} --period PERIOD --commit")
    return opened, ledger


def _four_eyes(ws: Any) -> bool:
    return ws.manifest.signoff is None or ws.manifest.signoff.four_eyes


def _sign(directory: Path, run_id: int, step: str, by: str | None, comment: str | None, fmt: str,
          ledger_url: str | None) -> None:
    from pmrules.ledger.signoff import sign

    opened, ledger = _open(directory, ledger_url)
    ws = opened.workspace
    signed = sign(ledger, ws.manifest.workspace, run_id, step, who(by), comment, _four_eyes(ws))
    for warning in signed.warnings:
        click.echo(printable(f"warning: {warning}: allowed because pmrules.yaml has `signoff: {{four_eyes: false}}` "
                             "(recorded)"), err=True)
    e, run = signed.event, signed.run
    if fmt == "json":
        click.echo(to_json({"run": run["id"], "plan_year": run["plan_year"], "period": run["period"], "step": step,
                            "from": e["detail"]["from"], "state": signed.state, "by": e["by"], "at": e["at"],
                            "comment": e["comment"], "four_eyes": e["detail"]["four_eyes"],
                            "warnings": signed.warnings}), nl=False)
        return
    click.echo(printable(f"run {run['id']} ({run['plan_year']} {run['period']}, prepared by {run['created_by']}): "
                         f"{e['detail']['from']} -> {signed.state}, {step} by {e['by']} at {e['at']}"
                         + (f": {e['comment']}" if e["comment"] else "")))


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@RUN_ARGUMENT
@click.option("--step", type=click.Choice(["reviewed", "approved"]), required=True,
              help="reviewed: a draft run was checked; approved: a reviewed run may be paid.")
@AS_OPTION
@click.option("--comment", metavar="TEXT", default=None, help="Why, or what was checked (recorded).")
@FORMAT_OPTION
@LEDGER_OPTION
def signoff(directory: Path, run_id: int, step: str, by: str | None, comment: str | None, fmt: str,
            ledger_url: str | None) -> None:
    """Sign off a committed run: draft -> reviewed -> approved (then `export` pays it).

    Each step is recorded in the ledger with who, when and the comment. Steps out of order are
    refused (exit 2). Four-eyes (the default): whoever committed the run (payout --by) neither
    reviews nor approves it, and its reviewer does not approve it; `signoff: {four_eyes: false}`
    in pmrules.yaml allows it (warned and recorded). `pmrules runs DIR --run RUN` shows the trail.

    \b
        pmrules signoff plan-year 3 --step reviewed --as lee --comment "tied out to the GL"
        pmrules signoff plan-year 3 --step approved --as kim      (the same as: pmrules approve plan-year 3 --as kim)
    """
    _sign(directory, run_id, step, by, comment, fmt, ledger_url)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@RUN_ARGUMENT
@AS_OPTION
@click.option("--comment", metavar="TEXT", default=None, help="Why (recorded).")
@FORMAT_OPTION
@LEDGER_OPTION
def approve(directory: Path, run_id: int, by: str | None, comment: str | None, fmt: str, ledger_url: str | None) -> None:
    """Approve a reviewed run for payroll; an approved run is final (its period is not committed again).

    Refused (exit 2) for a run that is not reviewed, and under four-eyes for its preparer or reviewer.
    Then `pmrules export DIR RUN --output payroll.csv` writes the payroll file and marks it paid.

    \b
        pmrules approve plan-year 3 --as kim --comment "within budget"
    """
    _sign(directory, run_id, "approved", by, comment, fmt, ledger_url)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@RUN_ARGUMENT
@AS_OPTION
@click.option("--comment", metavar="TEXT", required=True, help="Why it goes back to draft (required, recorded).")
@FORMAT_OPTION
@LEDGER_OPTION
def reject(directory: Path, run_id: int, by: str | None, comment: str, fmt: str, ledger_url: str | None) -> None:
    """Send a reviewed or approved run back to draft, with the reason; its period may then be committed again.

    Refused (exit 2) once the run is paid or its period is locked: a correction then flows into the
    next open period as a retro adjustment. Earlier sign-offs stay in the ledger.

    \b
        pmrules reject plan-year 3 --as kim --comment "Q1 won restated: 36 not 40"
    """
    if not comment.strip():
        raise click.BadParameter("says why the run goes back to draft; it must not be empty", param_hint="--comment")
    _sign(directory, run_id, "rejected", by, comment, fmt, ledger_url)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@RUN_ARGUMENT
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True,
              help="csv: employee, amount, currency, pay_period, period_start, period_end, plan_year, run.")
@click.option("--output", "-o", type=OUTPUT_PATH, default=None,
              help="The payroll file (written to a temp file, then renamed); default stdout.")
@click.option("--as", "by", metavar="NAME", default=None, help="Who exports (default: the OS user); recorded.")
@click.option("--again", is_flag=True, help="Write the payroll file of a paid run again (needs --comment; recorded).")
@click.option("--comment", metavar="TEXT", default=None, help="Why (recorded; required with --again).")
@LEDGER_OPTION
def export(directory: Path, run_id: int, fmt: str, output: Path | None, by: str | None, again: bool,
           comment: str | None, ledger_url: str | None) -> None:
    """Write the payroll file of an approved run and mark the run paid, in one ledger transaction.

    One row per employee the run pays (a negative amount recovers an overpayment); employees paid
    0.00 are left out. The run is marked paid only if the whole file was written; a run that is not
    approved is refused (exit 2), and a paid one unless --again (recorded with the reason).

    \b
        pmrules payout plan-year --period Q1 --commit --by ana     (run 3, a draft)
        pmrules signoff plan-year 3 --step reviewed --as lee
        pmrules approve plan-year 3 --as kim
        pmrules export plan-year 3 --output payroll-Q1.csv --as cy
        pmrules export plan-year 3 --output payroll-Q1.csv --again --comment "payroll lost the file"
    """
    from pmrules.io.atomic import check_output_path, staged
    from pmrules.ledger.payroll import FORMATS, payroll_rows, totals
    from pmrules.ledger.signoff import paying

    if again and not (comment or "").strip():
        raise click.UsageError("--again needs --comment WHY (the reason is recorded)")
    opened, ledger = _open(directory, ledger_url)
    ws = opened.workspace
    m = ws.manifest
    if output is not None:
        check_output_path(output, run_inputs(opened))
    renamed = False
    try:
        with paying(ledger, m.workspace, run_id, who(by), again=again, comment=comment) as job:
            period = next((p for p in m.periods or [] if p.id == job.run["period"]), None)
            rows = payroll_rows(job.run, job.payments, m.currency, period)
            data = FORMATS[fmt](rows)
            money_by_currency = totals(rows)
            detail: dict[str, Any] = {"format": fmt, "file": "-" if output is None else str(output.resolve()),
                      "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows), "totals": money_by_currency}
            if output is None:
                job.mark_paid(detail)
                try:
                    click.echo(data, nl=False)
                except OSError as exc:
                    raise OutputError(f"cannot write to stdout: {exc.strerror or type(exc).__name__}",
                                      hint="nothing was marked paid; use --output FILE") from exc
            else:
                with staged(output, data):
                    job.mark_paid(detail)
                renamed = True
    except LedgerError:
        if renamed and output is not None:  # the ledger did not commit after the file was in place
            with contextlib.suppress(OSError):
                output.unlink()
        raise
    event = job.event
    assert event is not None
    left_out = len(job.payments) - len(rows)
    money = ", ".join(f"{c} {Decimal(t):,}" for c, t in money_by_currency.items()) or "nothing"
    click.echo(printable(f"run {run_id} ({job.run['plan_year']} {job.run['period']}) is paid: {len(rows)} payment(s), "
                         f"{money}, exported by {event['by']} at {event['at']}"
                         + (f" to {output}" if output is not None else "") + (" (again)" if again else "")
                         + (f"; {left_out} employee(s) with 0.00 left out" if left_out else "")), err=True)


def _signoff_detail(detail: dict[str, Any]) -> str:
    parts = []
    if "four_eyes" in detail:
        parts.append(f"four-eyes {'on' if detail['four_eyes'] else 'off'}")
    parts.extend(detail.get("same_person", []))
    if "file" in detail:
        money = ", ".join(f"{c} {t}" for c, t in detail.get("totals", {}).items())
        parts.append(f"{'again: ' if detail.get('again') else ''}{detail['format']} {detail['file']}, {detail['rows']} "
                     f"row(s), {money or 'nothing'}, sha256 {detail['sha256'][:16]}")
    return "; ".join(parts)


def render_signoffs(workspace: str, run_id: int, records: list[dict[str, Any]], events: list[dict[str, Any]],
                    fmt: str) -> None:
    from pmrules.ledger.signoff import state_of

    run = next((r for r in records if r["id"] == run_id), None)
    if run is None:
        raise InputError(f"no run {run_id} of workspace '{workspace}' in the ledger",
                         hint="`pmrules runs WORKSPACE` lists them")
    state = state_of(events) if run["status"] == "committed" else ""
    trail = [{"step": "committed", "by": run["created_by"], "at": run["created"], "comment": None, "detail": {}},
             *({k: e[k] for k in ("step", "by", "at", "comment", "detail")} for e in events)]
    if fmt == "json":
        click.echo(to_json({"run": run_id, "period": run["period"], "status": run["status"], "signoff": state,
                            "trail": trail}), nl=False)
        return
    table = Table(title=f"Run {run_id} ({run['plan_year']} {run['period']}): {run['status']}"
                  + (f", {state}" if state else ""))
    for column in ("step", "by", "at", "comment", "detail"):
        table.add_column(column, overflow="fold")
    for t in trail:
        table.add_row(t["step"], t["by"], t["at"], t["comment"] or "", _signoff_detail(t["detail"]))
    click.echo(render_table(table), nl=False)
