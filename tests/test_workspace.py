"""Loading a workspace: models, tables in both forms, and every structural error located at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.errors import InputError, PmrulesError
from pmrules.testing import minimal_manifest, write_workspace
from pmrules.workspace import load_workspace

EMP = {"employee_id": "E1", "name": "A", "center": "corp", "plan": "staff", "base_salary": "100000",
       "target_bonus_pct": "0.10"}
ACT = {"corp": {"clients_start": "100", "clients_retained": "90"}}


def messages(exc: PmrulesError) -> str:
    return "\n".join(exc.lines())


def load_error(tmp_path: Path, manifest=None, employees=(EMP,), actuals=ACT, text=None) -> str:
    write_workspace(tmp_path, manifest, employees=employees, actuals=actuals, manifest_text=text)
    with pytest.raises(PmrulesError) as caught:
        open_workspace(tmp_path)
    return messages(caught.value)


def test_minimal_workspace_loads(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals=ACT)
    opened = open_workspace(tmp_path)
    assert opened.workspace.employees[0].base_salary == __import__("decimal").Decimal("100000")
    assert opened.workspace.actuals.get("corp", "clients_start") == 100


def test_unknown_key_is_located(tmp_path):
    m = minimal_manifest()
    m["centers"] = [{"id": "corp", "name": "Corp", "type": "investment", "manger": "E1"}]
    out = load_error(tmp_path, m)
    assert "unknown key 'manger'" in out and "pmrules.yaml:" in out


def test_yaml_syntax_error_has_line(tmp_path):
    out = load_error(tmp_path, text="version: 1\nworkspace: [unclosed\nperiod: x\n")
    assert "YAML syntax error" in out and "pmrules.yaml:" in out


def test_weight_as_string_is_refused(tmp_path):
    m = minimal_manifest()
    m["scorecards"][0]["kpis"][0]["weight"] = "1.0"
    out = load_error(tmp_path, m)
    assert "weight" in out and "pmrules.yaml:" in out


def test_two_roots_and_unknown_parent_and_cycle(tmp_path):
    m = minimal_manifest()
    m["centers"] = m["centers"] + [
        {"id": "other", "name": "Other", "type": "profit"},
        {"id": "a", "name": "A", "type": "cost", "parent": "b"},
        {"id": "b", "name": "B", "type": "cost", "parent": "a"},
        {"id": "c", "name": "C", "type": "cost", "parent": "corpp"},
    ]
    out = load_error(tmp_path, m)
    assert "exactly one root" in out
    assert "cycle: a -> b -> a" in out or "cycle: b -> a -> b" in out
    assert "unknown parent centre 'corpp'" in out and "did you mean 'corp'" in out


def test_unknown_scorecard_owner_and_kpi(tmp_path):
    m = minimal_manifest()
    m["scorecards"].append({"owner": "nobody", "kpis": [{"kpi": "retention_rat", "weight": 1.0,
                                                          "threshold": 1, "target": 2, "maximum": 3}]})
    out = load_error(tmp_path, m)
    assert "unknown scorecard owner 'nobody'" in out


def test_unknown_kpi_on_scorecard_suggests(tmp_path):
    m = minimal_manifest()
    m["scorecards"][0]["kpis"][0]["kpi"] = "retention_rat"
    out = load_error(tmp_path, m)
    assert "unknown KPI 'retention_rat'" in out and "did you mean 'retention_rate'" in out


def test_employee_errors_point_at_csv_lines(tmp_path):
    rows = [EMP, {**EMP, "employee_id": "E2", "base_salary": "1,200"},
            {**EMP, "employee_id": "E3", "target_bonus_pct": "10%"},
            {**EMP, "employee_id": "E4", "target_bonus_pct": "10"},
            {**EMP, "employee_id": "E5", "start_date": "2026-07-01", "end_date": "2026-06-01"},
            {**EMP, "employee_id": "E1"}, {**EMP, "employee_id": "E7", "base_salary": "-5"},
            {**EMP, "employee_id": "E8", "start_date": "07/01/2026"}, {**EMP, "employee_id": "E9", "plan": "staf"}]
    out = load_error(tmp_path, employees=rows)
    assert "employees.csv:3: base_salary is '1,200'" in out and "without thousands separators: 1200" in out
    assert "employees.csv:4: target_bonus_pct is '10%'" in out and "0.10 for 10%" in out
    assert "employees.csv:5: target_bonus_pct is 10" in out and "1000%" in out
    assert "employees.csv:6: end_date 2026-06-01 is before start_date 2026-07-01" in out
    assert "employees.csv:7: duplicate employee_id 'E1'" in out
    assert "employees.csv:8: base_salary is -5, negative" in out
    assert "employees.csv:9: start_date is '07/01/2026', not a date" in out


def test_unknown_plan_for_employee(tmp_path):
    out = load_error(tmp_path, employees=[{**EMP, "plan": "staf"}])
    assert "employees.csv:2: unknown plan 'staf'" in out and "did you mean 'staff'" in out


def test_rating_outside_plan_table(tmp_path):
    m = minimal_manifest()
    m["plans"][0]["individual_ratings"] = {1: 0.0, 2: 1.0}
    out = load_error(tmp_path, m, employees=[{**EMP, "individual_rating": "7"}])
    assert "individual_rating 7 is not in plan 'staff'" in out and "allowed ratings: 1, 2" in out


def test_unknown_actuals_entity_and_input(tmp_path):
    out = load_error(tmp_path, actuals={"corp": {"clients_start": "1"}, "ghost": {"clients_start": "1"}})
    assert "actuals.csv:3: unknown entity 'ghost'" in out


def test_unknown_actuals_input(tmp_path):
    out = load_error(tmp_path, actuals={"corp": {"clients_strt": "1"}})
    assert "unknown input 'clients_strt'" in out and "did you mean 'clients_start'" in out


def test_wide_actuals_and_duplicate_entity(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals={})
    (tmp_path / "actuals.csv").write_text("entity,clients_start,clients_retained\ncorp,100,\ncorp,1,2\n")
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    assert "actuals.csv:3: entity 'corp' appears twice" in messages(caught.value)


def test_wide_empty_cell_means_no_value(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals={})
    (tmp_path / "actuals.csv").write_text("entity,clients_start,clients_retained\ncorp,100,\n")
    ws = load_workspace(tmp_path)
    assert ws.actuals.get("corp", "clients_retained") is None
    assert ws.actuals.get("corp", "clients_start") == 100


def test_csv_problems(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals=ACT)
    (tmp_path / "actuals.csv").write_text("entity;input;value\ncorp;clients_start;1\n")
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    assert "';' as a delimiter" in messages(caught.value)
    (tmp_path / "actuals.csv").write_bytes("entity,input,value\ncorp,clients_start,1\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    assert "actuals.csv:2: not UTF-8" in messages(caught.value)
    (tmp_path / "actuals.csv").write_text("")
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    assert "empty" in messages(caught.value)


def test_bom_is_accepted(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals=ACT)
    data = (tmp_path / "employees.csv").read_bytes()
    (tmp_path / "employees.csv").write_bytes(b"\xef\xbb\xbf" + data)
    assert load_workspace(tmp_path).employees[0].employee_id == "E1"


def test_employee_columns_checked(tmp_path):
    write_workspace(tmp_path, employees=[EMP], actuals=ACT)
    (tmp_path / "employees.csv").write_text("employee_id,name,center,plan,base_salary,bonus\nE1,A,corp,staff,1,2\n")
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    out = messages(caught.value)
    assert "employees.csv:1: missing column(s): target_bonus_pct" in out and "unknown column(s): bonus" in out


def test_xlsx_tables_are_read(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    m = minimal_manifest(data={"employees": "employees.xlsx", "actuals": "actuals.csv"})
    write_workspace(tmp_path, m, employees=[], actuals=ACT)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["employee_id", "name", "center", "plan", "base_salary", "target_bonus_pct", "start_date",
                  "end_date", "individual_rating"])
    sheet.append(["E1", "A", "corp", "staff", 100000.5, 0.1, None, None, None])
    book.save(tmp_path / "employees.xlsx")
    ws = load_workspace(tmp_path)
    assert str(ws.employees[0].base_salary) == "100000.5" and str(ws.employees[0].target_bonus_pct) == "0.1"
    sheet["E2"] = "=1+1"
    book.save(tmp_path / "employees.xlsx")
    with pytest.raises(InputError) as caught:
        load_workspace(tmp_path)
    assert "formula cell" in messages(caught.value) and "employees.xlsx[Sheet]:2" in messages(caught.value)


def test_missing_plugin_is_named(tmp_path):
    out = load_error(tmp_path, minimal_manifest(plugins=["banking-kpis"]))
    assert "needs plugin 'banking-kpis'" in out and "pmrules.yaml:" in out


def test_example_workspace_loads():
    opened = open_workspace(Path(__file__).resolve().parents[1] / "examples" / "northwind-bank")
    assert len(opened.workspace.employees) >= 10


def test_a_parsers_own_nesting_limit_reads_as_ours(tmp_path, monkeypatch):
    """Whatever words a YAML parser uses for its depth limit, the user sees pmrules' one line."""
    from pmrules.io import yamlfile

    monkeypatch.setattr(yamlfile, "MAX_YAML_DEPTH", 100_000)  # let the parser's limit speak first
    path = tmp_path / "deep.yaml"
    path.write_text("a: 1\ndeep: " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(InputError) as caught:
        yamlfile.load_yaml(path, "deep.yaml")
    assert "nested too deeply" in str(caught.value)
    assert caught.value.location.line == 2
