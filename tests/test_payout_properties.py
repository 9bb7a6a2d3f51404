"""Random small workspaces paid by pmrules and by an independent reference written from WORKSPACE.md.

The reference below re-implements "Semantics of a payout" with Fractions from the spec text alone; it
never calls pmrules.payout. pmrules is only used to write the files (pmrules.testing) and to pay them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.payout.compute import PayoutRun, compute_payouts
from pmrules.payout.period import Period
from pmrules.plugins import get_plugin_manager
from pmrules.testing import minimal_manifest, write_workspace

PERIOD_START = dt.date(2026, 1, 1)
PERIOD_END = dt.date(2026, 12, 31)
CENTRES = ("corp", "u1", "u2")
COMPONENTS = ("corporate", "unit", "individual")
QUANTUM = Fraction(1, 100)

# id: (formula, direction, the formula evaluated by hand on {input: value}, None when it cannot be)
KPIS: dict[str, tuple[str, str, Any]] = {
    "hi": ("a", "higher", lambda v: v["a"]),
    "lo": ("b", "lower", lambda v: v["b"]),
    "hi2": ("hi + a / 2", "higher", lambda v: v["a"] + v["a"] / 2),  # a KPI of a KPI
    "ratio": ("a / b", "higher", lambda v: None if v["b"] == 0 else v["a"] / v["b"]),
}

PROFILE = settings(max_examples=int(os.environ.get("PMRULES_PROPERTY_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class Line:
    kpi: str
    weight: str
    points: tuple[str, str, str]  # threshold, target, maximum as written


@dataclass(frozen=True)
class Person:
    employee_id: str
    center: str
    salary: str
    pct: str
    start: dt.date | None
    end: dt.date | None
    rating: int


@dataclass(frozen=True)
class Scenario:
    mode: str
    curve: tuple[str, str, str]
    components: dict[str, str]
    combine: str
    cap: str | None
    gate_min: str | None
    ratings: dict[int, str]
    cards: dict[str, tuple[Line, ...]]
    actuals: dict[str, dict[str, str]]
    people: tuple[Person, ...]
    pool: str | None = None


def dec(n: int, places: int) -> str:
    """An exact decimal text of n / 10**places."""
    return str(Decimal(n).scaleb(-places))


@st.composite
def lines(draw: st.DrawFn) -> tuple[Line, ...]:
    chosen = draw(st.lists(st.sampled_from(sorted(KPIS)), min_size=1, max_size=3, unique=True))
    out = []
    for kpi in chosen:
        scale = 10 if kpi == "ratio" else 1
        pts = sorted(draw(st.lists(st.integers(0, 5000 // scale), min_size=3, max_size=3, unique=True)))
        if KPIS[kpi][1] == "lower":
            pts.reverse()
        out.append(Line(kpi, dec(draw(st.integers(1, 10)), 1), tuple(dec(p, 1) for p in pts)))  # type: ignore[arg-type]
    return tuple(out)


@st.composite
def scenarios(draw: st.DrawFn, *, gates: bool = True) -> Scenario:
    ct = draw(st.integers(0, 10))
    cg = ct + draw(st.integers(0, 10))
    cm = cg + draw(st.integers(0, 10))
    names = draw(st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=3, unique=True))
    components = {c: dec(draw(st.integers(0, 10)), 1) for c in COMPONENTS if c in names}
    cards = {c: draw(lines()) for c in CENTRES}
    own_card = draw(st.booleans())
    if own_card:
        cards["E1"] = draw(lines())
    breakpoints = sorted({Decimal(p) for ls in cards.values() for line in ls for p in line.points})
    value = st.one_of(st.sampled_from([str(b) for b in breakpoints]), st.integers(0, 5500).map(lambda n: dec(n, 1)))
    entities = [*CENTRES, *(["E1"] if own_card else [])]
    actuals = {e: {"a": draw(value), "b": draw(st.integers(0, 9).flatmap(lambda n: value if n else st.just("0")))} for e in entities}
    people = []
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.none() | st.dates(dt.date(2025, 10, 1), dt.date(2027, 2, 1)))
        end = draw(st.none() | st.dates(start or dt.date(2025, 10, 1), dt.date(2027, 3, 1)))
        people.append(Person(f"E{i + 1}", draw(st.sampled_from(CENTRES)),
                             dec(draw(st.integers(0, 30_000_000)), 2), dec(draw(st.integers(0, 400)), 3),
                             start, end, draw(st.integers(1, 5))))
    return Scenario(
        mode=draw(st.sampled_from(["half_up", "half_even", "down"])),
        curve=(dec(ct, 1), dec(cg, 1), dec(cm, 1)),
        components=components,
        combine=draw(st.sampled_from(["add", "multiply"])),
        cap=draw(st.none() | st.integers(0, 40).map(lambda n: dec(n, 1))),
        gate_min=draw(st.none() | value) if gates else None,
        ratings={k: dec(draw(st.integers(0, 20)), 1) for k in range(1, 6)},
        cards=cards,
        actuals=actuals,
        people=tuple(people),
    )


def number(text: str) -> int | float:
    """How a person writes a number in YAML; pmrules reads a YAML float as the decimal its author wrote."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(text)


