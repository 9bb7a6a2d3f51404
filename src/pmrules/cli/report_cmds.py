"""`pmrules report`, `whatif`, `sensitivity` and `suggest`: seeing a workspace and trying changes on it."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import click

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import check_output_path, emit, format_option, output_option, render_table, run_inputs, to_json
from pmrules.cli.tables import Table
from pmrules.errors import InputError
from pmrules.payout import format_decimal
from pmrules.report import render_report
from pmrules.safetext import printable
from pmrules.sensitivity import Sensitivity, sensitivity, sensitivity_document
from pmrules.suggest import Suggestion, suggest, suggest_document
from pmrules.whatif import CSV_COLUMNS, WhatIf, csv_rows, parse_change, what_if, whatif_document


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@output_option
def report(directory: Path, output: Path | None) -> None:
    """Write one self-contained HTML page: strategy, cascade, controllability, findings, payouts.

    The page needs no network (inline SVG, CSS and a little script), prints well, and
    filters a large cascade with its search box. Same workspace, same bytes.

    \b
        pmrules report examples/northwind-bank --output report.html
    """
    opened = open_workspace(directory)
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--output {output}: the report is HTML", hint="name the file report.html")
    if output is not None:
        check_output_path(output, run_inputs(opened))
    emit(render_report(opened.workspace, opened.catalog), output, run_inputs(opened))
    if output is not None:
        click.echo(f"report written to {output}", err=True)


def _money(value: object) -> str:
    return "" if value is None else f"{value:,}"


def render_whatif(result: WhatIf, currency: str) -> str:
    changes = Table(title="Changes")
    for column in ("entity", "input", "set", "before", "after"):
        changes.add_column(column, justify="right" if column in ("before", "after") else "left")
    for a in result.applied:
        changes.add_row(a.change.entity, a.change.input, a.change.text.partition("=")[2],
                        "" if a.before is None else f"{a.before:,}", f"{a.after:,}")
    text = render_table(changes)
    if result.kpis:
        kpis = Table(title="KPI values that moved")
        for column in ("owner", "kpi", "before", "after"):
            kpis.add_column(column, justify="right" if column in ("before", "after") else "left")
        for owner, kpi, value_before, value_after in result.kpis:
            kpis.add_row(owner, kpi, "" if value_before is None else format_decimal(value_before, 6),
                         "" if value_after is None else format_decimal(value_after, 6))
        text += render_table(kpis)
    moved = [d for d in result.employees if d.changed]
    people = Table(title=f"Bonuses that moved ({len(moved)} of {len(result.employees)}, {currency})")
    for column in ("employee", "name", "centre", "plan", "before", "after", "change", "status"):
        people.add_column(column, justify="right" if column in ("before", "after", "change") else "left")
    for d in moved:
        status = d.status_after if d.status_before == d.status_after else f"{d.status_before} -> {d.status_after}"
        people.add_row(d.employee_id, d.name, d.center, d.plan, _money(d.before), _money(d.after),
                       "" if d.delta is None else f"{d.delta:+,}", status)
    text += render_table(people)
    centres = Table(title=f"Totals by centre that moved ({currency})")
    for column in ("centre", "before", "after", "change"):
        centres.add_column(column, justify="left" if column == "centre" else "right")
    for center, (before, after) in result.centers.items():
        if before != after:
            centres.add_row(center, _money(before), _money(after), f"{after - before:+,}")
    text += render_table(centres, width=80)
    delta = result.total_after - result.total_before
    return text + printable(f"Total {currency}: {result.total_before:,} -> {result.total_after:,} ({delta:+,})") + "\n"


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--set", "changes", metavar="ENTITY.INPUT=VALUE", multiple=True,
              help="Change one actual: +5% / -2% (relative) or 2800 (absolute). Repeat for more.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table for people; csv/json for machines.")
@output_option
def whatif(directory: Path, changes: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Pay the workspace again with some actuals changed, and show what moved.

    Changes apply to a copy in memory (files are never touched), in exact decimals;
    KPI values, scores and bonuses are recomputed, pool included. Without --set the
    scenario is the payout itself.

    \b
    Exit: 0 ok, 1 someone cannot be paid in the scenario, 2 invalid input.
        pmrules whatif examples/northwind-bank --set harbor.revenue=+5% --set it.actual_costs=-2%
        pmrules whatif examples/northwind-bank --set corp.clients_retained=230000 --format json
    """
    parsed = [parse_change(text) for text in changes]
    opened = open_workspace(directory)
    ws = opened.workspace
    if output is not None:
        check_output_path(output, run_inputs(opened))
    result = what_if(ws, opened.catalog, parsed)
    if fmt == "json":
        data = to_json(whatif_document(result))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_rows(result))
        data = buffer.getvalue()
    else:
        data = render_whatif(result, ws.manifest.currency)
    emit(data, output, run_inputs(opened))
    sys.exit(1 if result.scenario.unpaid else 0)


