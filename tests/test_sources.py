"""Mapped data sources (issue 19): exports read as they come pay exactly what the plain CSV pays."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pmrules.cli import cli
from pmrules.errors import InputError
from pmrules.models import EMPLOYEE_OPTIONAL, EMPLOYEE_REQUIRED, Formats, Manifest
from pmrules.sources.cells import cell_number, parse_date, parse_number
from pmrules.sources.raw import decode
from pmrules.workspace import load_workspace
from pmrules.workspace.cells import CellError

sys.path.insert(0, str(Path(__file__).parent))
import exports  # noqa: E402

WORKSPACES = Path(__file__).parent / "workspaces"
US = Formats(thousands=",")
EU = Formats(decimal=",", thousands=".", date="%d.%m.%Y")


@pytest.mark.parametrize(("text", "formats", "kwargs", "value"), [
    ("$120,000.00", US, {"currency": "USD"}, "120000.00"),
    ("-$1,200.50", US, {"currency": "USD"}, "-1200.50"),
    ("$-1,200.50", US, {"currency": "USD"}, "-1200.50"),
    ("USD 1,200", US, {"currency": "USD"}, "1200"),
    ("1.234,56 €", EU, {"currency": "EUR"}, "1234.56"),
    ("1 234,56", Formats(decimal=",", thousands=" "), {"currency": "EUR"}, "1234.56"),
    ("1\u202f234,56", Formats(decimal=",", thousands=" "), {"currency": "EUR"}, "1234.56"),
    ("1'234.5", Formats(thousands="'"), {"currency": "CHF"}, "1234.5"),
    ("1234.5", US, {"currency": "USD"}, "1234.5"),
    ("10%", US, {"percent": True}, "0.10"),
    ("12,5 %", EU, {"percent": True}, "0.125"),
    ("0.15", US, {"percent": True}, "0.15"),
    (".5", US, {}, "0.5"),
])
def test_numbers_as_people_write_them(text: str, formats: Formats, kwargs: dict[str, object], value: str) -> None:
    options = {"currency": None, "percent": False, **kwargs}
    got = parse_number(text, "x", formats, **options)  # type: ignore[arg-type]
    assert got == Decimal(value) and str(got) == value  # exact, places kept


@pytest.mark.parametrize(("text", "formats", "kwargs", "message"), [
    ("1.234,56", US, {}, "not a number under the declared format"),
    ("1,234.56", EU, {}, "not a number under the declared format"),
    ("1,23,456", US, {}, "not a number under the declared format"),  # lakh grouping is not declared
    ("120,000", Formats(), {}, "not a number under the declared format"),
    ("€1,200", US, {"currency": "USD"}, "in another currency"),
    ("$1,200", US, {}, "in another currency"),
    ("10%", US, {"currency": "USD"}, "a percentage"),
    ("1e5", US, {}, "not a number"),
    ("", US, {}, "not a number"),
])
def test_numbers_that_do_not_parse_under_the_declaration(text: str, formats: Formats, kwargs: dict[str, object],
                                                          message: str) -> None:
    options = {"currency": None, "percent": False, **kwargs}
    with pytest.raises(CellError, match=message):
        parse_number(text, "x", formats, **options)  # type: ignore[arg-type]


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from([(".", ","), (",", "."), (",", " "), (".", "'"), (".", ""), (",", "")]))
def test_any_amount_written_under_a_format_reads_back_exactly(amount: Decimal, marks: tuple[str, str]) -> None:
    decimal, thousands = marks
    plain = f"{abs(amount):,.2f}".replace(",", "T").replace(".", "D")
    text = ("-" if amount < 0 else "") + "$" + plain.replace("T", thousands).replace("D", decimal)
    formats = Formats(decimal=decimal, thousands=thousands)  # type: ignore[arg-type]
    assert parse_number(text, "x", formats, currency="USD", percent=False) == amount


def test_xlsx_number_cells_are_read_from_their_shortest_repr() -> None:
    assert cell_number(0.1, "x") == Decimal("0.1")  # not 0.1000000000000000055511151231257827...
    assert cell_number(73000.07, "x") == Decimal("73000.07")
    assert cell_number(80000, "x") == Decimal(80000)
    with pytest.raises(CellError):
        cell_number(True, "x")


def test_dates_follow_the_declared_format_only() -> None:
    assert parse_date("03/15/2026", "d", Formats(date="%m/%d/%Y")) == dt.date(2026, 3, 15)
    assert parse_date("15.03.2026", "d", EU) == dt.date(2026, 3, 15)
    with pytest.raises(CellError, match="not a date under the declared format %m/%d/%Y") as error:
        parse_date("15/03/2026", "d", Formats(date="%m/%d/%Y"))
    assert error.value.hint == "write it like 03/15/2026, or change formats.date"


@pytest.mark.parametrize(("data", "encoding"), [
    ("Zoë;Ærø".encode(), "utf-8"), (b"\xef\xbb\xbf" + "Zoë".encode(), "utf-8"), ("Zoë".encode(), "utf-8-sig"),
    ("Zoë;Ærø".encode("utf-16"), "utf-16"),
    ("Zoë;Ærø".encode("utf-16-le"), "utf-16-le"), ("Zoë;Ærø".encode("cp1252"), "windows-1252"),
    ("Zoë".encode("latin-1"), "latin-1"),
])
def test_declared_encodings_are_read(data: bytes, encoding: str) -> None:
    assert decode(data, encoding, "f.csv") in ("Zoë;Ærø", "Zoë")


@pytest.mark.parametrize(("data", "encoding", "message"), [
    ("Zoë".encode(), "windows-1252", "the file is UTF-8 text, not windows-1252"),
    ("Zoë".encode(), "latin-1", "the file is UTF-8 text, not latin-1"),
    ("Zoë".encode("utf-16"), "utf-8", "UTF-16 byte-order mark"),
    ("Zoë".encode("utf-16"), "windows-1252", "UTF-16 byte-order mark"),
    ("Zoë".encode("cp1252"), "utf-8", "not utf-8 text"),
    (b"Zoe", "utf-16", "not utf-16"),
    ("Zoe".encode("utf-16-le"), "windows-1252", "NUL bytes"),
    (b"\x81abc", "windows-1252", "not windows-1252 text"),  # 0x81 is undefined in Windows-1252
])
def test_a_wrong_encoding_is_an_error_not_mojibake(data: bytes, encoding: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode(data, encoding, "f.csv")


@pytest.mark.parametrize("name", ["mapped-hris-xlsx", "mapped-european-csv"])
def test_a_mapped_export_gives_the_same_employees_and_actuals_as_the_plain_csv(name: str) -> None:
    plain = load_workspace(WORKSPACES / "gates-cap-proration")
    mapped = load_workspace(WORKSPACES / name)
    for a, b in zip(plain.employees, mapped.employees, strict=True):
        assert (a.employee_id, a.center, a.plan, a.start_date, a.end_date, a.individual_rating) == (
            b.employee_id, b.center, b.plan, b.start_date, b.end_date, b.individual_rating)
        assert a.base_salary == b.base_salary and a.target_bonus_pct == b.target_bonus_pct
    assert mapped.actuals.values == plain.actuals.values


def test_the_committed_exports_are_what_tests_exports_builds(tmp_path: Path) -> None:
    assert exports.PERSONAL.read_bytes() == exports.personal_text().encode("cp1252")
    assert exports.LEDGER.read_bytes() == exports.ledger_text().encode("cp1252")
    exports.write_hris(tmp_path / "rebuilt.xlsx")
    committed, rebuilt = (openpyxl.load_workbook(p) for p in (exports.HRIS, tmp_path / "rebuilt.xlsx"))
    assert committed.sheetnames == rebuilt.sheetnames == ["Summary", "Employees"]
    for name in committed.sheetnames:
        assert list(committed[name].values) == list(rebuilt[name].values)
        assert [c.number_format for row in committed[name] for c in row] == [
            c.number_format for row in rebuilt[name] for c in row]


def test_validate_reports_each_source_as_json() -> None:
    result = CliRunner().invoke(cli, ["validate", str(WORKSPACES / "mapped-european-csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    employees, actuals = document["sources"]
    assert employees["rows_read"] == 6 and employees["extra_columns"] == ["Abteilung"]
    assert employees["columns"]["base_salary"] == "Jahresgehalt"
    assert actuals["rows_read"] == 10 and actuals["rows_used"] == 4
    assert {r["reason"]: (r["rows"], r["examples"]) for r in actuals["rows_ignored"]} == {
        "period other than FY2026": (4, ["2025"]), "entity not in the workspace": (1, ["KST-9000"]),
        "input not used by the workspace": (1, ["4711"])}


def test_a_plain_workspace_never_imports_the_mapping_layer() -> None:
    code = ("import sys; from pmrules.workspace import load_workspace; "
            f"load_workspace({str(WORKSPACES / 'gates-cap-proration')!r}); "
            "print('pmrules.sources.mapping' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_unmapped_columns_keep_their_own_names(tmp_path: Path) -> None:
    """`columns` lists only what differs: a header already named `plan` needs no entry."""
    ws = tmp_path / "ws"
    import shutil

    shutil.copytree(WORKSPACES / "gates-cap-proration", ws)
    text = (ws / "employees.csv").read_text().replace("employee_id,", "Emp No,", 1)
    (ws / "export.csv").write_text(text)
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace(
        "employees: employees.csv", "employees: {file: export.csv, columns: {employee_id: Emp No}}"))
    loaded = load_workspace(ws)
    assert [e.employee_id for e in loaded.employees] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert loaded.sources[0].columns["plan"] == "plan"


def test_the_schema_documents_a_mapped_source() -> None:
    schema = Manifest.model_json_schema()
    assert "DataSource" in schema["$defs"] and "Formats" in schema["$defs"]
    assert set(schema["$defs"]["DataSource"]["properties"]) == {
        "file", "sheet", "header_row", "columns", "values", "formats", "extra_columns"}


PEOPLE = st.lists(st.tuples(
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=1, places=3, allow_nan=False, allow_infinity=False),
    st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))),
    st.one_of(st.none(), st.integers(1, 5)),
    st.text(alphabet="abcéüßÆø ", min_size=1, max_size=12).map(str.strip).filter(bool),
), min_size=1, max_size=8)


@given(PEOPLE)
def test_any_employees_read_from_a_european_export_equal_the_plain_csv(people: list[tuple[Any, ...]]) -> None:
    """The invariant behind the golden workspaces, for any salaries, targets, dates and accented names."""
    from pmrules.io.tables import read_table
    from pmrules.models import DataSource
    from pmrules.sources.mapping import map_source
    from pmrules.sources.raw import read_raw
    from pmrules.workspace.tables import read_employees

    plain = ["employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,individual_rating"]
    export = ["Nr;Name;KST;Plan;Gehalt;Ziel;Eintritt;Bewertung"]
    for i, (salary, pct, start, rating, name) in enumerate(people):
        plain.append(f"E{i},{name},c,p,{salary},{pct},{start or ''},,{rating or ''}")
        money = f"{salary:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        share = format(pct * 100, "f").replace(".", ",")
        export.append(f"E{i};{name};K1;p;{money} €;{share} %;{start.strftime('%d.%m.%Y') if start else ''};{rating or ''}")
    source = DataSource(file="x.csv", columns={"employee_id": "Nr", "name": "Name", "center": "KST", "base_salary": "Gehalt",
                                               "target_bonus_pct": "Ziel", "start_date": "Eintritt",
                                               "individual_rating": "Bewertung", "plan": "Plan"},
                        values={"center": {"K1": "c"}},
                        formats=Formats(decimal=",", thousands=".", date="%d.%m.%Y", delimiter=";", encoding="cp1252"))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "plain.csv").write_text("\n".join(plain) + "\n", encoding="utf-8")
        (Path(folder) / "x.csv").write_bytes(("\r\n".join(export) + "\r\n").encode("cp1252"))
        expected = read_employees(read_table(Path(folder) / "plain.csv"))
        table, _ = map_source(read_raw(Path(folder) / "x.csv", "x.csv", source), source, "employees",
                              EMPLOYEE_REQUIRED, EMPLOYEE_OPTIONAL, "EUR")
        got = read_employees(table)
    for a, b in zip(expected, got, strict=True):
        assert a.model_dump() == b.model_dump()


def test_a_ledger_workbook_with_typed_amounts_pays_like_the_plain_actuals(tmp_path: Path) -> None:
    """Actuals from an XLSX ledger: a title row, typed numbers, entity codes, a period column."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACES / "gates-cap-proration", ws)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "GL"
    for row in (["General ledger FY2026"], ["CC", "Account", "Amount", "Year"],
                ["CC-1", "units_out", 1000, "2026"], ["CC-1", "late_days", 10.0, "2026"],
                ["CC-2", "units_out", 300, "2026"], ["CC-2", "late_days", 20, "2026"], ["CC-2", "late_days", 99, "2025"]):
        sheet.append(row)
    book.save(ws / "gl.xlsx")
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace("actuals: actuals.csv", (
        "actuals: {file: gl.xlsx, header_row: 2, columns: {entity: CC, input: Account, value: Amount, period: Year},"
        " values: {entity: {CC-1: corp, CC-2: sales}, period: {'2026': FY2026}}}")))
    mapped, plain = load_workspace(ws), load_workspace(WORKSPACES / "gates-cap-proration")
    assert mapped.actuals.values == plain.actuals.values
    assert mapped.actuals.where[("corp", "late_days")].line == 4
    report = mapped.sources[1]
    assert (report.file.endswith("gl.xlsx[GL]"), report.rows_read, report.ignored) == (
        True, 5, {"period other than FY2026": 1})
