"""Run prepared scenarios: pay (and audit) the changed workspace in memory, compare with what was expected."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmrules.audit import AuditResult, run_audit
from pmrules.catalog import Catalog
from pmrules.payout import PayoutRun, Period, compute_payouts, explain, format_decimal, fraction_text
from pmrules.rational import Fraction
from pmrules.rules import RuleSet
from pmrules.scenarios.models import FindingExpectation
from pmrules.scenarios.prepare import UNPAID, Expectation, Prepared
from pmrules.workspace import Workspace


@dataclass(frozen=True)
class Check:
    expectation: Expectation
    passed: bool
    actual: str
    note: str | None = None  # why, when the plain value does not say it (reasons for unpaid, the plan of a line)


@dataclass
class ScenarioResult:
    scenario: Prepared
    checks: list[Check]
    seconds: float
    workspace: Workspace
    run: PayoutRun
    audit: AuditResult | None = None
    trails: dict[str, dict[str, Any]] = field(default_factory=dict)  # employee id -> explain trail, for failures

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def run_scenario(ws: Workspace, catalog: Catalog, scenario: Prepared, period: Period,
                 rulesets: list[RuleSet] | None = None) -> ScenarioResult:
    """The scenario's workspace is the loaded one with its employees and actuals replaced: nothing is copied on disk."""
    started = time.perf_counter()
    changed = dataclasses.replace(ws, employees=scenario.table, actuals=scenario.actuals)
    run = compute_payouts(changed, catalog, period, scenario.table, actuals=scenario.actuals)
    audit = run_audit(changed, catalog, rulesets) if scenario.audits else None
    checks = [_check(e, changed, run, audit, scenario.tolerance) for e in scenario.expectations]
    result = ScenarioResult(scenario, checks, 0.0, changed, run, audit)
    for check in result.failures:
        who = check.expectation.employee
        if who is not None and who not in result.trails:
            result.trails[who] = explain(changed, catalog, run, who)
    result.seconds = time.perf_counter() - started
    return result


def _money(value: Decimal | None) -> str:
    return UNPAID if value is None else str(value)


def factor_text(value: Fraction | None) -> str:
    """A factor as a decimal, with its exact fraction when the decimal is not exact."""
    if value is None:
        return "none"
    decimal = format_decimal(value, 12)
    return decimal if Fraction(Decimal(decimal)) == value else f"{decimal}... (exactly {fraction_text(value)})"


def _close(actual: Fraction, expected: Fraction, tolerance: Fraction | None) -> bool:
    return actual == expected if tolerance is None else abs(actual - expected) <= tolerance


def _check(e: Expectation, ws: Workspace, run: PayoutRun, audit: AuditResult | None,
           tolerance: Fraction | None) -> Check:
    if e.kind == "total":
        return Check(e, run.total == e.expected, str(run.total))
    if e.kind in ("bonus", "multiplier"):
        rows = run.rows_of(e.subject)
        assert rows  # checked when the scenario was prepared
        i = rows[-1]  # an effective-dated employee: the latest segment's multiplier, the person's bonus
        paid = any(bool(run.paid_mask[r]) for r in rows)
        reasons = None if paid else "; ".join(run.groups[int(run.group_of[i])].reasons)
        if e.kind == "bonus":
            bonus = run.person_bonus(e.subject)
            passed = not paid if e.expected == UNPAID else paid and bonus == e.expected
            return Check(e, passed, _money(bonus), reasons)
        multiplier = run.groups[int(run.group_of[i])].multiplier
        passed = multiplier is not None and _close(multiplier, e.expected, tolerance)  # type: ignore[arg-type]
        return Check(e, passed, factor_text(multiplier), reasons)
    if e.kind == "line_factor":
        return _line_check(e, run, tolerance)
    return _finding_check(e, audit)


def _line_check(e: Expectation, run: PayoutRun, tolerance: Fraction | None) -> Check:
    """A line's factor depends on the plan's curve: every plan that pays from the scorecard must agree."""
    owner, kpi = e.subject.split(" / ", 1)
    seen: list[tuple[str, Fraction | None, str | None]] = []
    for (scored_owner, plan), result in sorted(run.scores.items()):
        if scored_owner != owner:
            continue
        for line in result.lines:
            if line.kpi == kpi:
                seen.append((plan, line.factor, line.problem))
    if not seen:
        return Check(e, False, "not scored", f"no plan in this scenario pays from the scorecard of '{owner}'")
    wrong = [(plan, factor, problem) for plan, factor, problem in seen
             if factor is None or not _close(factor, e.expected, tolerance)]  # type: ignore[arg-type]
    plan, factor, problem = (wrong or seen)[0]
    note = f"plan {plan}" + (f": {problem}" if problem else "") if len(seen) > 1 or problem else None
    return Check(e, not wrong, factor_text(factor), note)


def _finding_check(e: Expectation, audit: AuditResult | None) -> Check:
    want: FindingExpectation = e.expected  # type: ignore[assignment]
    assert audit is not None
    found = [f for f in audit.findings if f.rule == want.rule
             and (want.severity is None or f.severity == want.severity)
             and (want.subject is None or f.subject == want.subject)]
    actual = "; ".join(f"{f.severity} {f.subject}: {f.message}" for f in found[:3]) or "no finding"
    if len(found) > 3:
        actual += f"; ... {len(found) - 3} more"
    return Check(e, bool(found) == want.present, actual)


def expected_text(e: Expectation) -> str:
    if e.kind == "finding":
        want: FindingExpectation = e.expected  # type: ignore[assignment]
        parts = [want.severity or "", want.subject or ""]
        detail = " ".join(p for p in parts if p)
        return ("present" if want.present else "absent") + (f" ({detail})" if detail else "")
    return e.written
