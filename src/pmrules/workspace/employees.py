"""Employees as columns, not objects: a million rows stay a handful of arrays.

The fast path reads CSV with pyarrow and validates whole columns at once; any problem (or a file
whose physical lines do not map one-to-one to rows) falls back to the row-by-row reader, which
names every bad cell with its `file:line`. Both paths give the same table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pmrules.errors import Location
from pmrules.ids import SAFE_ID_REGEX
from pmrules.models import EMPLOYEE_COLUMNS, EMPLOYEE_REQUIRED, MAX_TARGET_BONUS_PCT, Employee
from pmrules.models.manifest import MAX_MONEY
from pmrules.rows import RowsOnDemand
from pmrules.workspace.cells import MAX_CELL_TEXT

NO_DATE = np.iinfo(np.int32).min
NO_RATING = np.iinfo(np.int32).min
# Ratings written as decimals or words (1.25, exceeds) get codes below every whole-number rating.
LABEL_BASE = -2_000_000
EPOCH = dt.date(1970, 1, 1)
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_INT = r"^[+-]?[0-9]+$"
# What Python's str.strip() removes (str.isspace): Unicode separators, C0 \t-\r and \x1c-\x1f, NEL.
_SPACE = r"[\pZ\x{09}-\x{0d}\x{1c}-\x{1f}\x{85}]"
_EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"


def day_number(date: dt.date | None) -> int:
    return NO_DATE if date is None else (date - EPOCH).days


def to_date(number: int) -> dt.date | None:
    return None if number == NO_DATE else EPOCH + dt.timedelta(days=int(number))


@dataclass
class EmployeeTable(RowsOnDemand[Employee]):
    """Columns of employees.csv; `table[i]` builds one Employee for the few places that want objects."""

    file: str
    ids: pa.Array
    names: pa.Array
    centers: pa.Array
    plans: pa.Array
    salary_text: pa.Array
    pct_text: pa.Array
    salary: np.ndarray
    pct: np.ndarray
    start: np.ndarray
    end: np.ndarray
    rating: np.ndarray
    lines: np.ndarray
    _index: dict[str, int] | None = field(default=None, repr=False)
    # Beyond version 1: target amounts and individual factors as text ("" where not given; None: no
    # such column), and the spellings of ratings that are not whole numbers (code LABEL_BASE - k).
    target_text: pa.Array | None = None
    factor_text: pa.Array | None = None
    rating_labels: tuple[str, ...] = ()
    # Beyond version 1 (issue 14): each row's pay currency as written ("" = the workspace's); None: no column.
    currency_text: pa.Array | None = None
    _distinct_ids: int | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.lines)

    def item(self, i: int) -> Employee:
        pct, target, factor = self.pct_text[i].as_py(), self.text_at(self.target_text, i), self.text_at(self.factor_text, i)
        return Employee.model_construct(
            employee_id=self.ids[i].as_py(), name=self.names[i].as_py(), center=self.centers[i].as_py(),
            plan=self.plans[i].as_py(), base_salary=Decimal(self.salary_text[i].as_py()),
            target_bonus_pct=Decimal(pct) if pct else None, start_date=to_date(int(self.start[i])),
            end_date=to_date(int(self.end[i])), individual_rating=self.rating_at(i),
            target_bonus=Decimal(target) if target else None, individual_factor=Decimal(factor) if factor else None,
            line=int(self.lines[i]))

    @staticmethod
    def text_at(column: pa.Array | None, i: int) -> str:
        return "" if column is None else column[i].as_py()

    def rating_at(self, i: int) -> int | str | None:
        """The rating as written: a whole number, the spelling of a decimal or a word, or None."""
        return self.rating_of(int(self.rating[i]))

    def rating_of(self, code: int) -> int | str | None:
        if code == NO_RATING:
            return None
        return self.rating_labels[LABEL_BASE - code] if code <= LABEL_BASE else code

    def target_amounts(self) -> np.ndarray:
        """Each employee's target bonus in float: salary x percentage, or the target_bonus amount."""
        with np.errstate(invalid="ignore"):
            amounts = self.salary * self.pct
        if self.target_text is not None:
            given = pc.not_equal(self.target_text, "").to_numpy(zero_copy_only=False)
            if given.any():
                values = pc.cast(pc.if_else(pc.equal(self.target_text, ""), "0", self.target_text), pa.float64())
                amounts = np.where(given, values.to_numpy(zero_copy_only=False), amounts)
        return amounts

    def distinct_ids(self) -> int:
        """How many different employee_ids (counted in Arrow once: several checks ask, at 1M rows)."""
        if self._distinct_ids is None:
            self._distinct_ids = int(pc.count_distinct(self.ids).as_py()) if len(self) else 0
        return self._distinct_ids

    def position(self, employee_id: str) -> int | None:
        if self._index is None:
            self._index = {value: i for i, value in enumerate(self.ids.to_pylist())}
        return self._index.get(employee_id)

    def location(self, i: int) -> Location:
        return Location(self.file, int(self.lines[i]))

    def id_list(self) -> list[str]:
        return self.ids.to_pylist()  # type: ignore[no-any-return]

    @classmethod
    def from_employees(cls, file: str, employees: Sequence[Employee]) -> EmployeeTable:
        def strings(values: list[Any]) -> pa.Array:
            return pa.array(values, type=pa.string())

        labels: dict[str, int] = {}

        def rating_code(rating: int | str | None) -> int:
            if rating is None:
                return NO_RATING
            if isinstance(rating, int):
                return rating
            return LABEL_BASE - labels.setdefault(rating, len(labels))

        codes = [rating_code(e.individual_rating) for e in employees]
        target = [e.target_bonus for e in employees]
        factor = [e.individual_factor for e in employees]
        currency = [e.currency for e in employees]
        return cls(
            file=file,
            ids=strings([e.employee_id for e in employees]), names=strings([e.name for e in employees]),
            centers=strings([e.center for e in employees]), plans=strings([e.plan for e in employees]),
            salary_text=strings([str(e.base_salary) for e in employees]),
            pct_text=strings(["" if e.target_bonus_pct is None else str(e.target_bonus_pct) for e in employees]),
            salary=np.array([float(e.base_salary) for e in employees], dtype=np.float64),
            pct=np.array([np.nan if e.target_bonus_pct is None else float(e.target_bonus_pct) for e in employees],
                         dtype=np.float64),
            start=np.array([day_number(e.start_date) for e in employees], dtype=np.int32),
            end=np.array([day_number(e.end_date) for e in employees], dtype=np.int32),
            rating=np.array(codes, dtype=np.int32),
            lines=np.array([e.line for e in employees], dtype=np.int32),
            target_text=None if all(t is None for t in target) else strings(["" if t is None else str(t) for t in target]),
            factor_text=None if all(f is None for f in factor) else strings(["" if f is None else str(f) for f in factor]),
            rating_labels=tuple(labels),
            currency_text=None if all(c is None for c in currency) else strings([c or "" for c in currency]),
        )


