"""Year-to-date actuals: each input accumulated across the periods so far (`sum`, `last`, `average`).

KPIs are then computed from these accumulated inputs, so a ratio is a ratio of sums, never an
average of ratios. The method of an input: the workspace's `accumulate:` map, else its own
`inputs:` entry, else the plugin that registered it (`register_inputs`), else `sum`.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from pmrules.errors import InputError, Location, PmrulesError, did_you_mean
from pmrules.models import InputDef, Manifest
from pmrules.workspace.tables import Actuals

DEFAULT = "sum"
# An average of n periods is exact when it terminates (n = 2, 4, 5, ...), else kept to 50 digits.
AVERAGE_DIGITS = 50
SUM_DIGITS = 200  # sums of decimal text are exact at this precision


def methods(manifest: Manifest, inputs: Mapping[str, InputDef] | None = None) -> dict[str, str]:
    """How each input known to the workspace (and its plugins, if `inputs` is given) accumulates."""
    known: dict[str, str] = {}
    for name, definition in (inputs or {}).items():
        known[name] = definition.accumulate or DEFAULT
    for name, definition in manifest.inputs.items():
        known[name] = definition.accumulate or known.get(name, DEFAULT)
    known.update(manifest.accumulate)
    return known


def same_methods(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Whether two maps accumulate every input alike (an input named in neither is summed)."""
    return all(a.get(name, DEFAULT) == b.get(name, DEFAULT) for name in {*a, *b})


def accumulate(per_period: Mapping[str, Actuals], periods: Sequence[str], how: Mapping[str, str]) -> Actuals:
    """The actuals of `periods` (in order) folded into one; a value's location is its latest row."""
    series: dict[tuple[str, str], list[Decimal]] = {}
    result = Actuals(form=next(iter(per_period.values())).form if per_period else "long")
    for period in periods:
        actuals = per_period[period]
        for entity, row in actuals.values.items():
            for name, value in row.items():
                series.setdefault((entity, name), []).append(value)
                result.where[(entity, name)] = actuals.where[(entity, name)]
    for (entity, name), values in sorted(series.items()):
        result.values.setdefault(entity, {})[name] = fold(values, how.get(name, DEFAULT))
    return result


def fold(values: Sequence[Decimal], method: str) -> Decimal:
    if method == "last":
        return values[-1]
    with decimal.localcontext() as context:
        context.prec = SUM_DIGITS
        total = sum(values, Decimal(0))
        if method == "sum":
            return total
        context.prec = AVERAGE_DIGITS
        return total / len(values)


def check_accumulate(manifest: Manifest, known: Mapping[str, object], locate: Callable[..., Location]) -> list[PmrulesError]:
    """Every name in `accumulate:` is an input of the workspace or of a plugin."""
    return [InputError(f"accumulate: unknown input '{name}'", location=locate("accumulate", name),
                       hint=did_you_mean(name, known) or "name an input from `inputs:` or a plugin")
            for name in manifest.accumulate if name not in known]
