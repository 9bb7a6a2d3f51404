"""Reading fx.csv and checking it against the employees and the plans, when the workspace loads.

Errors (exit 2, nothing paid): a pay currency without a rate (at the employee's line, naming fx.csv),
`currencies:` for the workspace currency itself, a plan's own `rounding` meeting a currency's own
quantum on one employee. Warnings (never dropped): a rate or a `currencies:` entry nobody is paid in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pmrules.currency.rates import CONVENTION, FxRates, read_fx
from pmrules.errors import InputError, Location, PmrulesError, raise_all
from pmrules.io.tables import read_table
from pmrules.models import Manifest
from pmrules.workspace.employees import EmployeeTable


def uses_currencies(manifest: Manifest, employees: EmployeeTable) -> bool:
    """A `currency` column, `data.fx` or `currencies:`: only then do outputs grow currency columns."""
    return employees.currency_text is not None or manifest.data.fx is not None or bool(manifest.currencies)


def pay_codes(employees: EmployeeTable, workspace_currency: str) -> pa.Array:
    """Each row's pay currency, the workspace's where the cell is empty or there is no column."""
    if employees.currency_text is None:
        return pa.array([workspace_currency] * len(employees), pa.string())
    return pc.if_else(pc.equal(employees.currency_text, ""), workspace_currency, employees.currency_text)


def load_fx(root: Path, manifest: Manifest, employees: EmployeeTable,
            locate: Callable[..., Location], data_path: Callable[[str], Path]) -> FxRates | None:
    """The workspace's rates, checked; None for a workspace that does not use currencies (version 1)."""
    if not uses_currencies(manifest, employees):
        return None
    home = manifest.currency
    if manifest.data.fx is not None:
        path = data_path(manifest.data.fx)
        fx = read_fx(read_table(path, str(path)), home)
    else:
        fx = FxRates("", home)
    errors: list[PmrulesError] = []
    codes = pay_codes(employees, home)
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for i, code in enumerate(codes.to_pylist()):
        first.setdefault(code, i)
        counts[code] = counts.get(code, 0) + 1
    for code, i in first.items():
        if code == home or code in fx.rates:
            continue
        more = counts[code] - 1
        employee = employees.ids[i].as_py()
        where = f"in {fx.file}" if fx.file else "(pmrules.yaml names no data.fx)"
        errors.append(InputError(
            f"{employee} is paid in {code}, which has no exchange rate {where}"
            + (f"; {more} more row(s) are paid in {code}" if more else ""),
            location=employees.location(i),
            hint=(f"add a row `{code},<rate>,<source>` to {fx.file or 'fx.csv'} ({CONVENTION}, here {home} per 1 "
                  f"{code})" + ("" if fx.file else " and name it under `data: {fx: fx.csv}`"))))
    if home in manifest.currencies:
        errors.append(InputError(
            f"currencies names the workspace currency {home}", location=locate("currencies", home),
            hint="the workspace currency is rounded by `rounding:` (and plans' own `rounding`): move it there"))
    own_rounding = {p.id for p in manifest.plans if p.rounding is not None}
    if own_rounding and manifest.currencies:
        plans = employees.plans.to_pylist()
        for i, (code, plan) in enumerate(zip(codes.to_pylist(), plans, strict=True)):
            if plan in own_rounding and code in manifest.currencies:
                errors.append(InputError(
                    f"{employees.ids[i].as_py()} is on plan {plan}, which rounds its bonuses itself (`rounding`), "
                    f"and is paid in {code}, which `currencies` rounds to {manifest.currencies[code].quantum}",
                    location=employees.location(i),
                    hint=f"one rounding per bonus: drop the plan's `rounding` or `currencies.{code}`"))
                break
    raise_all(errors)
    for code, rate in fx.rates.items():
        if code not in counts and code != home:
            fx.warnings.append((rate.location, f"the rate of {code} is not used: no employee is paid in {code}"))
    for code in manifest.currencies:
        if code not in counts and code != home:
            fx.warnings.append((locate("currencies", code),
                                f"currencies.{code} changes nothing: no employee is paid in {code}"))
    return fx
