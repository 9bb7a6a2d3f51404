"""An export's cells as they come: the declared encoding, delimiter, sheet and header row; nothing converted yet.

CSV cells stay text; XLSX cells keep their type (a number, a date, text), so a typed cell needs no
format and text in it is read under the declared one. A wrong encoding is an error, never mojibake.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pmrules.errors import InputError, Location, did_you_mean
from pmrules.io.tables import _cell_text, check_table_file, open_workbook
from pmrules.models import DataSource
from pmrules.safetext import excerpt

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class RawTable:
    """The header (at `header_line`) and the rows under it, each with its line (CSV) or row (XLSX)."""

    file: str
    header: list[str]
    header_line: int
    rows: list[list[object]]
    lines: list[int]
    blank: int = 0

    def location(self, index: int | None = None) -> Location:
        return Location(self.file, self.header_line if index is None else self.lines[index])


def read_raw(path: Path, display: str, source: DataSource) -> RawTable:
    """The cells of a mapped source's file; the header is row `header_row`, rows above it are a title block."""
    check_table_file(path, display)
    raw = _read_xlsx(path, display, source) if path.suffix.lower() == ".xlsx" else _read_csv(path, display, source)
    if not any(raw.header):
        raise InputError(f"header row {source.header_row} is empty", location=Location(raw.file, source.header_row),
                         hint="set `header_row` to the row that holds the column names")
    return raw


def decode(data: bytes, encoding: str, name: str) -> str:
    """`data` as text in the declared encoding, refusing a file that is visibly in another one."""
    declared = codecs.lookup(encoding).name
    if declared == "utf-8-sig":
        declared = "utf-8"
    for bom, family in BOMS:
        if data.startswith(bom) and not declared.startswith(family):
            raise InputError(f"the file starts with a {family.upper()} byte-order mark, but formats.encoding is "
                             f"{encoding}", location=Location(name, 1), hint=f"declare formats: {{encoding: {family}}}")
    if declared.startswith("utf-16"):
        if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" not in data[:4096]:
            raise InputError(f"the file is not {encoding} (no byte-order mark, no UTF-16 characters)",
                             location=Location(name, 1), hint="declare the encoding it was saved in, e.g. utf-8")
    elif b"\x00" in data[:4096]:
        raise InputError(f"the file holds NUL bytes: it is UTF-16 text, not {encoding}", location=Location(name, 1),
                         hint="declare formats: {encoding: utf-16}")
    elif declared != "utf-8" and not data.isascii() and _is_utf8(data):
        raise InputError(f"the file is UTF-8 text, not {encoding}: its accented letters would be misread",
                         location=Location(name, 1), hint="declare formats: {encoding: utf-8}")
    codec = "utf-8-sig" if declared == "utf-8" else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1 if not declared.startswith("utf-16") else None
        hint = ("declare the encoding it was saved in, e.g. formats: {encoding: windows-1252}" if declared == "utf-8"
                else "check formats.encoding: the file was saved in another encoding")
        raise InputError(f"not {encoding} text (byte 0x{data[exc.start]:02x})", location=Location(name, line),
                         hint=hint) from exc
    return text.removeprefix("\ufeff")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(path: Path, name: str, source: DataSource) -> RawTable:
    text = decode(path.read_bytes(), source.formats.encoding, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.formats.delimiter, strict=True)
    raw = RawTable(name, [], source.header_row, [], [])
    found = False
    try:
        for number, record in enumerate(reader, start=1):
            if number < source.header_row:
                continue
            cells = [cell.strip() for cell in record]
            if number == source.header_row:
                raw.header, raw.header_line, found = _header(cells), reader.line_num, True
                continue
            if not any(cells):
                raw.blank += 1
                continue
            raw.rows.append(list(cells))
            raw.lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"CSV syntax error: {exc}", location=Location(name, reader.line_num)) from exc
    if not found:
        raise InputError(f"the file has no row {source.header_row} (header_row)", location=Location(name),
                         hint="set `header_row` to the row that holds the column names")
    return raw


def _header(cells: list[str]) -> list[str]:
    header = list(cells)
    while header and not header[-1]:
        header.pop()
    return header


def _read_xlsx(path: Path, name: str, source: DataSource) -> RawTable:
    book = open_workbook(path, name)
    titles = [sheet.title for sheet in book.worksheets]
    if not titles:
        raise InputError("the workbook has no sheet", location=Location(name))
    if source.sheet is not None and source.sheet not in titles:
        raise InputError(f"no sheet {excerpt(source.sheet)} in the workbook (sheets: {', '.join(titles)})",
                         location=Location(name), hint=did_you_mean(source.sheet, titles) or "fix `sheet`")
    sheet = book[source.sheet] if source.sheet is not None else book.worksheets[0]
    where = f"{name}[{sheet.title}]"
    below = [r for r in sheet.merged_cells.ranges if r.max_row >= source.header_row]
    if below:
        first = sorted(str(r) for r in below)[0]
        raise InputError(f"merged cells ({first}) in the header or the data", location=Location(where),
                         hint="unmerge them (merged cells are allowed only in the title rows above header_row)")
    raw = RawTable(where, [], source.header_row, [], [])
    found = False
    for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number < source.header_row:
            continue
        for value in record:
            if isinstance(value, str) and value.startswith("="):
                raise InputError(f"formula cell {excerpt(value)}", location=Location(where, number),
                                 hint="paste values only (pmrules never evaluates spreadsheet formulas)")
        if number == source.header_row:
            raw.header, found = _header([_cell_text(value) for value in record]), True
            continue
        cells = [value.strip() if isinstance(value, str) else value for value in record]
        if all(cell is None or cell == "" for cell in cells):
            raw.blank += 1
            continue
        raw.rows.append(cells)
        raw.lines.append(number)
    if not found:
        raise InputError(f"the sheet has no row {source.header_row} (header_row)", location=Location(where),
                         hint="set `header_row` to the row that holds the column names")
    return raw
