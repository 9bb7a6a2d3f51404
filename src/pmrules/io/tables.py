"""CSV and XLSX read the same way: a header and text cells with their line numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pmrules.errors import InputError, Location
from pmrules.safetext import excerpt

MAX_TABLE_BYTES = 2_000_000_000


@dataclass
class Table:
    """A header and rows of text cells; `lines[i]` is the file line of `rows[i]`."""

    file: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def location(self, index: int | None = None) -> Location:
        return Location(self.file, 1 if index is None else self.lines[index])


def check_table_file(path: Path, name: str) -> None:
    """The file exists and is within MAX_TABLE_BYTES (checked before any reader loads it)."""
    if not path.is_file():
        raise InputError("file not found", location=Location(name), hint="check `data:` in pmrules.yaml")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise InputError(
            f"file is {size:,} bytes, more than the limit of {MAX_TABLE_BYTES:,}", location=Location(name),
            hint="split the workforce into several workspaces",
        )


def read_table(path: Path, display: str | None = None) -> Table:
    """Read a CSV or the first sheet of an XLSX file into text cells."""
    name = display or str(path)
    check_table_file(path, name)
    if path.suffix.lower() == ".xlsx":
        table = _read_xlsx(path, name)
    else:
        table = _read_csv(path, name)
    if not table.header or all(not cell for cell in table.header):
        raise InputError("the file is empty: expected a header row", location=Location(name, 1))
    return table


def _read_csv(path: Path, name: str) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            location=Location(name, line),
            hint="save the file as UTF-8 (CSV UTF-8 in Excel)",
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            line = reader.line_num
            if not header:
                header = [cell.strip() for cell in record]
                if len(header) == 1 and ";" in header[0]:
                    raise InputError(
                        "the header uses ';' as a delimiter",
                        location=Location(name, line),
                        hint="pmrules reads comma-separated files: save as CSV with ','",
                    )
                continue
            if not any(cell.strip() for cell in record):
                continue
            rows.append([cell.strip() for cell in record])
            lines.append(line)
    except csv.Error as exc:
        raise InputError(f"CSV syntax error: {exc}", location=Location(name, reader.line_num)) from exc
    return Table(name, header, rows, lines)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(Decimal(repr(value))) if value == value else "nan"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def open_workbook(path: Path, name: str) -> Any:
    """An openpyxl workbook, or an InputError: openpyxl parses untrusted zip/XML and lets its parsers' exceptions through."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, data_only=False)
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            zipfile.BadZipFile, ElementTree.ParseError, EOFError) as exc:
        raise InputError(f"cannot open as an Excel workbook: {type(exc).__name__}: {exc}"[:300],
                         location=Location(name), hint="save it again from Excel as .xlsx, or export CSV") from exc


def _read_xlsx(path: Path, name: str) -> Table:
    book = open_workbook(path, name)
    if not book.worksheets:
        raise InputError("the workbook has no sheet", location=Location(name))
    sheet = book.worksheets[0]
    where = f"{name}[{sheet.title}]"
    if sheet.merged_cells.ranges:
        first = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        raise InputError(
            f"merged cells ({first}) are not allowed", location=Location(where), hint="unmerge them"
        )
    header: list[str] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
        for value in record:
            if isinstance(value, str) and value.startswith("="):
                raise InputError(
                    f"formula cell {excerpt(value)}",
                    location=Location(where, number),
                    hint="paste values only (pmrules never evaluates spreadsheet formulas)",
                )
        cells = [_cell_text(value) for value in record]
        if not header:
            header = cells
            while header and not header[-1]:
                header.pop()
            continue
        if not any(cells):
            continue
        rows.append(cells[: len(header)] + [""] * (len(header) - len(cells)) if len(cells) < len(header) else cells)
        lines.append(number)
    return Table(where, header, rows, lines)
