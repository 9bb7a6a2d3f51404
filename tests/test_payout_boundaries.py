"""Bonuses whose exact value sits on a rounding boundary while its float product does not.

salary 10025.00 x 10% x 1.414 is exactly 1417.535, but in floats it is 1417.5349999...: without the
exact re-check near boundaries, half_up pays 1417.53 instead of 1417.54. Such cases are rare and
depend on the float rounding of each product, so they are *found by search* (`boundary_cases`), for
every rounding mode and for products that fall below and above the boundary, then paid through the
public entry (`open_workspace` + `compute_payouts`) and compared with an independent Fraction
reference. Every case is one the float path alone gets wrong, so switching the re-check off fails.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.payout import Period, compute_payouts
from pmrules.plugins import get_plugin_manager
from pmrules.testing import minimal_manifest, write_workspace

QUANTUM = Fraction(1, 100)
FACTORS = ("1.414", "0.7", "1.15", "0.35")  # rating factors: the exact multiplier of every case
PCTS = ("0.10", "0.15", "0.07", "0.3")


def reference_round(amount: Fraction, mode: str) -> Decimal:
    """WORKSPACE.md rounding of an exact amount to cents, written independently of pmrules."""
    units = amount / QUANTUM
    whole = math.floor(units)
    rest = units - whole
    if mode == "half_up":
        whole += rest >= Fraction(1, 2)
    elif mode == "half_even":
        whole += rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1)
    return Decimal(whole) / 100


def float_products(salary: str, pct: str, factor: str) -> set[float]:
    """The product in quanta as float code may form it (the order of the factors changes the last bit)."""
    s, p, f, q = float(salary), float(pct), float(factor), float(QUANTUM)
    return {s * p * 1.0 * f / q, s * p * f / q, (s * p) * (1.0 * f) / q, s * (p * f) / q, s * p * f * 100}


def float_is_wrong(units: Fraction, floats: set[float], mode: str) -> bool:
    """Whether rounding some float product the naive way gives another whole number than the exact units."""
    want = int(reference_round(units * QUANTUM, mode) * 100)
    for x in floats:
        naive = math.floor(x) if mode == "down" else (round(x) if mode == "half_even" else math.floor(x + 0.5))
        if naive != want:
            return True
    return False


def boundary_cases(mode: str, wanted: int = 12) -> list[tuple[str, str, str]]:
    """(salary, pct, factor) whose exact bonus lies on a boundary of `mode` and whose float misses it.

    Boundaries are halves of a quantum for half_up/half_even and whole quanta for down. Searches
    salaries upward from 10000.00 in cents, for several percentages and factors, until `wanted` are
    found, both below and above the boundary where the mode can go wrong on that side.
    """
    found: list[tuple[str, str, str]] = []
    for factor in FACTORS:
        for pct in PCTS:
            for cents in range(1_000_000, 1_200_000):
                salary = f"{cents // 100}.{cents % 100:02d}"
                units = Fraction(salary) * Fraction(pct) * Fraction(factor) / QUANTUM
                rest = units - math.floor(units)
                on_boundary = rest == 0 if mode == "down" else rest == Fraction(1, 2)
                if on_boundary and float_is_wrong(units, float_products(salary, pct, factor), mode):
                    found.append((salary, pct, factor))
                    if len(found) % (wanted // len(FACTORS) or 1) == 0:
                        break
            if len(found) >= wanted * (FACTORS.index(factor) + 1) // len(FACTORS):
                break
    assert len(found) >= wanted // 2, f"the search found only {len(found)} boundary cases for {mode}"
    return found


def test_the_search_finds_the_reported_case() -> None:
    """10025.00 x 10% x 1.414 = 1417.535 exactly; its float is just below the half cent."""
    floats = float_products("10025.00", "0.10", "1.414")
    assert float_is_wrong(Fraction("10025.00") * Fraction("0.10") * Fraction("1.414") * 100, floats, "half_up")


@pytest.mark.parametrize("mode", ["half_up", "half_even", "down"])
def test_boundary_bonuses_are_rounded_exactly(mode: str, tmp_path: Path) -> None:
    cases = boundary_cases(mode)
    if mode == "half_up":
        cases.append(("10025.00", "0.10", "1.414"))
    factors = sorted({factor for _, _, factor in cases})
    ratings = {i + 1: float(factor) for i, factor in enumerate(factors)}
    manifest = minimal_manifest(
        rounding={"quantum": "0.01", "mode": mode}, rulesets=[],
        plans=[{"id": "staff", "components": {"individual": 1.0},
                "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}, "individual_ratings": ratings}],
    )
    employees = [{"employee_id": f"E{i}", "name": f"E{i}", "center": "corp", "plan": "staff", "base_salary": salary,
                  "target_bonus_pct": pct, "individual_rating": factors.index(factor) + 1}
                 for i, (salary, pct, factor) in enumerate(cases, start=1)]
    ws = write_workspace(tmp_path / "ws", manifest, employees=employees)
    opened = open_workspace(ws, get_plugin_manager(entry_points=False))
    ws_ = opened.workspace
    run = compute_payouts(ws_, opened.catalog, Period.of(ws_.manifest), ws_.employees)
    by_id = {p.employee.employee_id: p.bonus for p in run.employees}
    for i, (salary, pct, factor) in enumerate(cases, start=1):
        exact = Fraction(salary) * Fraction(pct) * Fraction(factor)
        assert by_id[f"E{i}"] == reference_round(exact, mode), (mode, salary, pct, factor, float(exact))
