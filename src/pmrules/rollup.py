"""Roll-up: a centre without a value for an input gets its children's sum (or min, or max).

Applied after the actuals are read and before any KPI is evaluated, so a region's ratios are
computed from its rolled-up inputs (a ratio of sums), never by rolling up ratios. Only a workspace
with a `rollup:` key rolls anything up; plugins' defaults (`register_inputs` -> `rollup`) fill in
the inputs it does not name. The tree is walked once per input, children before parents, without
recursion, so a 10,000-deep chain costs what a flat tree of the same size costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact

from pmrules.catalog import Catalog
from pmrules.errors import InputError, PmrulesError, did_you_mean
from pmrules.models import RollupRule
from pmrules.workspace import Actuals, Workspace

# Sums of decimals are exact: a context that can hold every digit, and traps anything inexact.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])


@dataclass(frozen=True)
class Policy:
    """How one input rolls up: kind, whether it may be negative, how a parent's own value is reconciled."""

    input: str
    kind: str  # sum | min | max
    signed: bool
    reconcile: str  # at_least | exact | none
    source: str  # "workspace" or the plugin whose default it is


@dataclass(frozen=True)
class RolledValue:
    """A value made from the children's values: which kind, and the children it came from."""

    kind: str
    children: tuple[str, ...]


@dataclass
class RolledActuals(Actuals):
    """Actuals with the rolled-up values filled in; `rolled` says which, `missing` why a value could not be made."""

    rolled: dict[tuple[str, str], RolledValue] = field(default_factory=dict)
    missing: dict[tuple[str, str], str] = field(default_factory=dict)
    raw: Actuals | None = None

    def why_missing(self, entity: str, name: str) -> str | None:
        return self.missing.get((entity, name))


def policies(ws: Workspace, catalog: Catalog) -> dict[str, Policy]:
    """Inputs that roll up (kind sum, min or max), by name; empty when the workspace has no `rollup:` key."""
    chosen = ws.manifest.rollup
    if chosen is None:
        return {}
    found: dict[str, Policy] = {}
    for name, entry in catalog.inputs.items():
        written = chosen.get(name)
        kind: str
        reconcile: str | None = None
        if isinstance(written, RollupRule):
            kind, reconcile, source = written.kind, written.reconcile, "workspace"
        elif written is not None:
            kind, source = written, "workspace"
        elif entry.rollup is not None:
            kind, source = entry.rollup, entry.rollup_source or entry.source
        else:
            continue
        if kind == "none":
            continue
        signed = entry.definition.signed
        if reconcile is None:
            reconcile = "none" if kind != "sum" or signed else "at_least"
        found[name] = Policy(name, kind, signed, reconcile, source)
    return found


def check_rollup(ws: Workspace, catalog: Catalog) -> list[PmrulesError]:
    """`rollup:` names known inputs; `signed` changes something; an unsigned sum input is never negative."""
    errors: list[PmrulesError] = []
    chosen = ws.manifest.rollup
    for name in chosen or {}:
        if name not in catalog.inputs:
            errors.append(InputError(f"rollup: names unknown input '{name}'", location=ws.locate("rollup", name),
                                     hint=did_you_mean(name, catalog.inputs) or "declare it under `inputs:`"))
    found = policies(ws, catalog)
    for name, definition in ws.manifest.inputs.items():
        if definition.signed and (name not in found or found[name].kind != "sum"):
            errors.append(InputError(
                f"input '{name}' is `signed: true`, which changes nothing without a `sum` roll-up of it",
                location=ws.locate("inputs", name),
                hint=f"add `rollup: {{{name}: sum}}`, or remove `signed`"))
    if chosen is not None and not chosen and not found:
        errors.append(InputError("`rollup: {}` rolls nothing up: no plugin declares a roll-up default",
                                 location=ws.locate("rollup"), hint="name inputs, e.g. `rollup: {revenue: sum}`"))
    additive = {name for name, p in found.items() if p.kind == "sum" and not p.signed}
    negative = [(key, where) for key, where in ws.actuals.where.items()
                if key[1] in additive and (ws.actuals.get(*key) or 0) < 0]
    for (entity, name), where in sorted(negative, key=lambda kv: kv[1]):  # few, so only they are sorted
        errors.append(InputError(
            f"{name} of {entity} is {ws.actuals.get(entity, name)}, negative, but its roll-up is a sum of parts that "
            "are never negative",
            location=where, hint=f"if {name} can be negative, declare it with `signed: true` under `inputs:`"))
    return errors


def combine(kind: str, values: list[Decimal]) -> Decimal:
    """The children's values rolled up: their exact sum, or the smallest or largest."""
    if kind == "min":
        return min(values)
    if kind == "max":
        return max(values)
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


def roll_up(ws: Workspace, catalog: Catalog, actuals: Actuals | None = None) -> Actuals:
    """The actuals with every rollable missing centre value made from its children's; unchanged without `rollup:`.

    A child without a value (its own or rolled up) leaves the parent without one, with the reason:
    never a partial sum.
    """
    source = ws.actuals if actuals is None else actuals
    found = policies(ws, catalog)
    if not found:
        return source
    org = ws.organisation
    values = {entity: dict(row) for entity, row in source.values.items()}
    result = RolledActuals(values, dict(source.where), source.form, raw=source)
    for name, policy in sorted(found.items()):
        culprit: dict[str, str] = {}  # a centre without a value -> the centre at the bottom of the gap
        for center in reversed(org.order):  # children before parents
            if source.get(center, name) is not None:
                continue
            children = org.children[center]
            if not children:
                culprit[center] = center
                continue
            gaps = [child for child in children if child in culprit]
            if gaps:
                child = gaps[0]
                culprit[center] = culprit[child]
                deeper = "" if culprit[child] == child else f": '{culprit[child]}' below it has none"
                more = f" (and {len(gaps) - 1} more child(ren))" if len(gaps) > 1 else ""
                result.missing[(center, name)] = (f"not rolled up from its children: '{child}' has no value{deeper}"
                                                  f"{more}")
                continue
            parts = [values[child][name] for child in children]
            values.setdefault(center, {})[name] = combine(policy.kind, parts)
            result.rolled[(center, name)] = RolledValue(policy.kind, children)
    return result
