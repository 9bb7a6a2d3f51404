"""`pmrules kpis`, `plugins`, `schema` and `validate`: what is installed and whether a workspace loads."""

from __future__ import annotations

from pathlib import Path

import click

from pmrules.api import open_workspace
from pmrules.catalog import Catalog, build_catalog
from pmrules.cli import cli
from pmrules.cli.output import check_output_path, emit, format_option, output_option, render_table, run_inputs, to_json
from pmrules.cli.tables import Table
from pmrules.errors import InputError
from pmrules.models import Manifest
from pmrules.payout.adjusted import changed_kpis
from pmrules.plugins import get_plugin_manager
from pmrules.safetext import printable
from pmrules.sources.report import SourceReport

WORKSPACE_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


def kpi_records(catalog: Catalog) -> list[dict[str, object]]:
    records = []
    for entry in catalog.kpis.values():
        d = entry.definition
        record: dict[str, object] = {
            "id": d.id, "name": d.name, "formula": d.formula, "source": entry.source,
            "inputs": list(entry.inputs), "categories": list(entry.categories),
            "financial_categories": list(entry.financial_categories), "scorable_by": list(entry.scorable_by),
            "kpis": list(entry.kpi_refs), "direction": d.direction, "perspective": d.perspective,
            "unit": d.unit, "discipline": d.discipline, "description": d.description,
        }
        if entry.replaces:
            record["replaces"] = entry.replaces
        if entry.location:
            record["location"] = str(entry.location)
        records.append(record)
    return records


@cli.command()
@click.argument("directory", required=False, type=WORKSPACE_DIR)
@format_option
@output_option
def kpis(directory: Path | None, fmt: str, output: Path | None) -> None:
    """List every KPI: built-in, from plugins and (with DIRECTORY) the workspace's own.

    For each KPI: its formula, the inputs it reads (through other KPIs too), their
    categories, and the centre types that may be scored on it.

    \b
        pmrules kpis
        pmrules kpis examples/northwind-bank --format json
    """
    opened = open_workspace(directory) if directory else None
    inputs = run_inputs(opened) if opened is not None else []
    if output is not None:
        check_output_path(output, inputs)
    catalog = opened.catalog if opened is not None else build_catalog(get_plugin_manager())
    records = kpi_records(catalog)
    # With adjustments.csv: the scorecard KPI values they changed, raw beside adjusted (nothing otherwise).
    changed = changed_kpis(opened.workspace, catalog) if opened is not None else []
    if fmt == "json":
        emit(to_json({"kpis": records, **({"adjusted_values": changed} if changed else {})}), output, inputs)
        return
    table = Table(title=f"{len(records)} KPIs", show_lines=False)
    for column in ("id", "formula", "categories", "scorable by", "source"):
        table.add_column(column, overflow="fold")
    for r in records:
        source = str(r["source"]) + (f" (replaces {r['replaces']})" if "replaces" in r else "")
        table.add_row(str(r["id"]), str(r["formula"]), ", ".join(r["categories"]),  # type: ignore[arg-type]
                      ", ".join(r["scorable_by"]), source)  # type: ignore[arg-type]
    text = render_table(table)
    if changed:
        values = Table(title=f"{len(changed)} KPI value(s) changed by adjustments.csv", show_lines=False)
        for column in ("owner", "KPI", "adjusted", "raw"):
            values.add_column(column, overflow="fold")
        for row in changed:
            values.add_row(str(row["owner"]), str(row["kpi"]), str(row["adjusted"]), str(row["raw"]))
        text += render_table(values)
    emit(text, output, inputs)


@cli.command()
@format_option
def plugins(fmt: str) -> None:
    """List installed plugins and what each adds (KPIs, inputs, rule sets).

    Third-party plugins are found through the `pmrules` entry-point group;
    PMRULES_LOAD_PLUGINS=name1,name2 pins which load ("" loads none).
    """
    pm = get_plugin_manager()
    catalog = build_catalog(pm)
    rows = []
    for info in catalog.plugins:
        rows.append({
            "name": info.name, "module": info.module, "distribution": info.distribution, "version": info.version,
            "builtin": info.builtin,
            "kpis": sorted(k for k, e in catalog.kpis.items() if e.source == info.name),
            "inputs": sorted(n for n, e in catalog.inputs.items() if e.source == info.name),
            "rulesets": [Path(path).stem for source, path in catalog.rulesets if source == info.name],
            "functions": sorted(f for f, source in catalog.function_sources.items() if source == info.name),
        })
    if fmt == "json":
        emit(to_json({"plugins": rows}), None)
        return
    table = Table(title=f"{len(rows)} plugins")
    for column in ("name", "distribution", "version", "KPIs", "inputs", "functions", "rule sets"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["name"]), str(r["distribution"] or ""), str(r["version"] or ""),
                      str(len(r["kpis"])), str(len(r["inputs"])), ", ".join(r["functions"]),  # type: ignore[arg-type]
                      ", ".join(r["rulesets"]))  # type: ignore[arg-type]
    emit(render_table(table), None)