def read_employees_fast(path: Path, display: str) -> EmployeeTable | None:
    """The columnar reader; None whenever the careful row reader must decide (and explain) instead.

    One CSV block without reader threads (no chunks to combine: at a million rows the cheapest in CPU;
    it runs beside the manifest's parse anyway), and each check in as few Arrow passes as it takes:
    columns with few distinct values (centres, plans, percentages, ratings) are checked once per value.
    """
    if path.suffix.lower() != ".csv":
        return None
    try:
        data = path.read_bytes()
        raw_lines = _physical_lines(data)
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(use_threads=False, block_size=min(len(data) + 1, 2**31 - 1)),
            convert_options=pcsv.ConvertOptions(column_types={name: pa.string() for name in EMPLOYEE_COLUMNS},
                                                strings_can_be_null=False,
                                                check_utf8=not data.isascii()))  # ASCII is UTF-8: nothing to check
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeDecodeError):
        return None
    header = table.column_names
    if not set(EMPLOYEE_REQUIRED) <= set(header) or not set(header) <= set(EMPLOYEE_COLUMNS) or len(set(header)) != len(header):
        return None
    if raw_lines != table.num_rows + 1 or table.num_rows == 0:
        return None

    def column(name: str) -> pa.Array:
        if name not in header:
            return pa.array([""] * table.num_rows, type=pa.string())
        chunks = table[name]
        return chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()

    ids, names, centers, plans = column("employee_id"), column("name"), column("center"), column("plan")
    salary_text, pct_text = column("base_salary"), column("target_bonus_pct")
    # Ids already in normal form (pmrules.ids) and names without spaces to trim read the same here as
    # in the row reader; anything else (a look-alike, a trailing space) is the row reader's to decide.
    if not (_all_match(ids, SAFE_ID_REGEX) and _all_match(pc.unique(centers), SAFE_ID_REGEX)
            and _all_match(pc.unique(plans), SAFE_ID_REGEX)):
        return None
    if pc.any(pc.match_substring_regex(names, _EDGE_SPACE)).as_py():
        return None
    if any(_longest(col) > MAX_CELL_TEXT for col in (ids, centers, plans)):  # ASCII by now: bytes are characters
        return None
    if _longest(names) > MAX_CELL_TEXT and pc.max(pc.utf8_length(names)).as_py() > MAX_CELL_TEXT:
        return None
    for col in (salary_text, pc.unique(pct_text)):
        if not _all_match(col, _NUMBER) or _longest(col) > 30:
            return None
    try:  # Arrow's number syntax is not quite Python's ("+1"): where they differ, the row reader decides
        salary = pc.cast(salary_text, pa.float64()).to_numpy(zero_copy_only=False)
        pct = pc.cast(pct_text, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None
    if (salary < 0).any() or (pct < 0).any() or (pct > MAX_TARGET_BONUS_PCT).any() or (salary > MAX_MONEY).any():
        return None
    start, end = _days(column("start_date")), _days(column("end_date"))
    if start is None or end is None:
        return None
    both = (start != NO_DATE) & (end != NO_DATE)
    if (end[both] < start[both]).any():
        return None
    rating = _ratings(column("individual_rating"))
    if rating is None or len(pc.unique(ids)) != len(ids):
        return None
    return EmployeeTable(
        file=display, ids=ids, names=names, centers=centers, plans=plans, salary_text=salary_text,
        pct_text=pct_text, salary=salary, pct=pct, start=start, end=end, rating=rating,
        lines=np.arange(2, table.num_rows + 2, dtype=np.int32), _distinct_ids=len(ids))


def _all_match(column: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(column, pattern)).as_py() is not False)


