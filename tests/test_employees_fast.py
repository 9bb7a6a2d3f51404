"""The columnar employees reader (workspace/employees.py) gives the row reader's table, column for column.

Issue 17 checks columns of few distinct values (centres, plans, percentages, ratings) once per value
and reads the CSV as one block; whatever it accepts, the careful row reader must read the same, and
a file whose rows are not one per line (blank lines, with or without carriage returns) is left to it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmrules.errors import PmrulesError
from pmrules.io.tables import read_table
from pmrules.workspace.employees import EmployeeTable, read_employees_fast
from pmrules.workspace.tables import read_employees
from tests.test_fuzz import EXAMPLES

HEADER = "employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,individual_rating"


def _slow(path: Path) -> EmployeeTable | PmrulesError:
    try:
        return EmployeeTable.from_employees(str(path), read_employees(read_table(path, str(path))))
    except PmrulesError as exc:
        return exc


def _same(fast: EmployeeTable, slow: EmployeeTable) -> None:
    for name in ("ids", "names", "centers", "plans"):
        assert getattr(fast, name).to_pylist() == getattr(slow, name).to_pylist(), name
    for name in ("salary_text", "pct_text"):  # the fast reader keeps the spelling (.5), the row reader a Decimal's
        assert [Decimal(t) if t else None for t in getattr(fast, name).to_pylist()] == \
            [Decimal(t) if t else None for t in getattr(slow, name).to_pylist()], name
    for name in ("salary", "pct", "start", "end", "rating", "lines"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name), equal_nan=True), name
    assert fast.distinct_ids() == slow.distinct_ids() == len(fast)


PCT = st.sampled_from(["0.1", "0.10", ".5", "1.", "0", "3", "3.5", "-0.1", "1e-1", " 0.1", "", "+0.2"])
RATING = st.sampled_from(["", "1", "3", "+2", "-1", "007", "1000000", "1000001", "2.5", "x", " 3",
                          "0000000000000000000004"])
DATE = st.sampled_from(["", "2026-01-01", "2026-12-31", "2026-02-30", "2026-1-1", "20260101"])
CENTER = st.sampled_from(["C0", "C1", "ops", "ops ", "\u043eps", "a-b.c_d"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(rows=st.lists(st.tuples(CENTER, PCT, DATE, DATE, RATING), min_size=1, max_size=6))
@example(rows=[("C0", "0.1", "", "", "")])
@example(rows=[("C0", "0.1", "2026-03-01", "2026-02-01", "3")])
def test_fast_reader_reads_what_the_row_reader_reads(tmp_path_factory: pytest.TempPathFactory,
                                                     rows: list[tuple[str, str, str, str, str]]) -> None:
    path = Path(tmp_path_factory.mktemp("emp")) / "employees.csv"
    body = "".join(f"E{i},Person {i},{center},staff,1000.50,{pct},{start},{end},{rating}\n"
                   for i, (center, pct, start, end, rating) in enumerate(rows))
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8")
    fast = read_employees_fast(path, str(path))
    if fast is not None:
        slow = _slow(path)
        assert isinstance(slow, EmployeeTable), slow
        _same(fast, slow)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("blank", ["start", "middle", "end"])
def test_blank_lines_leave_the_file_to_the_row_reader(tmp_path: Path, newline: str, blank: str) -> None:
    rows = ["E1,Ann,C0,staff,100,0.1,,,3", "E2,Bea,C0,staff,100,0.1,,,3"]
    lines = [HEADER, *rows]
    lines.insert({"start": 1, "middle": 2, "end": 3}[blank], "")
    path = tmp_path / "employees.csv"
    path.write_bytes((newline.join(lines) + newline).encode())
    assert read_employees_fast(path, str(path)) is None
    slow = _slow(path)
    assert isinstance(slow, EmployeeTable) and slow.lines.tolist() == ([3, 4] if blank == "start" else
                                                                       [2, 4] if blank == "middle" else [2, 3])


def test_crlf_rows_read_fast_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_bytes((HEADER + "\r\nE1,Ann,C0,staff,100,0.1,,,3\r\nE2,Bea,C0,staff,100,0.1,,,3").encode())
    fast = read_employees_fast(path, str(path))
    assert fast is not None and fast.lines.tolist() == [2, 3]
    _same(fast, _slow(path))  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "fast"), [("é" * 200, True), ("é" * 201, False), ("e" * 201, False)])
def test_names_are_measured_in_characters(tmp_path: Path, name: str, fast: bool) -> None:
    path = tmp_path / "employees.csv"
    path.write_text(f"{HEADER}\nE1,{name},C0,staff,100,0.1,,,3\n", encoding="utf-8")
    table = read_employees_fast(path, str(path))
    assert (table is not None) == fast
    if table is not None:
        _same(table, _slow(path))  # type: ignore[arg-type]
    else:
        assert isinstance(_slow(path), PmrulesError)  # 201 characters: the row reader names the cell
