"""A scenario's employees: the workspace's rows with some added, changed or removed, in memory only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pmrules import ids
from pmrules.errors import InputError, Location, PmrulesError, did_you_mean
from pmrules.models import MAX_TARGET_BONUS_PCT, Employee
from pmrules.models.manifest import MAX_MONEY
from pmrules.models.plan_options import RATING_HINT, is_whole_rating, rating_key
from pmrules.scenarios.models import EmployeeChange, NewEmployee, Scenario
from pmrules.scenarios.numbers import NumberError as _Bad
from pmrules.scenarios.numbers import decimal_of
from pmrules.workspace import Workspace
from pmrules.workspace.employees import EmployeeTable

Locate = Callable[..., Location]


def scenario_employees(ws: Workspace, scenario: Scenario, locate: Locate, errors: list[PmrulesError]) -> EmployeeTable:
    """The workspace's table itself when the scenario touches no employee, else a new one (the files stay as they are)."""
    changes = scenario.employees
    if not scenario.ratings and (changes is None or not (changes.add or changes.change or changes.remove)):
        return ws.employees
    rows: dict[str, Employee] = {e.employee_id: e for e in ws.employees}
    known = list(rows)
    count = len(errors)
    touched: dict[str, tuple[str | int, ...]] = {}
    path: tuple[str | int, ...]
    if changes is not None:
        for employee_id, change in changes.change.items():
            path = ("employees", "change", employee_id)
            if _known(employee_id, rows, known, locate(*path), "employees.change", errors):
                touched[employee_id] = path
                rows[employee_id] = _changed(rows[employee_id], change, locate, path, errors)
    for employee_id, rating in scenario.ratings.items():
        path = ("ratings", employee_id)
        given = changes.change.get(employee_id) if changes is not None else None
        if given is not None and "individual_rating" in given.model_fields_set:
            errors.append(InputError(f"ratings.{employee_id}: the rating is also set in employees.change",
                                     location=locate(*path), hint="give it once: in ratings or in employees.change"))
        elif _known(employee_id, rows, known, locate(*path), "ratings", errors):
            touched.setdefault(employee_id, path)
            try:
                rows[employee_id] = _checked(rows[employee_id].model_copy(
                    update={"individual_rating": _rating(rating)}))
            except _Bad as exc:
                errors.append(InputError(f"ratings.{employee_id}: {exc}", location=locate(*path), hint=exc.hint))
    if changes is not None:
        for i, employee_id in enumerate(changes.remove):
            where = locate("employees", "remove", i)
            if employee_id in touched:
                errors.append(InputError(f"employees.remove: '{employee_id}' is also changed in this scenario",
                                         location=where, hint="remove the employee or change it, not both"))
            elif _known(employee_id, rows, known, where, "employees.remove", errors):
                del rows[employee_id]
        for i, new in enumerate(changes.add):
            path = ("employees", "add", i)
            employee = _added(new, locate, path, errors)
            if employee is None:
                continue
            if employee.employee_id in rows:
                errors.append(InputError(f"employees.add: employee_id '{employee.employee_id}' exists already",
                                         location=locate(*path, "employee_id"),
                                         hint="give a new id, or use employees.change for an existing employee"))
                continue
            rows[employee.employee_id] = employee
    if len(errors) > count:
        return ws.employees
    return EmployeeTable.from_employees(ws.employees_file, list(rows.values()))


def _known(employee_id: str, rows: dict[str, Employee], known: list[str], where: Location, key: str,
           errors: list[PmrulesError]) -> bool:
    if employee_id in rows:
        return True
    errors.append(InputError(f"{key}: no employee '{employee_id}'", location=where,
                             hint=did_you_mean(employee_id, known) or "give an employee_id from employees.csv"))
    return False


_MONEY = ("base_salary", "target_bonus")
_FRACTIONS = ("target_bonus_pct", "individual_factor")


