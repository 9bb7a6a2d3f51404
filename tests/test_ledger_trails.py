"""The ledger's compact trail (schema version 3): a multiplier group's shared trail stored once per run, each
payment keeping its own part; a version 1 ledger migrates in place and both layouts read the same in
`diff`, `history` and `--explain`. Amounts are the golden plan year's (tests/workspaces/plan-year/EXPECTED.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, select

from pmrules.cli import cli
from pmrules.ledger import open_ledger
from pmrules.ledger import store as ledger_store
from pmrules.ledger.schema import SCHEMA_VERSION, ledger_meta, payments, trail_groups
from tests.ledger_support import PLAN_YEAR, copy_plan_year, ledger_url, restate_q1

KINDS = ["sqlite", "postgresql"]


def pmrules(*args: str, url: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--ledger", url], env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_plan_year(tmp_path)



def stored(url: str) -> tuple[int, dict[int, list[dict[str, object]]], int | None]:
    """Schema version, each run's stored (not expanded) trails, and the number of trail_groups rows."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(select(ledger_meta.c.schema_version)).scalar_one()
            trails: dict[int, list[dict[str, object]]] = {}
            for run_id, trail in connection.execute(select(payments.c.run_id, payments.c.trail)):
                trails.setdefault(run_id, []).append(json.loads(trail))
            groups = (connection.execute(select(trail_groups.c.run_id)).all()
                      if inspect(connection).has_table("trail_groups") else None)
    finally:
        engine.dispose()
    return int(version), trails, None if groups is None else len(groups)


@pytest.mark.parametrize("kind", KINDS)
def test_a_group_shares_its_trail_and_the_ledger_expands_it(kind: str, workspace: Path, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    pmrules("payout", str(workspace), "--period", "Q1", "--commit", url=url)
    version, trails, groups = stored(url)
    assert version == SCHEMA_VERSION and groups == 4  # plans carry (A1 and J1: one group), forgive, recover, annual
    assert all("group" in t and "scores" not in t and "multiplier" not in t for t in trails[1])
    ledger = open_ledger(tmp_path, url)
    try:
        whole = {e: json.loads(p["trail"]) for e, p in ledger.run("plan-year", 1)["payments"].items()}
    finally:
        ledger.close()
    # Q1 with won 36: conversion 0.36, factor 1.6 (EXPECTED.md, "diff"); J1 joins on 2026-07-01: 0 days.
    assert whole["A1"]["multiplier"] == "8/5" and whole["A1"]["scores"] == {"corporate": "8/5"}
    assert (whole["A1"]["start_date"], whole["J1"]["start_date"], whole["J1"]["days"]) == ("", "2026-07-01", 0)
    assert whole["A1"]["note"] == "" and whole["Y1"]["note"].startswith("plan annual pays at year end")
    assert set(whole["A1"]) == {"plan", "center", "base_salary", "target_bonus_pct", "start_date", "days", "year_days",
                                "scores", "multiplier", "share", "target", "paid_before", "forgiven_before", "note",
                                "reasons"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_version_2_ledger_migrates_and_both_layouts_read_the_same(kind: str, workspace: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = ledger_url(kind, tmp_path)
    ws = str(workspace)
    with monkeypatch.context() as pinned:  # the ledger as pmrules wrote it before trail_groups (version 2)
        pinned.setattr(ledger_store, "SCHEMA_VERSION", 2)
        pmrules("payout", ws, "--period", "Q1", "--commit", "--by", "ana", url=url)
        version, trails, groups = stored(url)
        assert (version, groups) == (2, None) and all("scores" in t and "group" not in t for t in trails[1])
    # Run 1 (version 1 layout) read for --explain by the current pmrules, which migrates the ledger first.
    explained = pmrules("payout", ws, "--period", "Q2", "--explain", "A1", url=url).output
    assert "paid for Q1 (run 1): 2958.91 (earned year to date 3945.21, multiplier 1.6)" in explained
    assert stored(url)[0] == SCHEMA_VERSION

    restate_q1(workspace, "40")
    pmrules("payout", ws, "--period", "Q1", "--commit", "--by", "ana", url=url)  # run 2: version 3 layout
    version, trails, groups = stored(url)
    assert version == SCHEMA_VERSION and groups == 4 and all("group" in t for t in trails[2]) and all("scores" in t for t in trails[1])

    text = pmrules("diff", ws, "1", "2", url=url).output  # one run of each layout: as between two alike
    assert "A1: paid 2958.91 -> 3698.63, earned 3945.21 -> 4931.51" in text
    assert "  corporate score: 1.6 -> 2\n  multiplier: 1.6 -> 2\n" in text
    assert "row " not in text  # the employees' rows read the same from both layouts
    history = json.loads(pmrules("history", ws, "J1", "--format", "json", url=url).stdout)["runs"]
    assert [(r["run"], r["status"], r["paid"]) for r in history] == [(1, "superseded", "0.00"), (2, "committed", "0.00")]
    explained = pmrules("payout", ws, "--period", "Q2", "--explain", "A1", url=url).output
    assert "paid for Q1 (run 2): 3698.63 (earned year to date 4931.51, multiplier 2)" in explained


def test_the_split_trail_expands_to_the_whole_version_1_trail() -> None:
    from pmrules.api import open_workspace
    from pmrules.ledger.trails import expand
    from pmrules.planyear.pay import pay_period
    from pmrules.planyear.record import payment_row, payment_rows
    from pmrules.plugins import get_plugin_manager

    opened = open_workspace(PLAN_YEAR, get_plugin_manager(entry_points=False))
    for period in ("Q1", "Q3", "Q4"):
        result = pay_period(opened.workspace, opened.catalog, period, {}, {})
        rows, groups = payment_rows(result)
        assert len(groups) == 4  # carry (A1, J1), forgive, recover, annual
        for i, row in enumerate(rows):
            whole = payment_row(result, i)
            own = json.loads(row["trail"]) if isinstance(row["trail"], str) else row["trail"]
            if isinstance(row["trail"], str):  # made as text (planyear/columns.py): exactly the dict's JSON
                assert row["trail"] == json.dumps(own, sort_keys=True, separators=(",", ":"))
            assert {**row, "trail": expand(own, groups)} == whole, (period, row["employee_id"])
        assert isinstance(rows[0]["trail"], str)  # this workspace's payments are columns


TEXT = st.text(alphabet="abc0123456789.-/ ", max_size=8)


@given(trail=st.fixed_dictionaries({
    "plan": TEXT, "center": TEXT, "base_salary": TEXT, "target_bonus_pct": TEXT, "start_date": TEXT,
    "days": st.integers(0, 366), "year_days": st.sampled_from([365, 366]),
    "scores": st.dictionaries(TEXT, st.none() | TEXT, max_size=3), "multiplier": st.none() | TEXT, "share": TEXT,
    "target": st.none() | TEXT, "paid_before": TEXT, "forgiven_before": TEXT, "note": TEXT,
    "reasons": st.lists(TEXT, max_size=2)}), group=st.integers(0, 10**6))
def test_split_then_expand_gives_the_whole_trail_back(trail: dict[str, object], group: int) -> None:
    from pmrules.ledger.trails import expand, shared, split

    own = split(trail, group)
    assert not set(own) & {"scores", "multiplier", "reasons", "plan", "center", "share", "year_days"}
    assert expand(own, {group: shared(trail)}) == trail
    assert expand(trail, {}) == trail  # a version 1 trail reads as it is
