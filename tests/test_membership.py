"""Which names are employee ids (workspace/membership.py): the structure checks and gates ask Arrow
instead of building a Python set of every id; the answer must be the plain set intersection."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pmrules.workspace.employees import read_employees_fast
from pmrules.workspace.membership import employee_ids_among

IDS = st.lists(st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True), min_size=1, max_size=30, unique=True)


@settings(max_examples=40, deadline=None)
@given(ids=IDS, others=st.lists(st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True), max_size=30))
def test_the_names_that_are_employee_ids_are_the_set_intersection(ids: list[str], others: list[str],
                                                                   tmp_path_factory) -> None:
    path = Path(tmp_path_factory.mktemp("membership")) / "employees.csv"
    rows = [f"{i},Person {n},C0,staff,50000,0.1,,,3" for n, i in enumerate(ids)]
    path.write_text("employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,"
                    "individual_rating\n" + "\n".join(rows) + "\n")
    table = read_employees_fast(path, "employees.csv")
    assert table is not None  # the columnar reader takes plain ids
    names = [*others, *ids[: len(ids) // 2]]
    assert employee_ids_among(table, names) == set(names) & set(ids)
    assert employee_ids_among(table, []) == set()
