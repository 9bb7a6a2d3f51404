"""KPI values per owner, KPI by KPI in dependency order; an owner a KPI cannot be computed for gets a reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from pmrules.catalog import Catalog
from pmrules.errors import EvaluationError
from pmrules.formula import compile_exact, compile_numpy
from pmrules.rational import Fraction
from pmrules.workspace import Actuals


@dataclass
class KpiValues:
    """`values[(owner, kpi)]` exists exactly when `problems[(owner, kpi)]` does not."""

    values: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    floats: dict[tuple[str, str], float] = field(default_factory=dict)
    problems: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, owner: str, kpi: str) -> Fraction | None:
        return self.values.get((owner, kpi))


def _closure(catalog: Catalog, requests: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Owners per KPI, including the KPIs that requested KPIs are built from."""
    owners: dict[str, set[str]] = {}
    stack = list(requests)
    while stack:
        owner, kpi = stack.pop()
        if kpi not in catalog.kpis or owner in owners.setdefault(kpi, set()):
            continue
        owners[kpi].add(owner)
        stack.extend((owner, ref) for ref in catalog.kpis[kpi].kpi_refs)
    return owners


def _arguments(catalog: Catalog, kpi: str) -> list[str]:
    entry = catalog.kpis[kpi]
    return sorted(str(s) for s in entry.expr.free_symbols)


def evaluate_kpis(catalog: Catalog, actuals: Actuals, requests: Iterable[tuple[str, str]]) -> KpiValues:
    """Exact values (Fractions) per (owner, KPI) for the payout, and their float twins from NumPy."""
    result = KpiValues()
    needed = _closure(catalog, requests)
    for kpi in catalog.order:
        if kpi not in needed:
            continue
        names = _arguments(catalog, kpi)
        exact: Callable[..., Fraction] = compile_exact(catalog.kpis[kpi].expr, names)
        owners = sorted(needed[kpi])
        rows: list[list[float]] = []
        for owner in owners:
            args: list[Fraction] = []
            problem = None
            for name in names:
                if name in catalog.inputs:
                    raw = actuals.get(owner, name)
                    if raw is None:
                        problem = f"input '{name}' has no value for '{owner}'"
                        break
                    args.append(Fraction(raw))
                else:
                    if (owner, name) in result.problems:
                        problem = f"KPI '{name}' for '{owner}': {result.problems[(owner, name)]}"
                        break
                    args.append(result.values[(owner, name)])
            if problem is None:
                try:
                    value = exact(*args)
                except EvaluationError as exc:
                    problem = exc.message
                except (ZeroDivisionError, OverflowError, ValueError) as exc:
                    problem = f"cannot be computed: {exc}"
            if problem is not None:
                result.problems[(owner, kpi)] = problem
                continue
            result.values[(owner, kpi)] = value
            rows.append([float(a) for a in args])
        _float_twins(catalog, kpi, names, [o for o in owners if (o, kpi) in result.values], rows, result)
    return result


def _float_twins(catalog: Catalog, kpi: str, names: list[str], owners: list[str], rows: list[list[float]],
                 result: KpiValues) -> None:
    """The same KPI over all its owners at once with NumPy: for reports and what-ifs at speed."""
    if not owners:
        return
    fn = compile_numpy(catalog.kpis[kpi].expr, names)
    columns = np.array(rows, dtype=np.float64).reshape(len(owners), len(names)).T
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(fn(*columns), dtype=np.float64), (len(owners),))
    for owner, value in zip(owners, values.tolist(), strict=True):
        result.floats[(owner, kpi)] = value
