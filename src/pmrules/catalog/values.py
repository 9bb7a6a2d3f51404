"""KPI values per owner, KPI by KPI in dependency order; an owner a KPI cannot be computed for gets a reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pmrules.catalog.build import Catalog
from pmrules.errors import EvaluationError
from pmrules.rational import Fraction
from pmrules.workspace import Actuals


@dataclass
class KpiValues:
    """`values[(owner, kpi)]` exists exactly when `problems[(owner, kpi)]` does not."""

    values: dict[tuple[str, str], Fraction] = field(default_factory=dict)
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


def evaluate_kpis(catalog: Catalog, actuals: Actuals, requests: Iterable[tuple[str, str]]) -> KpiValues:
    """Exact values (Fractions) per (owner, KPI); each KPI's compiled form comes from its catalog entry."""
    result = KpiValues()
    needed = _closure(catalog, requests)
    for kpi in catalog.order:
        if kpi not in needed:
            continue
        entry = catalog.kpis[kpi]
        names = entry.arguments
        exact = entry.exact  # compiled here even if no owner can be computed: a formula error still surfaces
        for owner in sorted(needed[kpi]):
            args: list[Fraction] = []
            problem = None
            for name in names:
                if name in catalog.inputs:
                    raw = actuals.get(owner, name)
                    if raw is None:
                        problem = f"input '{name}' has no value for '{owner}'"
                        why = actuals.why_missing(owner, name)
                        if why:
                            problem += f" ({why})"
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
    return result
