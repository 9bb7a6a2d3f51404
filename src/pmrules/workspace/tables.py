"""employees.csv and actuals.csv (long or wide form) into rows with their lines."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmrules import ids
from pmrules.errors import InputError, Location, PmrulesError, raise_all
from pmrules.io.tables import Table
from pmrules.models import EMPLOYEE_EXTENSIONS, EMPLOYEE_OPTIONAL, EMPLOYEE_REQUIRED, MAX_TARGET_BONUS_PCT, Employee
from pmrules.models.manifest import MAX_MONEY
from pmrules.models.plan_options import RATING_HINT, rating_key
from pmrules.safetext import clip_list, excerpt
from pmrules.workspace.cells import CellError, check_text, parse_date, parse_decimal, parse_int


@dataclass
class Actuals:
    """Measured input values per entity, each with where it was read from."""

    values: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    where: dict[tuple[str, str], Location] = field(default_factory=dict)
    form: str = "long"

    def get(self, entity: str, name: str) -> Decimal | None:
        return self.values.get(entity, {}).get(name)

    def why_missing(self, entity: str, name: str) -> str | None:
        """More than "no value", where something knows more (a roll-up that could not be made)."""
        return None


def _check_header(table: Table, required: Sequence[str], optional: Sequence[str]) -> dict[str, int]:
    header = table.header
    missing = [name for name in required if name not in header]
    extra = [name for name in header if name not in (*required, *optional)]
    dupes = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unknown column(s): {clip_list(extra)}")
    if dupes:
        problems.append(f"duplicate column(s): {clip_list(dupes)}")
    if problems:
        raise InputError(
            "; ".join(problems),
            location=table.location(),
            hint=f"the header must be {','.join((*required, *optional))}",
        )
    return {name: header.index(name) for name in header}


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index] if index is not None and index < len(row) else ""


def _row_width_error(table: Table, i: int, row: list[str]) -> InputError | None:
    width = len(table.header)
    if len(row) > width and any(row[width:]):
        return InputError(f"row has {len(row)} cells, the header has {width}", location=table.location(i))
    return None


def checked_rows(table: Table, errors: list[PmrulesError]) -> Iterator[tuple[Location, list[str]]]:
    """Each row with its location, padded to the header's width; a row with extra filled cells is an error
    (appended to `errors`) and skipped."""
    width = len(table.header)
    for i, row in enumerate(table.rows):
        problem = _row_width_error(table, i, row)
        if problem:
            errors.append(problem)
            continue
        yield table.location(i), row + [""] * (width - len(row))


def check_unique_columns(table: Table, header: Sequence[str]) -> None:
    """A wide table's column names are its inputs: none may repeat or be empty."""
    dupes = sorted({name for name in header if header.count(name) > 1})
    if dupes or "" in header:
        raise InputError(f"duplicate or empty column name(s): {', '.join(dupes) or '(empty)'}", location=table.location())


def _id(text: str, what: str, *, name: bool = False) -> str:
    """The normal form of an id cell (pmrules.ids), or a CellError naming the character."""
    try:
        return ids.checked(text, what, name=name)
    except ids.IdError as exc:
        raise CellError(str(exc), exc.hint) from exc


