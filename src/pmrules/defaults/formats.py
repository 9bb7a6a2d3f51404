"""pmrules' own payout formats, registered like any plugin's; writers import their libraries when used."""

from __future__ import annotations

from typing import Any

from pmrules.hookspecs import hookimpl
from pmrules.output_formats import OutputFormat


def _table(run: Any, currency: str) -> str:
    from pmrules.cli.payout_cmds import render_payout

    return render_payout(run, currency)


def _csv(run: Any) -> bytes:
    from pmrules.payout.formats import to_csv

    return to_csv(run)


def _csv_raw(run: Any) -> bytes:
    from pmrules.payout.formats import to_csv

    return to_csv(run, raw=True)


def _json(run: Any, workspace: Any, audit: dict[str, Any]) -> str:
    from pmrules.cli.output import to_json
    from pmrules.payout.records import payout_document

    return to_json(payout_document(run, workspace.employees_file, audit=audit))


def _xlsx(run: Any, currency: str) -> bytes:
    from pmrules.payout.formats import to_xlsx

    return to_xlsx(run, currency)


@hookimpl
def register_output_formats() -> list[OutputFormat]:
    return [
        OutputFormat("table", _table, "for people"),
        OutputFormat("csv", _csv, "one row per employee, for payroll", extension=".csv"),
        OutputFormat("json", _json, "employees, totals and the audit, for machines", extension=".json"),
        OutputFormat("xlsx", _xlsx, "a workbook with totals, for finance", binary=True, extension=".xlsx"),
        OutputFormat("csv-raw", _csv_raw, "csv with text cells exactly as in the input: a name starting with = + - @ "
                     "is not neutralised (only for payroll systems that need it; see SECURITY.md)", extension=".csv"),
    ]