def render_sensitivity(result: Sensitivity, currency: str) -> str:
    table = Table(title=f"What moves {result.employee_id}'s bonus ({currency}, centre {result.center}, "
                        f"{result.center_type})")
    for column in ("entity", "input", "category", "value", "per +1%", "d bonus / d input", "own centre controls",
                   "through"):
        table.add_column(column, justify="right" if column in ("value", "per +1%", "d bonus / d input") else "left",
                         overflow="fold")
    for e in result.levers:
        through = "; ".join(f"{p.component}: {p.kpi} ({p.segment})" for p in e.paths)
        table.add_row(e.entity, e.input, e.category, f"{e.value:,}",
                      "undefined" if e.per_percent is None else f"{float(e.per_percent):+,.2f}",
                      "undefined" if e.d_bonus is None else f"{float(e.d_bonus):+.6g}",
                      "yes" if e.controllable else "NO", through)
    text = render_table(table, width=200)
    for note in result.notes:
        text += printable(f"note: {note}") + "\n"
    return text + "per +1%: the bonus change for a 1% rise of that input, all else equal (first order, before rounding).\n"


@cli.command("sensitivity")
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--employee", "employee", metavar="EMPLOYEE", required=True, help="The employee_id to analyse.")
@format_option
@output_option
def sensitivity_cmd(directory: Path, employee: str, fmt: str, output: Path | None) -> None:
    """Which inputs move one employee's bonus, and by how much per 1% change.

    Exact derivatives through the KPI formulas (sympy) and the active segment of
    the payout curve; flat segments, a binding cap and a failed gate move nothing.
    "own centre controls" applies the responsibility table to each input's category.

    \b
        pmrules sensitivity examples/northwind-bank --employee E011
    """
    opened = open_workspace(directory)
    if output is not None:
        check_output_path(output, run_inputs(opened))
    result = sensitivity(opened.workspace, opened.catalog, employee)
    ws = opened.workspace
    data = to_json(sensitivity_document(result)) if fmt == "json" else render_sensitivity(result, ws.manifest.currency)
    emit(data, output, run_inputs(opened))


def render_suggestions(owner: str, suggestions: list[Suggestion]) -> str:
    table = Table(title=f"KPIs {owner} could add")
    for column in ("rank", "kpi", "source", "discipline", "supports", "why"):
        table.add_column(column, overflow="fold")
    for i, s in enumerate(suggestions):
        table.add_row(str(i + 1), s.kpi, s.source, s.discipline or "", ", ".join(s.supports), "; ".join(s.reasons))
    return render_table(table, width=200) if suggestions else printable(f"No KPI to suggest for {owner}.") + "\n"


@cli.command("suggest")
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--owner", "owner", metavar="CENTRE", required=True, help="The centre id to suggest KPIs for.")
@format_option
@output_option
def suggest_cmd(directory: Path, owner: str, fmt: str, output: Path | None) -> None:
    """KPIs from every installed library a centre may be scored on and that feed its parent.

    Only KPIs its centre type controls, that share an input or a category with a KPI
    on the parent's scorecard (the strategy's KPIs for the root), and that are not on
    its scorecard yet; those serving the strategy's value discipline rank first.

    \b
        pmrules suggest examples/northwind-bank --owner harbor
    """
    opened = open_workspace(directory)
    if output is not None:
        check_output_path(output, run_inputs(opened))
    found = suggest(opened.workspace, opened.catalog, owner)
    data = to_json(suggest_document(owner, found)) if fmt == "json" else render_suggestions(owner, found)
    emit(data, output, run_inputs(opened))
