"""Effective-dated employees: one employee_id on several employees.csv rows, each a segment of the period.

A salary or target change, or a transfer between centres or plans, is a new row with the same id
whose dates continue the previous row's. Within the period the segments must neither overlap nor
leave a gap; each is paid like an employee of its own (its own days, centre and plan) and the person's
bonus is the sum of the segments' exact bonuses, rounded once (payout/persons.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pmrules.errors import InputError
from pmrules.safetext import excerpt
from pmrules.workspace.employees import NO_DATE, EmployeeTable, day_number, to_date

SEGMENTS_DOC = "rows of one employee are effective-dated segments (docs/workspace.md)"


def has_segments(table: EmployeeTable) -> bool:
    """True when some employee_id is on more than one row; never for a version-1 workspace."""
    return table.distinct_ids() != len(table)


def person_rows(table: EmployeeTable) -> dict[str, list[int]]:
    """Each employee_id's rows, in the order of their first day (a person's last segment is last)."""
    rows: dict[str, list[int]] = {}
    for i, employee_id in enumerate(table.id_list()):
        rows.setdefault(employee_id, []).append(i)
    for employee_id, found in rows.items():
        if len(found) > 1:
            rows[employee_id] = sorted(found, key=lambda i: (int(table.start[i]), i))
    return rows


def _span(table: EmployeeTable, i: int, start: int, end: int) -> tuple[int, int]:
    first = start if table.start[i] == NO_DATE else max(int(table.start[i]), start)
    last = end if table.end[i] == NO_DATE else min(int(table.end[i]), end)
    return first, last


def _dates(first: int, last: int) -> str:
    return f"{to_date(first)}..{to_date(last)}"


def check_segments(table: EmployeeTable, period_start: dt.date, period_end: dt.date) -> list[InputError]:
    """Overlapping or gapped segments of one employee, each an error at the later row naming both lines."""
    if not has_segments(table):
        return []
    start, end = day_number(period_start), day_number(period_end)
    errors: list[InputError] = []
    for employee_id, rows in person_rows(table).items():
        if len(rows) < 2:
            continue
        spans = sorted(((*_span(table, i, start, end), i) for i in rows), key=lambda s: (s[0], s[2]))
        inside = [s for s in spans if s[1] >= s[0]]  # rows with no day in the period take no part
        for (first_a, last_a, a), (first_b, last_b, b) in zip(inside, inside[1:], strict=False):
            line_a, line_b = int(table.lines[a]), int(table.lines[b])
            later, earlier = (b, line_a) if line_b > line_a else (a, line_b)
            both = f"line {line_a} ({_dates(first_a, last_a)}) and line {line_b} ({_dates(first_b, last_b)})"
            if first_b <= last_a:
                errors.append(InputError(
                    f"duplicate employee_id {excerpt(employee_id)} with overlapping dates within the period: {both}",
                    location=table.location(later),
                    hint=f"first defined on line {earlier}; {SEGMENTS_DOC}: end one row the day before the next "
                         "starts (start_date/end_date)"))
            elif first_b > last_a + 1:
                gap = f"{to_date(last_a + 1)}..{to_date(first_b - 1)}"
                errors.append(InputError(
                    f"employee_id {excerpt(employee_id)} has a gap ({gap}) between its segments: {both}",
                    location=table.location(later),
                    hint=f"{SEGMENTS_DOC}: start the next row the day after the previous one ends, or add a row "
                         "for the gap"))
    return errors


def segment_order(table: EmployeeTable, rows: list[int]) -> np.ndarray:
    """Rows of one person by first day (ties by file order), as an index array."""
    return np.array(sorted(rows, key=lambda i: (int(table.start[i]), i)), dtype=np.int64)
