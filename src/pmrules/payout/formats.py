"""A payout run as CSV or XLSX bytes; both byte-identical on a rerun."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from typing import Any

from pmrules.errors import Location, OutputError
from pmrules.payout.compute import PayoutRun
from pmrules.payout.csvlines import FORMULA_CHARACTERS, NEUTRALISER, csv_lines
from pmrules.payout.records import csv_columns, csv_rows, output_parts, totals
from pmrules.safetext import describe, excerpt

MONEY_FORMAT = "#,##0.00"
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
# openpyxl's ILLEGAL_CHARACTERS_RE (XML 1.0 cannot hold them), plus CR, which every XML reader turns
# into a line feed: a name holding one would not read back as written.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")


# Numbers, dates and statuses are written by pmrules and never need quotes; these come from users.
TEXT_COLUMNS = {"employee_id", "name", "center", "plan", "reason"}
# OWASP "CSV injection": a cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`). Only text columns are touched: a
# negative bonus in the number columns stays a number.


def neutralise(value: str) -> str:
    """The text a spreadsheet shows as written: a leading formula character gets a `'` in front."""
    return NEUTRALISER + value if value[:1] in FORMULA_CHARACTERS else value


def to_csv(run: PayoutRun, *, raw: bool = False) -> bytes:
    """RFC 4180 with minimal quoting, column by column; text cells neutralised unless `raw` (payout/csvlines.py)."""
    names = csv_columns(run)
    header = (",".join(names) + "\n").encode()
    return csv_lines(output_parts(run), names, len(run), TEXT_COLUMNS, neutralise=not raw, head=header)


def _deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps the time into the zip entries; rewrite them with a fixed one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\2",
                                 content)
            target.writestr(info, content)
    return out.getvalue()


def _as_text(sheet: Any, columns: list[int]) -> None:
    """openpyxl turns a str starting with `=` into a formula; a cell pmrules writes from data is text, always."""
    for column in columns:
        cell = sheet.cell(row=sheet.max_row, column=column)
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _check_xml_text(run: PayoutRun, number: int, column: str, value: str) -> None:
    """XML 1.0 cannot hold NUL and most C0 controls (nor keep a CR); say which cell, instead of openpyxl's crash."""
    bad = ILLEGAL_XML.search(value)
    if bad:
        table = run.table
        where = Location(table.file, int(table.lines[number])) if table.file else None
        raise OutputError(
            f"{column} {excerpt(value)} holds {describe(bad.group())}, which an Excel workbook cannot hold",
            location=where, hint="remove the character from the input, or write --format csv or json")


def to_xlsx(run: PayoutRun, currency: str) -> bytes:
    """Employees, totals by centre and plan, and a summary; money cells formatted as money."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    fixed = dt.datetime(2000, 1, 1)
    book.properties.creator = "pmrules"
    book.properties.created = fixed
    book.properties.modified = fixed
    sheet = book.active
    sheet.title = "Employees"
    names = csv_columns(run)
    money_columns = {names.index(name) for name in ("formula_bonus", "discretion", "bonus") if name in names}
    sheet.append(names)
    text_columns = [i + 1 for i, name in enumerate(names) if name in TEXT_COLUMNS]
    for number, row in enumerate(csv_rows(run)):
        cells: list[Any] = []
        for i, value in enumerate(row):
            if i in money_columns and value:
                cells.append(Decimal(value))
            elif names[i].endswith(("_score", "multiplier", "proration")) and value:
                cells.append(float(value))
            elif names[i] == "days":
                cells.append(int(value))
            else:
                _check_xml_text(run, number, names[i], value)
                cells.append(value)
        sheet.append(cells)
        _as_text(sheet, text_columns)
    for i in money_columns:
        for cell in next(iter(sheet.iter_cols(min_col=i + 1, max_col=i + 1, min_row=2))):
            cell.number_format = MONEY_FORMAT
    summary = totals(run)
    for title, key in (("By centre", "by_center"), ("By plan", "by_plan")):
        part = book.create_sheet(title)
        part.append([title.split()[-1], f"total ({currency})"])
        for name, amount in summary[key].items():
            part.append([name, Decimal(amount)])
            _as_text(part, [1])
            part.cell(row=part.max_row, column=2).number_format = MONEY_FORMAT
    if "by_currency" in summary:  # several pay currencies (issue 14): each total, its rate and source
        part = book.create_sheet("By currency")
        part.append(["currency", "total", "rate", "source", f"converted ({currency})"])
        for code, row in summary["by_currency"].items():
            part.append([code, Decimal(row["total"]), Decimal(row["rate"]), row["source"], Decimal(row["converted"])])
            _as_text(part, [1, 4])
            for column in (2, 5):
                part.cell(row=part.max_row, column=column).number_format = MONEY_FORMAT
    totals_sheet = book.create_sheet("Summary")
    totals_sheet.append(["total", Decimal(summary["total"])])
    totals_sheet.cell(row=1, column=2).number_format = MONEY_FORMAT
    totals_sheet.append(["paid", summary["paid"]])
    totals_sheet.append(["unpaid", summary["unpaid"]])
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic_zip(buffer.getvalue())
