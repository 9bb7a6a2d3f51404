"""A payout run as CSV or XLSX bytes; both byte-identical on a rerun."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pmrules.payout.compute import PayoutRun
from pmrules.payout.records import csv_columns, csv_rows, output_table, totals

MONEY_FORMAT = "#,##0.00"
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


_NEEDS_QUOTES = r'[,"\r\n]'
# Numbers, dates and statuses are written by pmrules and never need quotes; these come from users.
TEXT_COLUMNS = {"employee_id", "name", "center", "plan", "reason"}


def to_csv(run: PayoutRun) -> bytes:
    """RFC 4180 with minimal quoting, as Python's csv module writes it, but column by column."""
    table = output_table(run)
    names = csv_columns(run)
    columns = []
    for name in names:
        column = table[name]
        if name not in TEXT_COLUMNS:
            columns.append(column)
            continue
        needs = pc.match_substring_regex(column, _NEEDS_QUOTES)
        if pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
            column = pc.if_else(needs, quoted, column)
        columns.append(column)
    buffer = io.BytesIO()
    buffer.write((",".join(names) + "\n").encode())
    pcsv.write_csv(pa.table(columns, names=names), buffer,
                   pcsv.WriteOptions(include_header=False, quoting_style="none"))
    return buffer.getvalue()


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
    money_columns = {names.index("bonus")}
    sheet.append(names)
    for row in csv_rows(run):
        cells: list[Any] = []
        for i, value in enumerate(row):
            if i in money_columns and value:
                cells.append(Decimal(value))
            elif names[i].endswith(("_score", "multiplier", "proration")) and value:
                cells.append(float(value))
            elif names[i] == "days":
                cells.append(int(value))
            else:
                cells.append(value)
        sheet.append(cells)
    for i in money_columns:
        for cell in next(iter(sheet.iter_cols(min_col=i + 1, max_col=i + 1, min_row=2))):
            cell.number_format = MONEY_FORMAT
    summary = totals(run)
    for title, key in (("By centre", "by_center"), ("By plan", "by_plan")):
        part = book.create_sheet(title)
        part.append([title.split()[-1], f"total ({currency})"])
        for name, amount in summary[key].items():
            part.append([name, Decimal(amount)])
            part.cell(row=part.max_row, column=2).number_format = MONEY_FORMAT
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