def _longest(column: pa.Array) -> int:
    """The longest cell in bytes (its offsets alone: no pass over the text); characters where it is ASCII."""
    return int(pc.max(pc.binary_length(column)).as_py() or 0)


def _ratings(text: pa.Array) -> np.ndarray | None:
    """Whole-number ratings (or NO_RATING where empty), checked and converted once per distinct spelling."""
    encoded = pc.dictionary_encode(text)
    spellings = encoded.dictionary
    present = pc.not_equal(spellings, "")
    if not pc.all(pc.or_(pc.invert(present), pc.match_substring_regex(spellings, _INT))).as_py():
        return None
    if _longest(spellings) > 18:  # beyond int64 (and far beyond the limit below): the row reader decides
        return None
    try:
        values = pc.cast(pc.if_else(present, spellings, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # "+2": Arrow's integers have no plus sign
        return None
    if (np.abs(values) > 1_000_000).any():
        return None
    codes = np.where(present.to_numpy(zero_copy_only=False), values, NO_RATING).astype(np.int32)
    return codes[encoded.indices.to_numpy(zero_copy_only=False)]


def _physical_lines(data: bytes) -> int:
    """Lines in the file; rows map to lines only if this equals rows + 1 (no blank lines, no quoted newlines)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    count = data.count(b"\n")
    if data and not data.endswith(b"\n"):
        count += 1
    # Without a carriage return, a blank line (skipped by the CSV reader) already makes count != rows + 1.
    if b"\r" in data and (b"\n\n" in data or b"\r\n\r\n" in data):
        return -1
    return count


def _days(text: pa.Array) -> np.ndarray | None:
    """Day numbers (NO_DATE where empty), each distinct spelling read by the row reader's own rule.

    Arrow's strptime rolls 2026-02-30 over to 2026-03-02; `date.fromisoformat` refuses it, and so
    must this reader (it then leaves the file to the row reader, which names the cell).
    """
    if _longest(text) == 0:  # no dates at all (the usual column): nothing to parse
        return np.full(len(text), NO_DATE, dtype=np.int32)
    encoded = pc.dictionary_encode(text)
    spellings = encoded.dictionary
    if not pc.all(pc.or_(pc.equal(spellings, ""), pc.match_substring_regex(spellings, _DATE))).as_py():
        return None
    days = np.empty(len(spellings), dtype=np.int32)
    for k, spelling in enumerate(spellings.to_pylist()):  # distinct dates: a few thousand at most
        try:
            days[k] = day_number(dt.date.fromisoformat(spelling)) if spelling else NO_DATE
        except ValueError:
            return None
    return days[encoded.indices.to_numpy(zero_copy_only=False)]