def write(s: Scenario, directory: Path) -> Path:
    plan: dict[str, Any] = {
        "id": "p", "components": {c: number(w) for c, w in s.components.items()}, "combine": s.combine,
        "curve": dict(zip(("threshold", "target", "maximum"), map(number, s.curve), strict=True)),
        "individual_ratings": {k: number(v) for k, v in s.ratings.items()},
    }
    if s.cap is not None:
        plan["cap"] = number(s.cap)
    if s.gate_min is not None:
        plan["gates"] = [{"owner": "corp", "kpi": "hi", "min": number(s.gate_min)}]
    manifest = minimal_manifest(
        rounding={"quantum": "0.01", "mode": s.mode},
        rulesets=[],
        strategy={"discipline": "operational_excellence"},
        inputs={"a": {"category": "operations"}, "b": {"category": "operations"}},
        kpis=[{"id": k, "name": k, "formula": f, "direction": d, "perspective": "internal"}
              for k, (f, d, _) in KPIS.items()],
        centers=[{"id": "corp", "name": "Corp", "type": "investment"},
                 {"id": "u1", "name": "U1", "type": "profit", "parent": "corp"},
                 {"id": "u2", "name": "U2", "type": "profit", "parent": "corp"}],
        scorecards=[{"owner": owner, "kpis": [
            {"kpi": ln.kpi, "weight": number(ln.weight),
             **dict(zip(("threshold", "target", "maximum"), map(number, ln.points), strict=True))}
            for ln in ls]} for owner, ls in s.cards.items()],
        plans=[plan],
    )
    if s.pool is not None:
        manifest["pool"] = {"amount": s.pool}
    employees = [{"employee_id": p.employee_id, "name": p.employee_id, "center": p.center, "plan": "p",
                  "base_salary": p.salary, "target_bonus_pct": p.pct,
                  "start_date": p.start.isoformat() if p.start else None,
                  "end_date": p.end.isoformat() if p.end else None, "individual_rating": p.rating}
                 for p in s.people]
    return write_workspace(directory, manifest, employees=employees, actuals=s.actuals)


def pay(s: Scenario, tmp: pytest.TempPathFactory) -> PayoutRun:
    opened = open_workspace(write(s, tmp.mktemp("ws")), get_plugin_manager(entry_points=False))
    return compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest), opened.workspace.employees)


# ---------------------------------------------------------------- the reference, from WORKSPACE.md

F = Fraction


def ref_factor(value: F, points: tuple[F, F, F], curve: tuple[F, F, F], direction: str) -> F:
    """Rule 2: 0 below threshold, linear to target, linear to maximum, flat above; lower is the mirror."""
    t, g, m = points
    if direction == "lower":
        value, t, g, m = -value, -t, -g, -m
    ct, cg, cm = curve
    if value < t:
        return F(0)
    if value <= g:
        return ct + (cg - ct) * (value - t) / (g - t)
    if value <= m:
        return cg + (cm - cg) * (value - g) / (m - g)
    return cm


def ref_kpi(s: Scenario, owner: str, kpi: str) -> F | None:
    raw = s.actuals.get(owner, {})
    if any(name not in raw for name in ("a", "b")):
        return None
    return KPIS[kpi][2]({name: F(v) for name, v in raw.items()})


def ref_score(s: Scenario, owner: str) -> F | None:
    """Rule 3: sum of weight x line factor; a line that cannot be evaluated leaves no score."""
    curve = tuple(F(c) for c in s.curve)
    total = F(0)
    for line in s.cards[owner]:
        value = ref_kpi(s, owner, line.kpi)
        if value is None:
            return None
        total += F(line.weight) * ref_factor(value, tuple(F(p) for p in line.points), curve,  # type: ignore[arg-type]
                                             KPIS[line.kpi][1])
    return total


def ref_round(amount: F, mode: str) -> Decimal:
    units = amount / QUANTUM
    whole = math.floor(units)
    rest = units - whole
    if mode == "half_up":
        whole += rest >= F(1, 2)
    elif mode == "half_even":
        whole += rest > F(1, 2) or (rest == F(1, 2) and whole % 2 == 1)
    return Decimal(whole).scaleb(-2)


def ref_days(p: Person) -> int:
    first = max(p.start or PERIOD_START, PERIOD_START)
    last = min(p.end or PERIOD_END, PERIOD_END)
    return max(0, (last - first).days + 1)