def _values(model: NewEmployee | EmployeeChange, fields: set[str]) -> dict[str, Any]:
    """The model's given columns converted to the Employee model's types (Decimals from their text)."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(model, name)
        if name in _MONEY or name in _FRACTIONS:
            value = None if value is None else decimal_of(value, name)
        elif name == "individual_rating":
            value = _rating(value)
        elif name in ("employee_id", "center", "plan") and value is not None:
            try:
                value = ids.checked(value, name)
            except ids.IdError as exc:
                raise _Bad(str(exc), exc.hint) from exc
        elif name in ("center", "plan", "name") and value is None:
            raise _Bad(f"{name} cannot be emptied", f"give a {name}")
        out[name] = value
    return out


def _rating(value: Any) -> int | str | None:
    if value is None:
        return None
    try:
        key = rating_key(value)
    except ValueError:
        raise _Bad(f"individual_rating {value!r} is not a rating", RATING_HINT) from None
    return int(key) if is_whole_rating(key) else key


def _checked(employee: Employee) -> Employee:
    """The row checks of employees.csv that do not need the manifest (centre, plan and rating come later)."""
    e = employee
    if e.base_salary is None:
        raise _Bad("base_salary cannot be emptied", "give a salary")
    if e.base_salary < 0 or e.base_salary > MAX_MONEY:
        raise _Bad(f"base_salary is {e.base_salary}", f"a salary is between 0 and {MAX_MONEY:,}")
    if (e.target_bonus_pct is None) == (e.target_bonus is None):
        raise _Bad("both target_bonus_pct and target_bonus are given" if e.target_bonus is not None
                   else "neither target_bonus_pct nor target_bonus is given",
                   "give exactly one (null empties the other in employees.change)")
    if e.target_bonus_pct is not None and not 0 <= e.target_bonus_pct <= MAX_TARGET_BONUS_PCT:
        raise _Bad(f"target_bonus_pct is {e.target_bonus_pct}",
                   f"a fraction of salary between 0 and {MAX_TARGET_BONUS_PCT}: write 0.10 for 10%")
    if e.target_bonus is not None and not 0 <= e.target_bonus <= MAX_MONEY:
        raise _Bad(f"target_bonus is {e.target_bonus}", "a target amount is zero or more")
    if e.individual_factor is not None and e.individual_factor < 0:
        raise _Bad(f"individual_factor is {e.individual_factor}, negative", "an individual factor is zero or more")
    if e.individual_factor is not None and e.individual_rating is not None:
        raise _Bad("both individual_rating and individual_factor are given", "give one of them")
    if isinstance(e.start_date, dt.date) and isinstance(e.end_date, dt.date) and e.end_date < e.start_date:
        raise _Bad(f"end_date {e.end_date} is before start_date {e.start_date}", "swap or correct the dates")
    return e


def _changed(employee: Employee, change: EmployeeChange, locate: Locate, path: tuple[str | int, ...],
             errors: list[PmrulesError]) -> Employee:
    try:
        return _checked(employee.model_copy(update=_values(change, set(change.model_fields_set))))
    except (_Bad, InputError) as exc:
        errors.append(_error(exc, "employees.change." + str(path[-1]), locate(*path)))
        return employee


def _added(new: NewEmployee, locate: Locate, path: tuple[str | int, ...], errors: list[PmrulesError]) -> Employee | None:
    try:
        values = _values(new, set(NewEmployee.model_fields))
        return _checked(Employee.model_construct(**values, line=0))
    except (_Bad, InputError) as exc:
        errors.append(_error(exc, f"employees.add.{path[-1]}", locate(*path)))
        return None


def _error(exc: Exception, key: str, where: Location) -> InputError:
    if isinstance(exc, InputError):
        return InputError(f"{key}: {exc.message}", location=exc.location or where, hint=exc.hint)
    return InputError(f"{key}: {exc}", location=where, hint=getattr(exc, "hint", None))
