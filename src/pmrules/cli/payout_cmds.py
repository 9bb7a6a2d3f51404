"""`pmrules payout`: every bonus, exact to the cent, with an audit first and a manifest beside the file."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from pmrules.api import open_workspace
from pmrules.audit import resolve_rulesets, run_audit
from pmrules.cli import cli, plugin_manager
from pmrules.cli.audit_cmds import render_audit
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.formats import payout_format_option, registered_formats
from pmrules.cli.output import OUTPUT_PATH, Phases, emit, render_table, run_inputs, to_json
from pmrules.cli.tables import Table
from pmrules.currency.manifest import fx_manifest
from pmrules.io.atomic import check_output_path, write_atomic_many
from pmrules.io.run_manifest import run_manifest
from pmrules.output_formats import write_output
from pmrules.payout.compute import COMPONENTS, PayoutRun, compute_payouts
from pmrules.payout.explain import explain
from pmrules.payout.period import Period
from pmrules.payout.records import totals
from pmrules.safetext import printable, printable_data

#: Audit rules whose warnings `payout` prints as well: they say a bonus is probably not what the plan meant.
PAYOUT_WARNINGS = frozenset({"compensation.weights-unused"})


def render_payout(run: PayoutRun, currency: str) -> str:
    table = Table(title=f"Payout ({currency})" if run.currency is None else "Payout (each bonus in its pay currency)")
    shown = (*COMPONENTS, *dict.fromkeys(c for g in run.groups for c in g.weights if c not in COMPONENTS))
    paid_in = ("currency",) if run.currency is not None else ()
    for column in ("employee", "name", "centre", "plan", *shown, "multiplier", "proration", "bonus", *paid_in, "status"):
        table.add_column(column, justify="right" if column in (*shown, "multiplier", "proration", "bonus")
                         else "left", overflow="fold")
    for p in run.employees:
        e = p.employee
        scores = [f"{float(s):.4f}" if (s := p.scores.get(c)) is not None else "" for c in shown]
        status = p.status if p.status == "paid" else "UNPAID: " + "; ".join(p.reasons)
        table.add_row(e.employee_id, e.name, e.center, e.plan, *scores,
                      "" if p.multiplier is None else f"{float(p.multiplier):.4f}" + (" (cap)" if p.capped else ""),
                      f"{float(p.proration):.4f}", "" if p.bonus is None else f"{p.bonus:,}",
                      *((p.currency or {}).get("currency", ""),)[:len(paid_in)], status)
    summary = totals(run)
    text = render_table(table)
    if run.currency is not None:
        text += render_currency_totals(summary, currency)
    for key, title in (("by_center", "centre"), ("by_plan", "plan")):
        part = Table(title=f"Totals by {title}" + (f" ({currency})" if run.currency is not None else ""))
        part.add_column(title)
        part.add_column("total", justify="right")
        for name, amount in summary[key].items():
            part.add_row(name, _money(amount))
        text += render_table(part, width=60)
    if run.pool is not None:
        text += (f"Pool {run.pool.amount:,}: bonuses before the pool totalled {run.pool.unscaled_total:,}; "
                 f"scaled pro rata, {run.pool.leftover_units} last unit(s) by largest remainder.\n")
    return text


def render_currency_totals(summary: dict[str, Any], currency: str) -> str:
    """Each pay currency's total, its rate and source, and the total converted once (issue 14)."""
    part = Table(title="Totals by pay currency")
    for column in ("currency", "total", "rate", "source", f"converted ({currency})"):
        part.add_column(column, justify="right" if column in ("total", "rate") or column.startswith("converted")
                        else "left")
    for code, row in summary["by_currency"].items():
        part.add_row(code, _money(row["total"]), row["rate"], row["source"], _money(row["converted"]))
    fx = summary["fx"]
    return render_table(part, width=100) + (
        f"Total in {currency}: {_money(summary['total'])} ({fx['converted_total']}; {fx['convention']}).\n")


def _manifest_path(output: Path) -> Path:
    return output.with_name(output.name + ".manifest.json")


def _money(text: str) -> str:
    return f"{Decimal(text):,}"


