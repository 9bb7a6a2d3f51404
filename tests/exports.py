"""Builders of the realistic exports in the mapped golden workspaces (run `python tests/exports.py` to rewrite them).

Both carry the employees (and actuals) of `workspaces/gates-cap-proration` as an HR or finance system
would export them; `test_sources.py` checks the committed files are exactly what these functions build.
  - mapped-hris-xlsx/hr_export.xlsx: a title block, a summary sheet before the data sheet, 20 columns pmrules
    does not use, salaries as money cells and as "$80,000.00" text, targets as percent cells and "10%" text,
    dates as date cells and US text dates, cost-centre codes.
  - mapped-european-csv/personal.csv and buchungen.csv: semicolons, decimal commas, DD.MM.YYYY, Windows-1252
    names with accents, a ledger with other periods, accounts and cost centres.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
SOURCE = WORKSPACES / "gates-cap-proration"
HRIS = WORKSPACES / "mapped-hris-xlsx" / "hr_export.xlsx"
PERSONAL = WORKSPACES / "mapped-european-csv" / "personal.csv"
LEDGER = WORKSPACES / "mapped-european-csv" / "buchungen.csv"

EXTRA = ["Department", "Manager Email", "Location", "Job Title", "Grade", "FTE", "Employment Type", "Work Phone",
         "Country", "Pay Currency", "Pay Frequency", "Legal Entity", "Division", "Business Unit",
         "Cost Center Name", "Supervisory Org", "Hire Reason", "Last Review Date", "Worker Status", "Union Member"]
CENTER_CODES = {"corp": "CC-0001", "sales": "CC-2040"}
ACCENTED = {"E1": "Ann Cäpped", "E2": "Bén Joiner", "E3": "Cat Léaver", "E4": "Dan Gatéd", "E5": "Ève Lastday",
            "E6": "Fay Expliçit"}


def source_employees() -> list[dict[str, str]]:
    with (SOURCE / "employees.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def hris_rows() -> list[list[object]]:
    """The data sheet's rows, title block included; odd rows carry typed cells, even rows text as people type it."""
    header = ["Employee ID", "Full Name", "Cost Center", "Bonus Plan", "Annual Base", "Target %", "Hire Date",
              "Termination Date", "Rating"]
    rows: list[list[object]] = [["Acme Corp - Employee Census FY2026"], ["Exported 2026-12-31 from the HRIS"], [],
                                [*header[:3], *EXTRA[:10], *header[3:], *EXTRA[10:]]]
    for n, e in enumerate(source_employees()):
        typed = n % 2 == 0
        salary: object = float(e["base_salary"]) if typed else f"${float(e['base_salary']):,.2f}"
        pct: object = float(e["target_bonus_pct"]) if typed else f"{float(e['target_bonus_pct']) * 100:g}%"

        def date(text: str, typed: bool = typed) -> object:
            if not text:
                return None
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day) if typed else day.strftime("%m/%d/%Y")

        extra = ["Sales" if e["center"] == "sales" else "Head Office", f"boss{n}@example.com", "Boston", "Analyst",
                 "G7", 1.0, "Full time", "+1 555 0100", "US", "USD", "Monthly", "Acme Inc", "East", "Retail",
                 "Cost centre " + e["center"], "SUP-1", "New hire", dt.datetime(2026, 3, 1), "Active", "No"]
        rating = int(e["individual_rating"]) if typed else e["individual_rating"]
        rows.append([e["employee_id"], e["name"], CENTER_CODES[e["center"]], *extra[:10], e["plan"], salary, pct,
                     date(e["start_date"]), date(e["end_date"]), rating, *extra[10:]])
    return rows


def write_hris(path: Path = HRIS) -> None:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Headcount", len(source_employees())])
    sheet = book.create_sheet("Employees")
    for row in hris_rows():
        sheet.append(row)
    sheet.merge_cells("A1:H1")  # a title block, above the header: allowed
    for row in sheet.iter_rows(min_row=5):
        row[14].number_format = '"$"#,##0.00'
        row[15].number_format = "0%"
        for cell in (row[16], row[17], row[26]):
            cell.number_format = "mm/dd/yyyy"
    book.properties.created = book.properties.modified = dt.datetime(2026, 12, 31)
    book.save(path)


def personal_text() -> str:
    lines = ["Personalnummer;Name;Kostenstelle;Bonusplan;Jahresgehalt;Zielbonus;Eintritt;Austritt;Bewertung;Abteilung"]
    for e in source_employees():
        salary = f"{float(e['base_salary']):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        pct = f"{float(e['target_bonus_pct']) * 100:g}".replace(".", ",") + " %"

        def date(text: str) -> str:
            return dt.date.fromisoformat(text).strftime("%d.%m.%Y") if text else ""

        center = "KST-1000" if e["center"] == "corp" else "KST-2000"
        lines.append(";".join([e["employee_id"], ACCENTED[e["employee_id"]], center, e["plan"], f"{salary} €", pct,
                               date(e["start_date"]), date(e["end_date"]), e["individual_rating"], "Vertrieb"]))
    return "\r\n".join(lines) + "\r\n"


def ledger_text() -> str:
    lines = ["Buchungskreis;Kostenstelle;Konto;Periode;Betrag;Buchungstext"]
    with (SOURCE / "actuals.csv").open(newline="") as handle:
        for a in csv.DictReader(handle):
            center = "KST-1000" if a["entity"] == "corp" else "KST-2000"
            account = {"units_out": "STK-AUS", "late_days": "VERZUG"}[a["input"]]
            amount = f"{int(a['value']):,}".replace(",", ".")
            lines.append(f"DE01;{center};{account};2026;{amount};Jahreswert")
            lines.append(f"DE01;{center};{account};2025;9.999;Vorjahr")
    lines.append("DE01;KST-2000;4711;2026;1.234,56;Gebühren (kein Input)")
    lines.append("DE01;KST-9000;STK-AUS;2026;77;Lager (keine Kostenstelle des Workspace)")
    return "\r\n".join(lines) + "\r\n"


def write_european() -> None:
    PERSONAL.write_bytes(personal_text().encode("cp1252"))
    LEDGER.write_bytes(ledger_text().encode("cp1252"))


if __name__ == "__main__":
    write_hris()
    write_european()
