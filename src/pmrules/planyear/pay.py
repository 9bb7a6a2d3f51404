"""A period's payments: the year-to-date earned bonus, the advance share of it, less what was paid before.

earned = the plan-year bonus on year-to-date actuals, prorated to the days employed so far (the
employees' employment cut at the period's end, paid for the whole year: days elapsed / days in year);
target = advance_share x earned, rounded as the plan rounds (the whole earned at year end);
due = target - (paid - forgiven in the committed runs of earlier periods). A negative due follows the
plan's `negative_true_up`. Plans paid by quarter or by year owe nothing in the periods between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow.compute as pc

from pmrules.catalog import Catalog
from pmrules.catalog.values import KpiValues
from pmrules.errors import InputError
from pmrules.models import Plan, PlanPayout
from pmrules.payout import PayoutRun, Period, compute_payouts, format_decimal, round_to_quantum
from pmrules.payout.records import money_text
from pmrules.payout.rounding import scaled_units, units_to_decimal
from pmrules.planyear.columns import PaymentColumns, note_codes_of
from pmrules.planyear.paid import PaidBefore
from pmrules.planyear.periods import employed_through, find_period
from pmrules.planyear.ytd import period_actuals, periods_through, ytd_actuals
from pmrules.rational import Fraction
from pmrules.workspace import Actuals, Workspace

ZERO = Decimal(0)
DEFAULT_PAYOUT = PlanPayout()
NEGATIVE_POLICIES = ("recover", "forgive", "carry_forward")


@dataclass
class Payment:
    employee_id: str
    plan: str
    status: str  # paid | unpaid
    earned: Decimal | None
    share: Fraction
    target: Decimal | None
    paid_before: Decimal
    forgiven_before: Decimal
    due: Decimal | None
    pay: Decimal
    forgiven: Decimal = ZERO
    carried: Decimal = ZERO
    note: str = ""
    currency: str | None = None  # the pay currency, in a workspace that uses currencies (issue 14)
    row: int = -1  # the employee table row paying it (an effective-dated employee's latest segment)

    @property
    def net_before(self) -> Decimal:
        return self.paid_before - self.forgiven_before


@dataclass
class Retro:
    """An actual of an earlier, already paid period that differs from what its run recorded."""

    period: str
    entity: str
    input: str
    recorded: str | None
    now: str | None
    row: str | None
    run_id: int


@dataclass
class PeriodPayout:
    period: str
    index: int
    final: bool  # the year's last period: the whole earned bonus is due
    run: PayoutRun  # the year-to-date earned bonuses
    payments: list[Payment] | PaymentColumns  # columns where each person is one row (planyear/columns.py)
    basis: dict[str, int]  # earlier period -> its committed run id
    retro: list[Retro] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """What this run pays; with several pay currencies, converted to the workspace currency (rounded once)."""
        if self.run.currency is not None:
            from pmrules.currency.planyear import converted_total

            return converted_total(self)
        if isinstance(self.payments, PaymentColumns):
            return self.payments.total()
        return sum((p.pay for p in self.payments), ZERO)


def pays_in(payout: PlanPayout, index: int, count: int) -> bool:
    if index == count - 1 or payout.frequency == "period":
        return True
    if payout.frequency == "year":
        return False
    return count == 4 or (index + 1) % 3 == 0  # quarter: every quarter, or every third month


def pay_period(ws: Workspace, catalog: Catalog, period_id: str, basis: dict[str, int],
               before: Mapping[str, tuple[Decimal, Decimal]] | PaidBefore, paid_in: dict[str, str] | None = None, *,
               ytd: Actuals | None = None) -> PeriodPayout:
    """`basis`: the committed run of each earlier period; `before`: per employee, (paid, forgiven) in them;
    `paid_in`: per employee, the currency those payments were made in (a workspace with currencies);
    `ytd`: the year-to-date actuals through the period, when the caller has them already."""
    index, period = find_period(ws.manifest, period_id)
    if ws.manifest.pool is not None:
        raise InputError("`pool:` and --period do not combine yet: a pool scales a whole year's bonuses, not a "
                         "period's year-to-date", location=ws.locate("pool"),
                         hint="pay the year without --period, or remove `pool:`")
    count = len(ws.manifest.periods or [])
    final = index == count - 1
    employees = employed_through(ws.employees, period.end)
    run = compute_payouts(ws, catalog, Period.of(ws.manifest), employees,
                          actuals=ytd_actuals(ws, catalog, period_id) if ytd is None else ytd)
    home_rounding: tuple[Decimal, str] = (Decimal(ws.manifest.rounding.quantum), ws.manifest.rounding.mode)
    plans = ws.organisation.plans
    shares = {plan_id: Fraction(1) if final else Fraction(Decimal(str((plan.payout or DEFAULT_PAYOUT).advance_share)))
              for plan_id, plan in plans.items()}
    columns = _pay_columns(run, plans, shares, before, home_rounding, index, count, final)
    if columns is not None:
        return PeriodPayout(period_id, index, final, run, columns, basis)
    if isinstance(before, PaidBefore):
        before = before.totals()
    targets = _single_row_targets(run, shares, home_rounding)
    result = []
    for employee_id, rows in _people(run):
        i = rows[-1]  # an effective-dated employee is paid by the plan of their latest segment so far
        quantum, mode = home_rounding
        code: str | None = None
        if run.currency is not None:  # true-up per person in the person's pay currency (issue 14)
            from pmrules.currency.planyear import check_same_currency

            code = run.currency.codes[i].as_py()
            check_same_currency(run, i, code, paid_in)
            quantum, mode = run.currency.rounding(code, home_rounding)
        zero = ZERO.quantize(quantum)
        plan: Plan = plans[run.table.plans[i].as_py()]
        rules = plan.payout or DEFAULT_PAYOUT
        paid_before, forgiven_before = before.get(employee_id, (zero, zero))
        earned = run.bonus_at(i) if len(rows) == 1 else _earned(run, rows)
        share = shares[plan.id]
        if earned is None:
            result.append(Payment(employee_id, plan.id, "unpaid", None, share, None, paid_before, forgiven_before,
                                  None, zero, zero, zero, note="; ".join(run.groups[int(run.group_of[i])].reasons),
                                  currency=code, row=i))
            continue
        payment = Payment(employee_id, plan.id, "paid", earned, share, None, paid_before, forgiven_before, None,
                          zero, zero, zero, currency=code, row=i)
        if not pays_in(rules, index, count):
            payment.note = f"plan {plan.id} pays {'at year end' if rules.frequency == 'year' else 'by quarter'}: " \
                           "nothing is due this period"
            result.append(payment)
            continue
        payment.target = (units_to_decimal(targets[i], quantum) if targets is not None and len(rows) == 1
                          else round_to_quantum(share * Fraction(earned), quantum, mode))
        payment.due = payment.target - payment.net_before
        _settle(payment, rules, final)
        result.append(payment)
    return PeriodPayout(period_id, index, final, run, result, basis)


def _pay_columns(run: PayoutRun, plans: Mapping[str, Plan], shares: dict[str, Fraction],
                 before: Mapping[str, tuple[Decimal, Decimal]] | PaidBefore, rounding: tuple[Decimal, str], index: int,
                 count: int, final: bool) -> PaymentColumns | None:
    """The period's payments as columns (planyear/columns.py), or None where they need Payment objects:
    effective-dated employees, several currencies, a run rounded otherwise than the workspace, or earlier
    payments recorded with other decimal places."""
    table = run.table
    quantum, mode = rounding
    if run.currency is not None or not len(table) or table.distinct_ids() != len(table) or run.quantum != quantum:
        return None
    if isinstance(before, PaidBefore):
        found = before.units(table.ids, quantum)
    else:
        found = (np.zeros(len(table), np.int64), np.zeros(len(table), np.int64)) if not before else None
    if found is None:
        return None
    paid_before, forgiven_before = found
    encoded = pc.dictionary_encode(table.plans)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    plan_ids = encoded.dictionary.to_pylist()
    n = len(table)
    has_target = np.zeros(n, dtype=bool)
    target = np.zeros(n, dtype=np.int64)
    pay, forgiven, carried = (np.zeros(n, dtype=np.int64) for _ in range(3))
    note_codes = np.zeros(n, dtype=np.int32)
    note_texts = [""]
    earned = np.where(run.paid_mask, run.units, 0).astype(np.int64)
    policy = np.zeros(n, dtype=np.int8)  # per row, its plan's negative_true_up (an index of NEGATIVE_POLICIES)
    for code, plan_id in enumerate(plan_ids):
        rows = (codes == code) & run.paid_mask
        rules = plans[plan_id].payout or DEFAULT_PAYOUT
        if not pays_in(rules, index, count):
            note = f"plan {plan_id} pays {'at year end' if rules.frequency == 'year' else 'by quarter'}: " \
                   "nothing is due this period"
            note_codes[rows] = len(note_texts)
            note_texts.append(note)
            continue
        scaled = scaled_units(earned[rows], shares[plan_id], mode)
        if scaled is None:
            return None
        has_target[rows] = True
        target[rows] = scaled
        policy[rows] = NEGATIVE_POLICIES.index(rules.negative_true_up)
    due = np.where(has_target, target - (paid_before - forgiven_before), 0)
    pay[has_target] = due[has_target]
    negative = np.flatnonzero(has_target & (due < 0))
    if len(negative):
        owed_text = money_text(-due[negative], quantum).to_pylist()
        policies = policy[negative]
        forgive, carry = negative[policies == 1], negative[policies == 2]
        pay[forgive], forgiven[forgive] = 0, -due[forgive]
        pay[carry], carried[carry] = 0, -due[carry]
        carried_note = " past year end (not recovered)" if final else " (netted against later payments)"
        notes = [f"negative true-up: {owed} recovered" if k == 0 else f"negative true-up: {owed} forgiven" if k == 1
                 else f"negative true-up: {owed} carried forward{carried_note}"
                 for owed, k in zip(owed_text, policies.tolist(), strict=True)]
        note_codes_of(note_texts, negative.tolist(), notes, note_codes)
    unpaid = np.flatnonzero(~run.paid_mask)
    if len(unpaid):
        reasons = {g: "; ".join(run.groups[g].reasons) for g in np.unique(run.group_of[unpaid]).tolist()}
        note_codes_of(note_texts, unpaid.tolist(), [reasons[g] for g in run.group_of[unpaid].tolist()], note_codes)
    return PaymentColumns(table.ids, table.plans, codes, [shares[p] for p in plan_ids], run.paid_mask.copy(),
                          has_target, earned, target, paid_before, forgiven_before, due, pay, forgiven, carried,
                          note_codes, note_texts, quantum)


def _single_row_targets(run: PayoutRun, shares: dict[str, Fraction], rounding: tuple[Decimal, str]) -> np.ndarray | None:
    """Each row's target (share x earned) in whole quanta of the workspace rounding, rounded once, in NumPy.

    For a person on one row in a run without currencies; None when it cannot be done in int64 (then each
    target is rounded exactly, one by one, as for segments and currencies).
    """
    if run.currency is not None or not len(run.table):
        return None
    quantum, mode = rounding
    plan_codes = pc.dictionary_encode(run.table.plans)
    codes = plan_codes.indices.to_numpy(zero_copy_only=False)
    targets = np.zeros(len(run.table), dtype=np.int64)
    for code, plan_id in enumerate(plan_codes.dictionary.to_pylist()):
        rows = codes == code
        ratio = shares[plan_id] * Fraction(run.quantum) / Fraction(quantum)
        scaled = scaled_units(run.units[rows], ratio, mode)
        if scaled is None:
            return None
        targets[rows] = scaled
    return targets


def _people(run: PayoutRun) -> list[tuple[str, list[int]]]:
    """Each employee_id once, in file order, with its rows; segments that have not started by the cut come last."""
    if run.table.distinct_ids() == len(run.table):  # one row each (no effective-dated employees)
        return [(employee_id, [i]) for i, employee_id in enumerate(run.table.id_list())]
    rows: dict[str, list[int]] = {}
    for i, employee_id in enumerate(run.table.id_list()):
        rows.setdefault(employee_id, []).append(i)
    out = []
    for employee_id, found in rows.items():
        if len(found) > 1:
            started = sorted((i for i in found if run.days[i] > 0), key=lambda i: int(run.table.start[i]))
            found = [*(i for i in found if i not in started), *started]
        out.append((employee_id, found))
    return out


def _earned(run: PayoutRun, rows: list[int]) -> Decimal | None:
    """A person's bonus: the sum of their segments' shares of it (payout/persons.py rounds the person once)."""
    amounts = [b for i in rows if (b := run.bonus_at(i)) is not None]
    return sum(amounts, ZERO.quantize(run.quantum)) if amounts else None


def _settle(payment: Payment, rules: PlanPayout, final: bool) -> None:
    due = payment.due
    assert due is not None
    if due >= 0:
        payment.pay = due
        return
    owed = -due
    payment.pay = payment.pay.quantize(owed)
    if rules.negative_true_up == "recover":
        payment.pay = due
        payment.note = f"negative true-up: {owed} recovered"
    elif rules.negative_true_up == "forgive":
        payment.forgiven = owed
        payment.note = f"negative true-up: {owed} forgiven"
    else:
        payment.carried = owed
        payment.note = (f"negative true-up: {owed} carried forward" + (" past year end (not recovered)" if final
                                                                       else " (netted against later payments)"))


def actuals_record(ws: Workspace, period_id: str) -> dict[str, list[list[str]]]:
    """Every actual of the periods through `period_id`, with its row: what the run was computed from."""
    record: dict[str, list[list[str]]] = {}
    for pid in periods_through(ws, period_id):
        actuals = period_actuals(ws, pid)
        record[pid] = [[entity, name, str(value), str(actuals.where[(entity, name)])]
                       for entity, row in sorted(actuals.values.items()) for name, value in sorted(row.items())]
    return record


def find_retro(ws: Workspace, period_id: str, recorded: dict[str, list[list[str]]], run_id: int) -> list[Retro]:
    """Actuals of earlier periods that changed since `recorded` (the latest committed run's record)."""
    changes = []
    for pid in periods_through(ws, period_id)[:-1]:
        if pid not in recorded:
            continue
        was = {(e, n): (v, w) for e, n, v, w in recorded[pid]}
        actuals: Actuals = period_actuals(ws, pid)
        now = {(e, n): (str(v), str(actuals.where[(e, n)])) for e, row in actuals.values.items() for n, v in row.items()}
        differ = [key for key in was.keys() | now.keys() if _restated(was.get(key), now.get(key))]
        for key in sorted(differ):
            old, new = was.get(key), now.get(key)
            changes.append(Retro(pid, key[0], key[1], old and old[0], new and new[0],
                                 (new or old or (None, None))[1], run_id))
    return changes


def _restated(old: tuple[str, str] | None, new: tuple[str, str] | None) -> bool:
    """An actual added, removed or of another value (the same text is the same value: no Decimal needed)."""
    return old is None or new is None or (old[0] != new[0] and Decimal(old[0]) != Decimal(new[0]))


def kpi_record(run: PayoutRun, period_values: KpiValues) -> dict[str, dict[str, dict[str, Any]]]:
    """Per scorecard owner and KPI: the period's value, the year-to-date value and each plan's line factor."""
    record: dict[str, dict[str, dict[str, Any]]] = {}
    for (owner, plan), scored in sorted(run.scores.items()):
        for line in scored.lines:
            ytd, value = run.values.get(owner, line.kpi), period_values.get(owner, line.kpi)
            entry = record.setdefault(owner, {}).setdefault(line.kpi, {
                "period": None if value is None else format_decimal(value),
                "ytd": None if ytd is None else format_decimal(ytd), "factors": {}})
            entry["factors"][plan] = None if line.factor is None else format_decimal(line.factor)
    return record