def render_explanation(trail: dict[str, Any]) -> str:
    lines = [f"{trail['employee_id']} {trail['name']} — centre {trail['center']}, plan {trail['plan']} "
             f"({trail['location']})", f"status: {trail['status']}" + (
                 f" — {'; '.join(trail['reasons'])}" if trail["reasons"] else "")]
    c = trail["curve"]
    lines.append(f"curve: factor {c['threshold']} at threshold, {c['target']} at target, {c['maximum']} at maximum")
    for comp in trail["components"]:
        weight = f" (weight {comp['weight']})" if comp["weight"] is not None else ""
        lines.append(f"\n{comp['component']}{weight}: {comp['source'] or 'no score'} "
                     f"-> score {comp['score']}")
        if "override" in comp:
            lines.append(f"  score {_overridden(comp['override'])}")
        for line in comp.get("lines", []):
            bp = line["breakpoints"] or {}
            shared = f"  (a shared measure: the KPI of {line['measure_of']})" if "measure_of" in line else ""
            lines.append(f"  {line['kpi']} = {line['formula']}{shared}")
            lines.extend(_input_lines(line, "      "))
            marks = (f"threshold {bp.get('threshold')} / target {bp.get('target')} / maximum {bp.get('maximum')}"
                     if "curve_points" not in line else "own curve " + ", ".join(
                         f"{pt['factor']} at {pt['result']}" for pt in line["curve_points"]))
            if "curve_own" in line:
                own = line["curve_own"]
                marks += f" (own factors {own['threshold']} / {own['target']} / {own['maximum']})"
            if "curve_below" in line:
                marks += f", {line['curve_below']} below"
            raw = f" (raw {line['value_raw']} before adjustments)" if "value_raw" in line else ""
            lines.append(f"      value {line['value']}{raw}; {line['direction']} is better; {marks} -> {line['segment']}, "
                         f"factor {_factor(line, trail)}; weight {line['weight']} x factor = {line['weighted']}")
            if "override" in line:
                lines.append(f"      factor {_overridden(line['override'])}")
            if "problem" in line:
                lines.append(f"      PROBLEM: {line['problem']}")
    lines.append(f"\ncombined ({trail['combine']}): {trail['combined']}")
    for g in trail["gates"]:
        bounds = " and ".join(b for b in (f">= {g['min']}" if g["min"] is not None else "",
                                          f"<= {g['max']}" if g["max"] is not None else "") if b)
        verdict = {True: "holds", False: "FAILS (multiplier 0)", None: "cannot be checked"}[g["passed"]]
        what = f"{g['score']} score" if "score" in g else f"{g['kpi']} of {g['owner']}"
        lines.append(f"gate: {what} = {g['value']} must be {bounds}: {verdict}")
    if trail["cap"] is not None:
        lines.append(f"cap {trail['cap']}: {'applied' if trail['capped'] else 'not binding'}")
    lines.append(f"multiplier: {trail['multiplier']} (exactly {trail['multiplier_exact']})")
    pr = trail["proration"]
    lines.append(f"proration: {pr['start']} to {pr['end']} = {pr['days']} of {pr['period_days']} days = {pr['fraction']}")
    if "rounding_steps" in trail:
        lines.extend(_rounding_lines(trail))
    if trail["bonus_exact"] is not None:
        target = (f"{trail['base_salary']} x {trail['target_bonus_pct']}" if "target_amount" not in trail
                  else f"target amount {trail['target_amount_exact']}")
        lines.append(f"bonus: {target} x {pr['fraction']} x "
                     f"{trail['multiplier_exact']} = {trail['bonus_exact']} = {trail['bonus_exact_decimal']}...")
        r = trail["rounding"]
        if "segment" in trail:
            lines.append(f"this segment's share of the person's bonus (not rounded on its own): {trail['bonus']}")
        elif "person" not in trail:
            lines.append(f"rounded once to {r['quantum']} ({r['mode']}"
                         + (f", {r['source']}" if "source" in r else "") + f"): {trail['bonus']}"
                         + (" (then scaled to the pool)" if trail["pooled"] else ""))
    if "person" in trail:
        lines.extend(person_lines(trail["person"]))
    if "currency" in trail:
        lines.extend(_currency_lines(trail))
    return "\n".join(lines) + "\n"


def render_any_explanation(trail: dict[str, Any]) -> str:
    """One row's explanation, or an effective-dated employee's: each segment, then the person's money."""
    if "segments" not in trail:
        return render_explanation(trail)
    count = len(trail["segments"])
    parts = [f"{trail['employee_id']} {trail['name']} — {count} effective-dated segments "
             f"({', '.join(trail['locations'])})\n"]
    for segment in trail["segments"]:
        k = segment["segment"]["index"]
        pr = segment["proration"]
        parts.append(f"\n=== segment {k} of {count}: centre {segment['center']}, plan {segment['plan']}, "
                     f"{pr['start']} to {pr['end']} ===\n")
        parts.append(render_explanation(segment))
    parts.append("\n=== the person ===\n" + "\n".join(person_lines(trail["person"])) + "\n")
    return "".join(parts)


