"""`pmrules audit` and `pmrules rules`: findings for auditors, and the rules behind them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmrules.api import open_workspace
from pmrules.audit import AuditResult, fact_schema, run_audit
from pmrules.audit.run import SEVERITY_ORDER, load_registered, resolve_rulesets
from pmrules.catalog import build_catalog
from pmrules.cli import cli
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import emit, format_option, output_option, render_table, run_inputs, to_json
from pmrules.cli.tables import Table
from pmrules.plugins import get_plugin_manager
from pmrules.rules import combine_rulesets
from pmrules.safetext import printable


def render_audit(result: AuditResult) -> str:
    table = Table(title=f"Audit: {result.counts['error']} error(s), {result.counts['warning']} warning(s), "
                        f"{result.counts['info']} info", show_lines=True)
    for column in ("severity", "subject", "finding", "rule", "location"):
        table.add_column(column, overflow="fold")
    for f in result.findings:
        table.add_row(f.severity, f.subject, f.message, f.rule, f.location)
    text = render_table(table) if result.findings else "Audit: no findings.\n"
    for override in result.rules.overrides:
        text += printable(f"note: {override.describe()}") + "\n"
    names = ", ".join(r.name for r in result.rulesets)
    text += printable(f"{len(result.rules.active)} rules from {len(result.rulesets)} rule set(s) ({names}) "
                      f"checked {result.facts} facts in {result.seconds:.2f} s.") + "\n"
    return text


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@format_option
@output_option
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
              help="Exit 1 when there are findings of this severity or worse.")
@click.option("--period", "period_id", metavar="PERIOD", default=None,
              help="A plan year: judge the year-to-date actuals through this period (as `payout --period` does).")
def audit(directory: Path, fmt: str, output: Path | None, fail_on: str, period_id: str | None) -> None:
    """Check a workspace with its rule sets before any money moves.

    Runs the rule sets named under `rulesets:` in pmrules.yaml (built-in names such as
    controllability, alignment, compensation, or paths of the workspace's own files) and
    lists the findings, errors first, each with the rule, the subject, a message naming the
    evidence and the `file:line` of the offending item.

    \b
    Exit: 0 no findings at --fail-on level, 1 findings, 2 invalid input.
        pmrules audit examples/northwind-bank
        pmrules audit examples/northwind-bank --format json --output audit.json
        pmrules audit plan-year --period Q2
    """
    opened = open_workspace(directory)
    ws = opened.workspace
    if period_id is not None:
        from pmrules.planyear.ytd import at_period

        ws = at_period(ws, opened.catalog, period_id)
    result = run_audit(ws, opened.catalog)
    text = to_json(result.document()) if fmt == "json" else render_audit(result)
    emit(text, output, [*run_inputs(opened), *(Path(r.path) for r in result.rulesets)])
    limit = SEVERITY_ORDER[fail_on]
    sys.exit(1 if any(SEVERITY_ORDER[f.severity] <= limit for f in result.findings) else 0)


@cli.command()
@click.argument("directory", required=False, type=WORKSPACE_DIR)
@format_option
def rules(directory: Path | None, fmt: str) -> None:
    """List every rule in force with its severity, rule set and source.

    Without DIRECTORY: every rule registered by pmrules and installed plugins.
    With it: the rules the workspace's `rulesets:` select, after its overrides.
    """
    if directory is not None:
        opened = open_workspace(directory)
        rulesets = resolve_rulesets(opened.workspace, opened.catalog)
    else:
        rulesets = list(load_registered(build_catalog(get_plugin_manager())).values())
    in_force = combine_rulesets(rulesets)
    records = [{"id": r.id, "title": r.title, "severity": r.severity, "enabled": r.enabled, "fact": r.fact,
                "ruleset": r.ruleset, "source": r.source, "location": str(r.location)} for r in in_force.rules]
    if fmt == "json":
        emit(to_json({"rules": records, "overrides": [o.describe() for o in in_force.overrides],
                      "facts": {k: sorted(v) for k, v in fact_schema().items()}}), None)
        return
    table = Table(title=f"{len(in_force.active)} rules in force")
    for column in ("id", "severity", "title", "ruleset", "source"):
        table.add_column(column, overflow="fold")
    for r in records:
        severity = str(r["severity"]) if r["enabled"] else "off"
        table.add_row(str(r["id"]), severity, str(r["title"]), str(r["ruleset"]), str(r["source"]))
    emit(render_table(table), None)
