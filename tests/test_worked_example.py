"""The spec's worked example pays exactly what WORKED.md computes by hand (read from the shared folder)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.payout.compute import compute_payouts
from pmrules.payout.period import Period

WORKED = Path(__file__).resolve().parents[2] / "shared" / "spec" / "worked-example"

pytestmark = pytest.mark.skipif(not (WORKED / "WORKED.md").is_file(), reason="../shared/spec is not beside the repo")


def expected_bonuses() -> tuple[dict[str, Decimal], Decimal]:
    text = (WORKED / "WORKED.md").read_text()
    bonuses = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*(E\d+)\s*\|.*\*\*([\d,]+\.\d\d)\*\*\s*\|\s*$", line)
        if match:
            bonuses[match.group(1)] = Decimal(match.group(2).replace(",", ""))
    total = Decimal(re.search(r"Total \*\*([\d,]+\.\d\d)\*\*", text).group(1).replace(",", ""))  # type: ignore[union-attr]
    return bonuses, total


def test_worked_example_pays_as_worked_by_hand():
    bonuses, total = expected_bonuses()
    assert len(bonuses) == 3
    opened = open_workspace(WORKED)
    run = compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest), opened.workspace.employees)
    assert {p.employee.employee_id: p.bonus for p in run.employees} == bonuses
    assert run.total == total
    assert not run.unpaid