def person_lines(person: dict[str, Any]) -> list[str]:
    """The segments' exact sum, discretion with its reason, approver and file:line, and the one rounding."""
    lines = []
    segments = person["segments"]
    if len(segments) > 1:
        for s in segments:
            lines.append(f"segment {s['center']} / {s['plan']}: {s['days']} days, exact {s['bonus_exact']} "
                         f"= {s['bonus_exact_decimal']}...")
        lines.append(f"formula bonus = sum of the segments = {person['formula_bonus_exact']} "
                     f"= {person['formula_bonus_exact_decimal']}...")
    else:
        lines.append(f"formula bonus = {person['formula_bonus_exact']} = {person['formula_bonus_exact_decimal']}...")
    r = person["rounding"]
    rounding = f"{r['quantum']} ({r['mode']}, {r['source']})"
    lines.append(f"formula bonus rounded to {rounding}: {person['formula_bonus']}")
    d = person.get("discretion")
    if d is not None:
        lines.append(f"discretion {d['written']} = {d['amount_exact']} ({d['applies']}; plan range: {d['range']}) "
                     f"— reason: {d['reason'] or '(none)'}; approved by: {d['approved_by'] or '(none)'} "
                     f"({d['location']})")
        if d["uncapped_exact"] is not None:
            lines.append(f"  before the cap: uncapped bonus {d['uncapped_exact']} + discretion"
                         + (f", capped at {d['cap_limit_exact']}" if d["capped"] else ""))
        if d["floored_at_zero"]:
            lines.append("  formula bonus + discretion is below zero: the bonus is 0 (never negative)")
        lines.append(f"discretion applied: {d['applied_exact']}")
    lines.append(f"bonus = {person['bonus_exact']} = {person['bonus_exact_decimal']}...; rounded once to {rounding}: "
                 f"{person['bonus_before_pool']}")
    if person["pooled"]:
        lines.append(f"then scaled to the pool (after discretion): {person['bonus']}")
    return lines


def _currency_lines(trail: dict[str, Any]) -> list[str]:
    """The pay currency and, for a foreign one, the bonus converted with the rate and its source (issue 14)."""
    c = trail["currency"]
    if c["currency"] == c["workspace_currency"]:
        return [f"paid in {c['currency']} (the workspace currency)"]
    lines = [f"paid in {c['currency']}: salary, target and bonus are in {c['currency']}"]
    if "bonus_converted" in c:
        as_of = f", as of {c['as_of']}" if c.get("as_of") else ""
        lines.append(f"converted: {trail['bonus']} {c['currency']} x {c['rate']} ({c['workspace_currency']} per 1 "
                     f"{c['currency']}; {c['source']}{as_of}; {c['location']}) = {c['bonus_converted_exact']} "
                     f"= {c['workspace_currency']} {c['bonus_converted']} (for totals; paid in {c['currency']})")
    return lines


def _input_source(item: dict[str, Any]) -> str:
    """Where an input's value came from: its actuals line, the children it was rolled up from, or why there is none."""
    rolled = item.get("rolled_up")
    if rolled:
        parts = ", ".join(f"{c['entity']} = {c['value']} ({c['from'] or 'rolled up'}"
                          + "".join(f"; {_adjusted(a)}" for a in c.get("adjustments", [])) + ")"
                          for c in rolled["children"])
        return f"rolled up: {rolled['kind']} of {parts}"
    if item.get("why_missing"):
        return f"no value: {item['why_missing']}"
    return item["from"] or "no value"


def _factor(line: dict[str, Any], trail: dict[str, Any]) -> str:
    """The line factor, with the plan's rounding of it shown when the plan rounds line factors."""
    if "override" in line:  # set by hand: the next line says by whom, why, and what the curve gave
        return f"{line['factor']} (overridden)"
    if "factor_exact" not in line:
        return str(line["factor"])
    step = trail.get("line_factor_rounding") or {}
    return f"{line['factor_exact']} rounded to {step.get('quantum')} ({step.get('mode')}) = {line['factor']}"


