"""`pmrules test`: plan tests, scenario files that change the inputs in memory and expect bonuses and findings."""

from __future__ import annotations

import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from pmrules.api import Opened, open_workspace
from pmrules.cli import cli
from pmrules.cli.catalog_cmds import WORKSPACE_DIR
from pmrules.cli.output import format_option, render_table, run_inputs, to_json
from pmrules.cli.payout_cmds import render_explanation
from pmrules.cli.tables import Table
from pmrules.errors import InputError
from pmrules.io.atomic import check_output_path, write_atomic
from pmrules.payout import Period, compute_payouts
from pmrules.safetext import printable, printable_data
from pmrules.scenarios import (
    BASELINE_NAME,
    Check,
    ScenarioResult,
    baseline_text,
    expected_text,
    prepare,
    read_scenario_files,
    run_scenario,
    scenario_paths,
)

SCENARIOS_DIR = "tests"


@cli.command("test")
@click.argument("directory", type=WORKSPACE_DIR)
@click.option("--scenarios", "target", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help=f"A folder of *.yaml scenario files, or one file (default: DIRECTORY/{SCENARIOS_DIR}).")
@click.option("-k", "select", multiple=True, metavar="NAME",
              help="Run only scenarios whose name contains NAME (case-insensitive); repeat for more.")
@format_option
@click.option("--init", is_flag=True, help=f"Write {SCENARIOS_DIR}/{BASELINE_NAME}: every bonus as paid today.")
@click.option("--force", is_flag=True, help="With --init: replace an existing baseline file.")
def test_cmd(directory: Path, target: Path | None, select: tuple[str, ...], fmt: str, init: bool, force: bool) -> None:
    """Run the plan's scenario tests: change inputs in memory, expect bonuses and findings.

    Each file in DIRECTORY/tests/*.yaml holds scenarios. A scenario changes actuals
    (`set`, as `whatif --set`), ratings or employees, for itself only (the files are
    never touched), then expects bonuses (exact to the cent), the total, multipliers
    and line factors (exact, or within `tolerance`) or audit findings:

    \b
        scenarios:
          - name: harbor misses its margin threshold
            set: {harbor.operating_costs: 16500000}
            ratings: {E012: 5}
            employees:
              add:    [{employee_id: E099, name: New Hire, center: harbor,
                        plan: branch-staff, base_salary: "52000.00",
                        target_bonus_pct: "0.08", individual_rating: 3}]
              change: {E013: {base_salary: "70000.00"}}
              remove: [E014]
            expect:
              bonuses: {E012: "6114.87", E099: "4552.34", E001: "203280.00"}
              multipliers: {E012: "1.1943"}
              tolerance: "0.0001"
              line_factors: {harbor: {operating_margin: 0}}
              findings:
                - {rule: compensation.individual-score-missing, present: false}

    A failure prints expected against actual and the whole trail behind that
    employee's bonus (as `payout --explain`). `--init` pins today's results in
    tests/baseline.yaml, so a plan change shows exactly who moves.

    \b
    Exit: 0 all pass, 1 a scenario fails, 2 invalid workspace or scenario file.
        pmrules test examples/northwind-bank
        pmrules test examples/northwind-bank -k gate --format json
        pmrules test examples/northwind-bank --init
    """
    started = time.perf_counter()
    opened = open_workspace(directory)
    ws, catalog = opened.workspace, opened.catalog
    folder = target if target is not None else directory / SCENARIOS_DIR
    if init:
        if select:
            raise InputError("-k selects scenarios to run; --init pins the whole workspace", hint="drop -k")
        _init(opened, folder, force, directory)
        return
    if force:
        raise InputError("--force only matters with --init", hint="drop --force, or add --init")
    if not folder.exists():
        raise InputError(f"no scenarios: {folder} does not exist",
                         hint=f"write scenario files there (see `pmrules test --help`), or pin today's results "
                              f"with `pmrules test {directory} --init`")
    root = folder if folder.is_dir() else folder.parent
    paths = scenario_paths(root, folder)
    if not paths:
        raise InputError(f"no scenario files (*.yaml) in {folder}",
                         hint=f"write one (see `pmrules test --help`), or run `pmrules test {directory} --init`")
    sources = read_scenario_files(root, paths)
    rulesets = None
    rules = None
    if any(f for s in sources for sc in s.document.scenarios for f in sc.expect.findings):
        from pmrules.audit import resolve_rulesets
        from pmrules.rules import combine_rulesets

        rulesets = resolve_rulesets(ws, catalog)
        rules = combine_rulesets(rulesets)
    prepared = prepare(ws, catalog, sources, rules)
    chosen = [p for p in prepared if not select or any(k.lower() in p.name.lower() for k in select)]
    if not chosen:
        raise InputError(f"no scenario name contains {' or '.join(repr(k) for k in select)}",
                         hint="scenarios: " + ", ".join(p.name for p in prepared[:20]))
    period = Period.of(ws.manifest)
    results = [run_scenario(ws, catalog, p, period, rulesets) for p in chosen]
    seconds = time.perf_counter() - started
    if fmt == "json":
        click.echo(to_json(_document(results, len(prepared), seconds)), nl=False)
    else:
        click.echo(_render(results, len(prepared), seconds), nl=False)
    sys.exit(0 if all(r.passed for r in results) else 1)