def read_employees(table: Table) -> list[Employee]:
    """Employees from their table; every problem of the file is collected before raising."""
    required: tuple[str, ...] = EMPLOYEE_REQUIRED
    if "target_bonus" in table.header:  # a target amount may replace the percentage column
        required = tuple(c for c in EMPLOYEE_REQUIRED if c != "target_bonus_pct")
    optional = (*EMPLOYEE_OPTIONAL, *EMPLOYEE_EXTENSIONS, *(c for c in EMPLOYEE_REQUIRED if c not in required))
    columns = _check_header(table, required, optional)
    errors: list[PmrulesError] = []
    employees: list[Employee] = []
    seen: dict[str, tuple[int, str]] = {}  # normal id -> (line, id as written)
    undated_ids: set[str] = set()  # ids with a row without dates: the whole period, so never a segment
    for i, row in enumerate(table.rows):
        where = table.location(i)
        width = _row_width_error(table, i, row)
        if width:
            errors.append(width)
            continue

        def cell(name: str, row: list[str] = row) -> str:
            return _cell(row, columns, name)

        try:
            values: dict[str, Any] = {name: cell(name) for name in ("employee_id", "name", "center", "plan")}
            for name in ("employee_id", "center", "plan"):
                if not values[name]:
                    raise CellError(f"{name} is empty", f"every employee needs a {name}")
                values[name] = _id(values[name], name)
            check_text(values["name"], "name")
            salary = parse_decimal(cell("base_salary"), "base_salary")
            if salary < 0:
                raise CellError(f"base_salary is {salary}, negative", "a salary is zero or more")
            if salary > MAX_MONEY:
                raise CellError(f"base_salary is {salary}, more than the maximum {MAX_MONEY:,}",
                                "check the amount; salaries are in currency units, not cents")
            pct, target = _target(cell("target_bonus_pct"), cell("target_bonus"), "target_bonus" in columns)
            start = parse_date(cell("start_date"), "start_date") if cell("start_date") else None
            end = parse_date(cell("end_date"), "end_date") if cell("end_date") else None
            if start and end and end < start:
                raise CellError(f"end_date {end} is before start_date {start}", "swap or correct the dates")
            rating_text = cell("individual_rating")
            rating = _rating(rating_text) if rating_text else None
            factor = parse_decimal(cell("individual_factor"), "individual_factor") if cell("individual_factor") else None
            if factor is not None and factor < 0:
                raise CellError(f"individual_factor is {factor}, negative", "an individual factor is zero or more")
            currency = _currency(cell("currency")) if "currency" in columns else None
            if factor is not None and rating is not None:
                raise CellError("both individual_rating and individual_factor are given",
                                "give one of them: the rating is looked up in the plan, the factor is the score itself")
        except CellError as exc:
            errors.append(InputError(str(exc), location=where, hint=exc.hint))
            continue
        employee_id = values["employee_id"]
        undated = start is None and end is None
        if employee_id in seen:
            first_line, first_written = seen[employee_id]
            written = cell("employee_id")
            if written == first_written and (undated or employee_id in undated_ids):
                # An undated row covers the whole period: a second row of its id can only be a duplicate.
                errors.append(InputError(f"duplicate employee_id {excerpt(employee_id)}", location=where,
                                         hint=f"first defined on line {first_line}"))
                continue
            if written != first_written:
                errors.append(InputError(
                    f"employee_id {excerpt(written)} is {excerpt(employee_id)} once normalised, the id of line "
                    f"{first_line} ({excerpt(first_written)})", location=where,
                    hint="two rows may not differ only by look-alike, full-width or invisible characters: "
                         "fix one of them"))
                continue
            # The same id again: an effective-dated segment; workspace/segments.py checks the dates.
        else:
            seen[employee_id] = (where.line or 0, cell("employee_id"))
        if undated:
            undated_ids.add(employee_id)
        employees.append(
            Employee.model_construct(
                **values,
                base_salary=salary,
                target_bonus_pct=pct,
                start_date=start,
                end_date=end,
                individual_rating=rating,
                target_bonus=target,
                individual_factor=factor,
                currency=currency,
                line=where.line or 0,
            )
        )
    if errors:
        raise_all(errors)
    return employees


def _header_input(table: Table, name: str) -> str:
    try:
        return _id(name, "input column", name=True) if name else name
    except CellError as exc:
        raise InputError(str(exc), location=table.location(), hint=exc.hint) from exc


def _target(pct_text: str, target_text: str, has_target_column: bool) -> tuple[Decimal | None, Decimal | None]:
    """(target_bonus_pct, target_bonus): exactly one of the two per employee."""
    if has_target_column and bool(pct_text) == bool(target_text):
        raise CellError("both target_bonus_pct and target_bonus are given" if pct_text else
                        "neither target_bonus_pct nor target_bonus is given",
                        "give exactly one: a fraction of salary in target_bonus_pct, or an amount in target_bonus")
    if target_text:
        target = parse_decimal(target_text, "target_bonus")
        if target < 0:
            raise CellError(f"target_bonus is {target}, negative", "a target bonus is zero or more")
        if target > MAX_MONEY:
            raise CellError(f"target_bonus is {target}, more than the maximum {MAX_MONEY:,}",
                            "check the amount; a target bonus is in currency units, not cents")
        return None, target
    pct = parse_decimal(pct_text, "target_bonus_pct")
    if pct < 0 or pct > MAX_TARGET_BONUS_PCT:
        raise CellError(
            f"target_bonus_pct is {pct}",
            f"it is a fraction of salary between 0 and {MAX_TARGET_BONUS_PCT}: write 0.10 for 10% (10 would mean 1000%)",
        )
    return pct, None