def _rounding_lines(trail: dict[str, Any]) -> list[str]:
    """Every rounding step the plan took, and where the target amount came from (plans beyond version 1)."""
    lines = []
    if trail.get("target_bonus") is not None:
        lines.append(f"target amount: target_bonus {trail['target_bonus']}")
    elif trail.get("target_amount") is not None:
        before = [r["exact"] for r in trail["rounding_steps"] if r["step"] == "target_amount"]
        lines.append(f"target amount: {trail['base_salary']} x {trail['target_bonus_pct']} = "
                     f"{before[0] if before else trail['target_amount']}")
    for r in trail["rounding_steps"]:
        lines.append(f"rounding step {r['step']} ({r['subject']}): {r['exact']} rounded to {r['quantum']} "
                     f"({r['mode']}) = {r['rounded']}")
    return lines


def _overridden(record: dict[str, Any]) -> str:
    """`overridden to 0 by X: reason (pmrules.yaml:LINE); the formula gave 1.5`."""
    computed = record.get("computed")
    return record["text"] + (f"; the formula gave {computed}" if computed is not None else "; the formula gave none")


def _adjusted(a: dict[str, Any]) -> str:
    period = f" in {a['period']}" if a.get("period") else ""
    return (f"adjusted{period}: raw {a['raw'] if a['raw'] is not None else '(none)'} -> {a['adjusted']} ({a['how']}) "
            f"approved by {a['approved_by'] or '(nobody)'}: {a['reason'] or '(no reason)'} ({a['from']})")


def _input_lines(line: dict[str, Any], indent: str) -> list[str]:
    out = []
    for i in line["inputs"]:
        out.append(f"{indent}{i['input']} = {i['value']} ({_input_source(i)})")
        out.extend(f"{indent}  {_adjusted(a)}" for a in i.get("adjustments", []))
    for ref in line.get("kpis", []):
        out.append(f"{indent}{ref['kpi']} = {ref['value']}  [{ref['formula']}]")
        out.extend(_input_lines(ref, indent + "  "))
    return out


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@payout_format_option
@click.option("--output", "-o", type=OUTPUT_PATH, default=None,
              help="Write here atomically, with FILE.manifest.json beside it (hashes of every input); - is stdout.")
@click.option("--explain", "employee", metavar="EMPLOYEE", default=None,
              help="Print the whole trail behind one employee's bonus instead of the payout.")
@click.option("--skip-audit", is_flag=True, help="Pay even if the audit finds errors (recorded in the output).")
@click.option("--period", "period_id", metavar="PERIOD", default=None,
              help="Pay one period of the plan year (`periods:`): year-to-date earned less what the ledger paid before.")
@click.option("--commit", is_flag=True, help="With --period: record the run in the ledger (see `pmrules runs`).")
@click.option("--ledger", "ledger_url", metavar="URL", envvar="PMRULES_LEDGER", default=None,
              help="The ledger's SQLAlchemy URL (or PMRULES_LEDGER); default WORKSPACE/.pmrules/ledger.db.")
@click.option("--by", metavar="NAME", default=None, help="Who commits the run (default: the OS user).")
def payout(directory: Path, fmt: str, output: Path | None, employee: str | None, skip_audit: bool,
           period_id: str | None, commit: bool, ledger_url: str | None, by: str | None) -> None:
    """Compute every bonus of a workspace, exact to the cent.

    bonus = base_salary x target_bonus_pct x proration x multiplier, rounded once;
    the multiplier combines corporate, unit and individual scores through the plan's
    curve, gates and cap (WORKSPACE.md). The audit runs first: error findings stop the
    payout (exit 2) unless --skip-audit.

    \b
    Exit: 0 everyone paid, 1 some employees could not be paid (listed with the reason),
    2 invalid input or audit errors.
        pmrules payout examples/northwind-bank
        pmrules payout examples/northwind-bank --format csv --output bonuses.csv
        pmrules payout examples/northwind-bank --explain E012
        pmrules payout plan-year --period Q2 --commit --by ana
    """
    given_ledger = click.get_current_context().get_parameter_source("ledger_url") == click.core.ParameterSource.COMMANDLINE
    if (commit or by or given_ledger) and period_id is None:
        raise click.UsageError("--commit, --by and --ledger are about a period's run: add --period PERIOD")
    if registered_formats()[fmt].binary and output is None:
        raise click.UsageError(registered_formats()[fmt].output_hint())
    with Phases() as phase:
        phase(f"reading {directory}")
        opened = open_workspace(directory, plugin_manager())
        if period_id is not None:
            from pmrules.cli.planyear_cmds import pay_period_cli

            return pay_period_cli(opened, period_id, fmt, output, employee, skip_audit, commit, ledger_url, by, phase)
        phase(f"auditing {len(opened.workspace.employees):,} employees' plans and scorecards")
        return _pay(opened, fmt, output, employee, skip_audit, phase)