def ref_payout(s: Scenario) -> dict[str, tuple[F, F] | None]:
    """employee_id -> (multiplier, exact bonus), or None when unpaid (rule 8)."""
    out: dict[str, tuple[F, F] | None] = {}
    for p in s.people:
        scores: dict[str, F | None] = {}
        for c in s.components:
            if c == "corporate":
                scores[c] = ref_score(s, "corp")
            elif c == "unit":
                scores[c] = ref_score(s, p.center)
            else:
                scores[c] = ref_score(s, p.employee_id) if p.employee_id in s.cards else F(s.ratings[p.rating])
        if any(v is None for v in scores.values()):
            out[p.employee_id] = None
            continue
        if s.combine == "multiply":
            combined = F(1)
            for v in scores.values():
                combined *= v  # type: ignore[operator]
        else:
            combined = sum((F(s.components[c]) * v for c, v in scores.items()), F(0))  # type: ignore[misc]
        if s.gate_min is not None and ref_kpi(s, "corp", "hi") < F(s.gate_min):  # type: ignore[operator]
            combined = F(0)
        if s.cap is not None:
            combined = min(combined, F(s.cap))
        proration = F(ref_days(p), (PERIOD_END - PERIOD_START).days + 1)
        out[p.employee_id] = (combined, F(p.salary) * F(p.pct) * proration * combined)
    return out


def ref_pool(exact: dict[str, F], amount: str) -> dict[str, Decimal]:
    """Pool: pool x exact / sum, floored to the cent; leftover cents to the largest remainders, ties by id."""
    basis = sum(exact.values(), F(0))
    shares = {e: F(amount) * b / basis / QUANTUM for e, b in exact.items()}
    cents = {e: math.floor(v) for e, v in shares.items()}
    leftover = int(F(amount) / QUANTUM) - sum(cents.values())
    for e in sorted(shares, key=lambda e: (-(shares[e] - cents[e]), e))[:leftover]:
        cents[e] += 1
    return {e: Decimal(c).scaleb(-2) for e, c in cents.items()}


# ---------------------------------------------------------------- properties

@PROFILE
@given(s=scenarios())
def test_every_bonus_matches_the_reference(s: Scenario, tmp_path_factory: pytest.TempPathFactory) -> None:
    run = pay(s, tmp_path_factory)
    expected = ref_payout(s)
    for p in run.employees:
        want = expected[p.employee.employee_id]
        if want is None:
            assert p.status == "unpaid" and p.bonus is None and p.reasons
            continue
        multiplier, exact = want
        assert p.status == "paid", p.reasons
        assert p.multiplier == multiplier
        assert p.bonus == ref_round(exact, s.mode), (p.employee.employee_id, exact)
        assert p.days == ref_days(next(x for x in s.people if x.employee_id == p.employee.employee_id))
        if s.cap is not None:
            assert p.multiplier <= Fraction(s.cap)
    assert run.total == sum((p.bonus for p in run.paid), Decimal(0))  # type: ignore[misc]
    assert run.total == sum((ref_round(w[1], s.mode) for w in expected.values() if w), Decimal(0))


@PROFILE
@given(s=scenarios(), bump=st.integers(1, 3000).map(lambda n: Decimal(n).scaleb(-1)),
       who=st.sampled_from([None, *CENTRES]))
def test_raising_a_higher_is_better_value_never_lowers_a_bonus(s: Scenario, bump: Decimal, who: str | None,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    raised = {e: {**v, "a": str(Decimal(v["a"]) + bump) if who in (None, e) else v["a"]}
              for e, v in s.actuals.items()}
    before = pay(s, tmp_path_factory)
    after = pay(replace(s, actuals=raised), tmp_path_factory)
    for p, q in zip(before.employees, after.employees, strict=True):
        if p.status == q.status == "paid":
            assert q.bonus >= p.bonus, (p.employee.employee_id, p.bonus, q.bonus)  # type: ignore[operator]


@PROFILE
@given(s=scenarios(), pool=st.integers(0, 5_000_000).map(lambda n: dec(n, 2)))
def test_a_pool_is_paid_exactly_by_largest_remainder(s: Scenario, pool: str,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    exact = {e: w[1] for e, w in ref_payout(s).items() if w is not None}
    assume(sum(exact.values(), F(0)) > 0)
    run = pay(replace(s, pool=pool), tmp_path_factory)
    assert run.total == Decimal(pool)
    assert sum((p.bonus for p in run.paid), Decimal(0)) == Decimal(pool)  # type: ignore[misc]
    assert all(p.bonus is not None and p.bonus >= 0 for p in run.paid)
    assert {p.employee.employee_id: p.bonus for p in run.paid} == ref_pool(exact, pool)


def test_reference_agrees_with_the_worked_example_line_factors() -> None:
    """The reference itself, checked against WORKED.md's hand figures (0.26 -> 1.2, 3,600 -> 1.4)."""
    curve = (F(1, 2), F(1), F(2))
    assert ref_factor(F("0.26"), (F("0.20"), F("0.25"), F("0.30")), curve, "higher") == F("1.2")
    assert ref_factor(F(3600), (F(5000), F(4000), F(3000)), curve, "lower") == F("1.4")
    assert ref_round(F("4869.6986"), "half_up") == Decimal("4869.70")


def test_one_character_numbers_leave_the_shared_nul_byte_alone() -> None:
    """quicktions writes a one-character string's digit into CPython's cached b"\\x00"; pmrules' Fraction must not."""
    from pmrules.rational import Fraction

    for digit in "0123456789":
        assert Fraction(digit) == int(digit)
        assert bytes([0]) == b"\x00" and bytes([0])[0] == 0, digit
    assert isinstance(Fraction(1, 3) + 1, Fraction)