def _currency(text: str) -> str:
    """The pay currency as an ISO 4217 code, or "" (the column is there, the cell empty: the workspace's)."""
    code = text.strip()
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise CellError(f"currency is {excerpt(text)}, not an ISO 4217 code",
                        "write three capital letters such as EUR, or leave it empty for the workspace's currency")
    return code


def _rating(text: str) -> int | str:
    """A whole number stays an int (version 1); a decimal or a word is kept as its one spelling."""
    try:
        key = rating_key(text)
    except ValueError:
        raise CellError(f"individual_rating is {excerpt(text)}", RATING_HINT) from None
    if re.fullmatch(r"[+-]?\d+", key):
        return parse_int(key, "individual_rating")
    return key


def normalised_ids(entity: str, name: str | None, where: Location, errors: list[PmrulesError]) -> tuple[str, str] | None:
    """The entity (and a long form's input) checked and normalised; None (with an error) when they are not ids."""
    try:
        check_text(entity, "entity")
        entity = _id(entity, "entity")
        if name:
            check_text(name, "input")
            name = _id(name, "input", name=True)
    except CellError as exc:
        errors.append(InputError(str(exc), location=where, hint=exc.hint))
        return None
    return entity, name or ""


def store_values(actuals: Actuals, entity: str, pairs: Sequence[tuple[str, str]], where: Location,
                 errors: list[PmrulesError], *, long_form: bool, scope: str = "") -> None:
    """One row's (input, text) pairs parsed into `actuals`: an empty cell is no value, a repeated one an error.

    Shared by the version-1 reader and the plan year's (`scope` names the period in the message).
    """
    for name, text in pairs:
        if long_form and not name:
            errors.append(InputError("input is empty", location=where))
            continue
        if not text:
            continue
        try:
            value = parse_decimal(text, name)
        except CellError as exc:
            errors.append(InputError(str(exc), location=where, hint=exc.hint))
            continue
        if (entity, name) in actuals.where:
            first = actuals.where[(entity, name)]
            errors.append(
                InputError(
                    f"a second value of {excerpt(name)} for {excerpt(entity)}{scope}", location=where,
                    hint=f"first given at {first}"
                )
            )
            continue
        actuals.values.setdefault(entity, {})[name] = value
        actuals.where[(entity, name)] = where


def read_actuals(table: Table) -> Actuals:
    """Long form `entity,input,value` or wide form `entity,<input>,...`; the header tells which."""
    header = table.header
    if not header or header[0] != "entity":
        raise InputError(
            f"the first column is {excerpt(header[0])}" if header else "no header",
            location=table.location(),
            hint="actuals start with an `entity` column: `entity,input,value` (long) or `entity,<input>,...` (wide)",
        )
    long_form = header == ["entity", "input", "value"]
    actuals = Actuals(form="long" if long_form else "wide")
    errors: list[PmrulesError] = []
    for name in header:
        try:
            check_text(name, "a column name")
        except CellError as exc:
            raise InputError(str(exc), location=table.location(), hint=exc.hint) from None
    if not long_form:
        header = [header[0], *(_header_input(table, name) for name in header[1:])]
        check_unique_columns(table, header)
    seen_entities: dict[str, int] = {}
    for where, row in checked_rows(table, errors):
        entity = row[0]
        if not entity:
            errors.append(InputError("entity is empty", location=where, hint="name a centre id or employee id"))
            continue
        ids = normalised_ids(entity, row[1] if long_form else None, where, errors)
        if ids is None:
            continue
        entity = ids[0]
        if long_form and row[1]:
            row[1] = ids[1]
        pairs = [(row[1], row[2])] if long_form else list(zip(header[1:], row[1:], strict=False))
        if not long_form:
            if entity in seen_entities:
                errors.append(
                    InputError(
                        f"entity {excerpt(entity)} appears twice in the wide form"
                        + ("" if entity == row[0] else f" (written {excerpt(row[0])}, the same once normalised)"),
                        location=where,
                        hint=f"merge it with line {seen_entities[entity]}",
                    )
                )
                continue
            seen_entities[entity] = where.line or 0
        store_values(actuals, entity, pairs, where, errors, long_form=long_form)
    if errors:
        raise_all(errors)
    return actuals
