"""Sensitivity: the exact derivative agrees with a finite difference of the recomputed bonus."""

from __future__ import annotations

import dataclasses
import json
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmrules.api import Opened, open_workspace
from pmrules.catalog import Catalog
from pmrules.cli import cli
from pmrules.errors import InputError
from pmrules.payout.compute import PayoutRun
from pmrules.sensitivity import sensitivity
from pmrules.whatif import Change, apply_changes, what_if
from pmrules.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"
H = Decimal("0.0001")  # percent: small enough to stay on one curve segment, exact arithmetic has no noise


def _share(run: PayoutRun, employee_id: str) -> Fraction:
    p = next(p for p in run.employees if p.employee.employee_id == employee_id)
    assert p.exact_bonus is not None
    return p.exact_bonus * run.pool.factor if run.pool is not None and run.pool.factor else p.exact_bonus


def _open(directory: Path) -> tuple[Workspace, Catalog]:
    opened = open_workspace(directory)
    return opened.workspace, opened.catalog


def _check_against_finite_differences(opened: Opened, employee_id: str) -> int:
    result = sensitivity(opened.workspace, opened.catalog, employee_id)
    assert result.levers
    checked = 0
    for lever in result.levers:
        change = Change(lever.entity, lever.input, "relative", H, f"{lever.entity}.{lever.input}=+{H}%")
        scenario = what_if(opened.workspace, opened.catalog, [change])
        finite = (_share(scenario.scenario, employee_id) - _share(scenario.base, employee_id)) / Fraction(H)
        assert lever.per_percent is not None
        assert abs(finite - lever.per_percent) <= Fraction(1, 1000) * abs(lever.per_percent) + Fraction(1, 10**6), (
            lever.entity, lever.input, float(finite), float(lever.per_percent))
        checked += lever.per_percent != 0
    return checked


@pytest.mark.parametrize("employee", ["E001", "E011", "E014", "E030", "E041", "E050"])
def test_agrees_with_finite_differences(employee: str) -> None:
    assert _check_against_finite_differences(open_workspace(EXAMPLE), employee) > 0


def test_agrees_with_finite_differences_under_a_pool(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    with (ws / "pmrules.yaml").open("a") as f:
        f.write('\npool: {amount: "400000.00"}\n')
    opened = open_workspace(ws)
    assert _check_against_finite_differences(opened, "E012") > 0
    assert any("pool" in note for note in sensitivity(opened.workspace, opened.catalog, "E012").notes)


def test_levers_name_controllability_and_paths() -> None:
    result = sensitivity(*_open(EXAMPLE), "E011")
    levers = {(e.entity, e.input): e for e in result.levers}
    # harbor (profit) does not control investment: corp's invested capital moves the bonus through ROI
    assert not levers[("corp", "invested_capital")].controllable
    assert levers[("harbor", "revenue")].controllable and levers[("corp", "clients_retained")].controllable
    assert levers[("harbor", "revenue")].per_percent > 0 > levers[("harbor", "operating_costs")].per_percent
    assert {p.component for p in levers[("corp", "revenue")].paths} == {"corporate", "gate"}
    assert {p.component for p in levers[("E011", "appointments")].paths} == {"individual"}
    ordered = [abs(e.per_percent) for e in result.levers if e.per_percent is not None]
    assert ordered == sorted(ordered, reverse=True)


def test_failed_gate_moves_nothing() -> None:
    opened = open_workspace(EXAMPLE)
    changed, _ = apply_changes(opened.workspace, opened.catalog,
                               [Change("corp", "invested_capital", "absolute", Decimal("10000000000"), "x")])
    gated = dataclasses.replace(opened.workspace, actuals=changed)
    result = sensitivity(gated, opened.catalog, "E012")
    assert all(e.per_percent == 0 for e in result.levers)
    assert any("gate fails" in note for note in result.notes)


def test_unknown_employee() -> None:
    with pytest.raises(InputError, match="did you mean 'E011'"):
        sensitivity(*_open(EXAMPLE), "E0111")


def test_cli() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["sensitivity", str(EXAMPLE), "--employee", "E011", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["employee_id"] == "E011" and doc["levers"][0]["bonus_change_per_1pct"]
    table = runner.invoke(cli, ["sensitivity", str(EXAMPLE), "--employee", "E011"])
    assert table.exit_code == 0 and "invested_capital" in table.output and "NO" in table.output
    bad = runner.invoke(cli, ["sensitivity", str(EXAMPLE), "--employee", "nobody"])
    assert bad.exit_code == 2 and "no employee 'nobody'" in bad.output
