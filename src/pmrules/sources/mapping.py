"""A mapped export onto pmrules' canonical columns: names resolved, codes translated, cells made canonical text.

The result is the same `Table` a plain CSV gives, so the one validating reader checks both alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from pmrules.errors import InputError, Location, PmrulesError, did_you_mean, raise_all
from pmrules.io.tables import Table, _cell_text
from pmrules.models import COLUMN_KINDS, DataSource
from pmrules.safetext import clip_list, excerpt
from pmrules.sources.cells import cell_number, number_text, parse_date, parse_number
from pmrules.sources.raw import RawTable
from pmrules.sources.report import SourceReport
from pmrules.workspace.cells import CellError

Locate = Callable[..., Location]


def check_mapping(source: DataSource, key: str, columns: Sequence[str], locate: Locate) -> None:
    """`columns` and `values` name pmrules columns; typed columns take no value mapping."""
    errors: list[PmrulesError] = []
    for what in ("columns", "values"):
        for name in getattr(source, what):
            if name not in columns:
                errors.append(InputError(
                    f"data.{key}.{what} names {excerpt(name)}, not a column of {key}",
                    location=locate("data", key, what, name),
                    hint=did_you_mean(name, columns) or f"the columns are {', '.join(columns)}"))
            elif what == "values" and name in COLUMN_KINDS:
                errors.append(InputError(
                    f"data.{key}.values.{name}: {name} is a {COLUMN_KINDS[name]} column, codes map text columns only",
                    location=locate("data", key, what, name), hint="remove it, or map the codes of a text column"))
    raise_all(errors)


def _resolve(raw: RawTable, source: DataSource, key: str, required: Sequence[str],
             optional: Sequence[str]) -> dict[str, int]:
    header = raw.header
    where = raw.location()
    errors: list[PmrulesError] = []
    found: dict[str, int] = {}
    for name in (*required, *optional):
        wanted = source.columns.get(name, name)
        if header.count(wanted) > 1:
            errors.append(InputError(f"the header has two columns {excerpt(wanted)} (for {name})", location=where,
                                     hint="rename one in the export, or set `header_row` to the right row"))
        elif wanted in header:
            found[name] = header.index(wanted)
        elif name in source.columns:
            errors.append(InputError(
                f"column {excerpt(wanted)} (data.{key}.columns.{name}) is not in the header, row {raw.header_line}",
                location=where, hint=did_you_mean(wanted, [h for h in header if h]) or
                f"the header has {clip_list([h for h in header if h])}; or set `header_row`"))
        elif name in required:
            close = did_you_mean(name, [h for h in header if h])
            errors.append(InputError(
                f"no column for {name} in the header, row {raw.header_line}", location=where,
                hint=f"map it under data.{key}.columns, e.g. {name}: \"<its header>\""
                + (f"; {close}" if close else "")))
    raise_all(errors)
    return found


def map_source(raw: RawTable, source: DataSource, key: str, required: Sequence[str], optional: Sequence[str],
               currency: str) -> tuple[Table, SourceReport]:
    """Canonical text cells of every row; every cell that does not parse is reported with its row.

    A code of `values` that no row carries is a warning: it was mapped, so it was meant.
    """
    found = _resolve(raw, source, key, required, optional)
    used = set(found.values())
    extra = [h for i, h in enumerate(raw.header) if i not in used and h]
    if extra and source.extra_columns == "error":
        raise InputError(f"column(s) not mapped: {clip_list(extra)}", location=raw.location(),
                         hint="map them under `columns`, or set `extra_columns: ignore`")
    report = SourceReport(key, raw.file, mapped=True, header_row=raw.header_line, rows_read=len(raw.rows) + raw.blank,
                          columns={name: raw.header[i] for name, i in found.items()}, extra_columns=extra)
    if raw.blank:
        report.ignore("empty row", raw.blank)
    if extra:
        report.note("info", f"{len(extra)} column(s) not used: {clip_list(extra)}")
    names = list(found)
    seen_codes: dict[str, set[str]] = {name: set() for name in source.values}
    errors: list[PmrulesError] = []
    rows: list[list[str]] = []
    width = len(raw.header)
    for i, cells in enumerate(raw.rows):
        if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
            errors.append(InputError(f"row has {len(cells)} cells, the header has {width}", location=raw.location(i),
                                     hint=f"check formats.delimiter ({source.formats.delimiter!r}) and the quoting"))
            continue
        out: list[str] = []
        try:
            for name in names:
                index = found[name]
                value = cells[index] if index < len(cells) else None
                text = _convert(value, name, source, currency)
                codes = source.values.get(name)
                if codes is not None and text in codes:
                    seen_codes[name].add(text)
                    text = codes[text]
                out.append(text)
        except CellError as exc:
            errors.append(InputError(str(exc), location=raw.location(i), hint=exc.hint))
            continue
        rows.append(out)
    raise_all(errors)
    for name, codes in source.values.items():
        unused = [code for code in codes if code not in seen_codes[name]]
        report.unused_codes[name] = unused
        if unused:
            report.note("warning", f"values.{name} maps {clip_list(unused)}, which no row carries")
    return Table(raw.file, names, rows, list(raw.lines)), report


def _convert(value: object, name: str, source: DataSource, currency: str) -> str:
    """One cell as canonical text: decimals plain, fractions as fractions, dates ISO, integers whole."""
    kind = COLUMN_KINDS.get(name, "text")
    if value is None or value == "":
        return ""
    if kind == "text":
        return _cell_text(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return parse_date(value, name, source.formats).isoformat()
        raise CellError(f"{name} is {excerpt(_cell_text(value))}, a number, not a date", "format the cells as dates")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellError(f"{name} is {excerpt(_cell_text(value))}, a date, not a number", "format the cells as numbers")
    if isinstance(value, str):
        number = parse_number(value, name, source.formats, currency=currency if kind == "money" else None,
                              percent=kind == "fraction")
    else:
        number = cell_number(value, name)
    if kind == "integer":
        if number != number.to_integral_value():
            raise CellError(f"{name} is {excerpt(number_text(number))}, not a whole number", "write a whole number like 3")
        return str(int(number))
    return number_text(number if number != 0 else Decimal(0))