def audit_first(opened: Any, skip_audit: bool, output: Path | None, phase: Phases, *, manifest: bool = False,
                ) -> tuple[dict[str, Any], list[Any], list[Path], Any]:
    """The audit before money moves: error findings stop here (exit 2) unless skipped.

    Returns the audit record for the output, the rule sets, the input files no output may overwrite,
    and the audit result (None when skipped). `manifest`: `OUT.manifest.json` is written too, check it first.
    """
    ws = opened.workspace
    audit_record: dict[str, Any] = {"skipped": skip_audit}
    rulesets = resolve_rulesets(ws, opened.catalog)
    inputs = [*run_inputs(opened), *(Path(r.path) for r in rulesets)]
    if output is not None:
        check_output_path(output, inputs)
        if manifest:
            check_output_path(_manifest_path(output), inputs)
    audit = None
    if not skip_audit:
        audit = run_audit(ws, opened.catalog, rulesets)
        audit_record.update({"errors": audit.counts["error"], "warnings": audit.counts["warning"]})
        if audit.errors:
            phase.close()
            click.echo(render_audit(audit), err=True)
            click.echo(f"error: the audit found {len(audit.errors)} error(s); nothing was paid "
                       "(fix them, or pass --skip-audit to pay anyway, which is recorded)", err=True)
            sys.exit(2)
    return audit_record, rulesets, inputs, audit


def _pay(opened: Any, fmt: str, output: Path | None, employee: str | None, skip_audit: bool,
         phase: Phases) -> None:
    ws = opened.workspace
    audit_record, rulesets, inputs, audit = audit_first(opened, skip_audit, output, phase, manifest=True)
    # Findings that mean the money itself is probably not what the plan meant are printed here too.
    money_warnings = [] if audit is None else [f for f in audit.findings if f.rule in PAYOUT_WARNINGS]
    phase(f"paying {len(ws.employees):,} employees")
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    if employee is not None:
        phase.close()
        trail = explain(ws, opened.catalog, run, employee)
        emit(to_json(trail) if fmt == "json" else render_any_explanation(printable_data(trail)), output, inputs)
        sys.exit(0)
    phase(f"writing {fmt}")
    currency = ws.manifest.currency
    data = write_output(registered_formats()[fmt], run=run, workspace=ws, currency=currency, audit=audit_record)
    if output is None:
        phase.close()
        emit(data, output, inputs)
    else:
        manifest = run_manifest(
            command="payout", options={"format": fmt, "skip_audit": skip_audit},
            workspace_root=ws.root, inputs=ws.input_files,
            rulesets=[(r.name, r.source, Path(r.path)) for r in rulesets],
            plugins=opened.catalog.plugins, output=output, output_bytes=data,
            extra=None if run.currency is None else {"fx": fx_manifest(run, ws.root)})
        write_atomic_many([(output, data), (_manifest_path(output), manifest)])
    phase.close()
    for finding in money_warnings:
        click.echo(printable(f"warning: {finding.location}: {finding.message} ({finding.rule})"), err=True)
    for where, message in ws.fx.warnings if ws.fx is not None else ():
        click.echo(printable(f"warning: {where}: {message}"), err=True)
    summary = totals(run)
    click.echo(printable(f"{summary['paid']} employee(s) paid, {summary['unpaid']} unpaid, total {currency} "
                         f"{_money(summary['total'])}" + (" (audit skipped)" if skip_audit else "")), err=True)
    if run.pool is not None and not run.pool.distributable:
        click.echo(printable(f"warning: the pool of {currency} {run.pool.amount:,} was not distributed: every "
                             "bonus is 0 (a failed gate or zero attainment), so there is nothing to scale pro rata"),
                   err=True)
    for report in ws.sources:  # a mapped export's warnings (a mapped code no row carries), never only in validate
        for severity, message in report.notes:
            if severity == "warning":
                click.echo(printable(f"warning: {report.file}: {message}"), err=True)
    for p in run.unpaid:
        click.echo(printable(f"unpaid: {p.employee.employee_id} ({ws.employee_location(p.employee)}): "
                             f"{'; '.join(p.reasons)}"), err=True)
    sys.exit(1 if run.unpaid else 0)