def _init(opened: Opened, folder: Path, force: bool, directory: Path) -> None:
    """tests/baseline.yaml from today's payout and audit; never replaces a file without --force."""
    from pmrules.audit import run_audit

    ws, catalog = opened.workspace, opened.catalog
    path = folder / BASELINE_NAME if folder.suffix.lower() not in (".yaml", ".yml") else folder
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(f"{path} exists already", hint="pass --force to replace it with today's results")
    run = compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees)
    audit = run_audit(ws, catalog)
    text = baseline_text(run, audit, f"pmrules test {directory} --init")
    path.parent.mkdir(parents=True, exist_ok=True)
    check_output_path(path, run_inputs(opened))
    write_atomic(path, text.encode("utf-8"))
    click.echo(printable(f"pinned {len(run)} bonus(es), total {ws.manifest.currency} {run.total:,}, and "
                         f"{len(audit.findings)} finding(s) in {path}"), err=True)


def _document(results: list[ScenarioResult], total: int, seconds: float) -> dict[str, Any]:
    return {
        "passed": all(r.passed for r in results),
        "summary": {"scenarios": len(results), "selected_of": total, "failed": sum(not r.passed for r in results),
                    "expectations": sum(len(r.checks) for r in results),
                    "failed_expectations": sum(len(r.failures) for r in results), "seconds": round(seconds, 3)},
        "scenarios": [{
            "name": r.scenario.name, "location": str(r.scenario.location), "passed": r.passed,
            "seconds": round(r.seconds, 3),
            "changes": [{"entity": a.change.entity, "input": a.change.input,
                         "before": None if a.before is None else str(a.before), "after": str(a.after)}
                        for a in r.scenario.applied],
            "checks": [{"kind": c.expectation.kind, "subject": c.expectation.subject,
                        "expected": expected_text(c.expectation), "actual": c.actual, "passed": c.passed,
                        "location": str(c.expectation.location), **({"note": c.note} if c.note else {})}
                       for c in r.checks],
            "explain": r.trails,
        } for r in results],
    }


MAX_TRAILS = 3  # explanations printed per failing scenario (JSON has every one)


def _difference(check: Check) -> str:
    """actual - expected, for money that moved."""
    e = check.expectation
    if e.kind not in ("bonus", "total") or not isinstance(e.expected, Decimal):
        return ""
    try:
        return f"{Decimal(check.actual) - e.expected:+,}"
    except InvalidOperation:
        return ""


def _render(results: list[ScenarioResult], total: int, seconds: float) -> str:
    text = ""
    for r in results:
        if r.passed:
            continue
        s = r.scenario
        failed = Table(title=f"FAILED: {s.name} ({s.location})")
        notes = any(c.note for c in r.failures)
        for column in ("check", "of", "expected", "actual", "difference", "where", *(("why",) if notes else ())):
            failed.add_column(column, overflow="fold", justify="right" if column == "difference" else "left")
        for c in r.failures:
            e = c.expectation
            failed.add_row(e.kind.replace("_", " "), e.subject, expected_text(e), c.actual, _difference(c),
                           str(e.location), *((c.note or "",) if notes else ()))
        text += render_table(failed, width=200)
        moved = [c.expectation.subject for c in r.failures if c.expectation.kind == "bonus"]
        if moved:
            text += printable(f"{len(moved)} bonus(es) differ: {', '.join(moved)}") + "\n"
        for employee_id, trail in list(r.trails.items())[:MAX_TRAILS]:
            text += "\n" + printable(f"--- {employee_id} in '{s.name}': the trail behind the actual figures") + "\n"
            text += render_explanation(printable_data(trail))
        if len(r.trails) > MAX_TRAILS:
            rest = list(r.trails)[MAX_TRAILS:]
            text += "\n" + printable(f"(trails of {len(rest)} more employee(s) not shown: {', '.join(rest)}; "
                              f"`--format json` has every trail, `-k` runs one scenario)") + "\n"
        text += "\n"
    summary = Table(title="Plan tests")
    for column in ("scenario", "file", "expectations", "result", "seconds"):
        summary.add_column(column, justify="right" if column in ("expectations", "seconds") else "left")
    for r in results:
        checks = len(r.checks)
        summary.add_row(r.scenario.name, str(r.scenario.location), str(checks),
                        "pass" if r.passed else f"FAIL ({len(r.failures)} of {checks})", f"{r.seconds:.2f}")
    text += render_table(summary, width=160)
    failed_count = sum(not r.passed for r in results)
    checks = sum(len(r.checks) for r in results)
    skipped = f" ({total - len(results)} not selected)" if total > len(results) else ""
    verdict = "all passed" if not failed_count else f"{failed_count} FAILED"
    return text + printable(f"{len(results)} scenario(s){skipped}, {checks} expectation(s): {verdict} "
                            f"in {seconds:.2f} s") + "\n"