@cli.command()
@output_option
@click.option("--rulesets", "of_rulesets", is_flag=True, help="The schema of a rule-set file instead.")
@click.option("--scenarios", "of_scenarios", is_flag=True, help="The schema of a plan-test file (tests/*.yaml) instead.")
def schema(output: Path | None, of_rulesets: bool, of_scenarios: bool) -> None:
    """Print the JSON Schema of pmrules.yaml (or of a rule-set file), for editors and CI validation.

    \b
        pmrules schema --output pmrules.schema.json
        pmrules schema --rulesets --output ruleset.schema.json
        pmrules schema --scenarios --output scenarios.schema.json
    """
    from pmrules.rules import ruleset_json_schema

    if of_rulesets and of_scenarios:
        raise InputError("--rulesets and --scenarios each print one schema", hint="give one of them")
    if of_scenarios:
        from pmrules.scenarios import scenario_json_schema

        emit(to_json(scenario_json_schema()), output)
        return
    document = ruleset_json_schema() if of_rulesets else Manifest.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "pmrules rule set, version 1" if of_rulesets else "pmrules workspace (pmrules.yaml), version 1"
    emit(to_json(document), output)


@cli.command()
@click.argument("directory", type=WORKSPACE_DIR)
@format_option
def validate(directory: Path, fmt: str) -> None:
    """Load and cross-check a workspace and its rule sets without auditing or paying it.

    Exit 0 if it loads; exit 2 with one `file:line: problem (hint)` line per problem. Then, per data
    source: the file, the rows read, the rows ignored and why, and the columns used (`--format json`
    for tooling).
    """
    from pmrules.audit import resolve_rulesets

    opened = open_workspace(directory)
    rulesets = resolve_rulesets(opened.workspace, opened.catalog)
    ws = opened.workspace
    m = ws.manifest
    summary = (
        f"{m.workspace} {m.period}: valid — {len(m.centers)} centres, {len(m.scorecards)} scorecards, "
        f"{len(m.plans)} plans, {len(ws.employees)} employees, {len(opened.catalog.kpis)} KPIs available, "
        f"{sum(len(r.rules) for r in rulesets)} rules in {len(rulesets)} rule set(s)"
    )
    fx = [] if ws.fx is None else [f"{where}: {message}" for where, message in ws.fx.warnings]
    if fmt == "json":
        document = {"valid": True, "summary": summary, "sources": [r.to_dict() for r in ws.sources]}
        if ws.fx is not None:  # a workspace that pays in several currencies (issue 14)
            document["fx"] = {"rates": {c: {"rate": r.text, "source": r.source} for c, r in ws.fx.rates.items()},
                              "warnings": fx}
        emit(to_json(document), None)
        return
    click.echo(printable(summary))
    for report in ws.sources:
        for line in source_lines(report):
            click.echo(printable(line))
    if ws.fx is not None:
        click.echo(printable(f"fx: {ws.fx.file or '(no data.fx)'}: {len(ws.fx.rates)} rate(s)"
                             + "".join(f", {c} {r.text} ({r.source})" for c, r in ws.fx.rates.items())))
        for line in fx:
            click.echo(printable(f"  warning: {line}"))


def source_lines(report: SourceReport) -> list[str]:
    """A data source for people: what was read, what was left out and why, which column fed which."""
    ignored = sum(report.ignored.values())
    head = f"{report.key}: {report.file}" + (f" (header row {report.header_row})" if report.mapped else "")
    lines = [head, f"  rows read: {report.rows_read}, used: {report.rows_used}, ignored: {ignored}"]
    for reason, count in report.ignored.items():
        examples = report.examples.get(reason)
        lines.append(f"    {count} ignored: {reason}" + (f" ({', '.join(map(repr, examples))})" if examples else ""))
    if report.mapped:
        lines.append("  columns: " + ", ".join(f"{name} <- {header!r}" for name, header in report.columns.items()))
    else:
        lines.append("  columns: as named in the file (version 1)")
    lines += [f"  {severity}: {message}" for severity, message in report.notes]
    return lines
