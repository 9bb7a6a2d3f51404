"""`lookalike` facts: groups of ids that differ as text but read alike (`E001` / `EOO1` / `e001`).

Ids that differ only by Unicode look-alikes are refused when the workspace is read (pmrules.ids);
what is left are ASCII ids that a person can still confuse. Each namespace in which one id is
looked up by another (owners: centres and employees; plans; the workspace's KPIs and inputs) is
folded through `ids.skeleton` column-wise, so a million employees cost a few array passes.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pmrules.errors import Location
from pmrules.workspace import Workspace

SAMPLE = 20
# As ids.skeleton, on ids already restricted to ASCII (so no '|', and ASCII lower-casing is enough).
_FOLD = (("o", "0"), ("i", "1"), ("l", "1"), ("_", "-"), (".", "-"))


def _skeletons(values: pa.Array) -> pa.Array:
    folded = pc.ascii_lower(values)
    for pattern, replacement in _FOLD:
        folded = pc.replace_substring(folded, pattern, replacement)
    return folded


def _groups(values: list[str] | pa.Array) -> list[list[int]]:
    """Positions of the values in each group of two or more that share a skeleton, in first-seen order."""
    array = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    if len(array) < 2:
        return []
    encoded = pc.dictionary_encode(_skeletons(array))
    counts = pc.value_counts(encoded.indices)
    shared = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(shared) == 0:
        return []
    rows = pc.indices_nonzero(pc.is_in(encoded.indices, value_set=shared)).to_pylist()
    by_code: dict[int, list[int]] = {}
    for row in rows:
        by_code.setdefault(encoded.indices[row].as_py(), []).append(row)
    return sorted(by_code.values(), key=lambda group: group[0])


def lookalike_facts(ws: Workspace) -> list[tuple[dict[str, Any], Location]]:
    """One fact per group of look-alike ids, pointing at the second of them (the likelier intruder)."""
    m = ws.manifest
    table = ws.employees
    centres = [c.id for c in m.centers]
    owner_ids = pa.concat_arrays([pa.array(centres, pa.string()), table.ids.cast(pa.string())])

    def owner(i: int) -> tuple[str, Location]:
        if i < len(centres):
            return centres[i], ws.locate("centers", i)
        return table.ids[i - len(centres)].as_py(), table.location(i - len(centres))

    plans = [p.id for p in m.plans]
    kpis = [k.id for k in m.kpis] + list(m.inputs)

    def plan(i: int) -> tuple[str, Location]:
        return plans[i], ws.locate("plans", i)

    def kpi(i: int) -> tuple[str, Location]:
        if i < len(m.kpis):
            return kpis[i], ws.locate("kpis", i)
        return kpis[i], ws.locate("inputs", kpis[i])

    facts = []
    for namespace, values, where in (("owner", owner_ids, owner), ("plan", plans, plan), ("kpi", kpis, kpi)):
        for group in _groups(values):
            found = [where(i) for i in group]
            ids = [value for value, _ in found]
            label = ", ".join(f"{value} ({location})" for value, location in found[:5])
            facts.append(({"id": f"{namespace}:{ids[0]}", "namespace": namespace, "ids": ids[:SAMPLE],
                           "count": len(ids), "label": label + (f", ... ({len(ids)} ids)" if len(ids) > 5 else "")},
                          found[1][1]))
    return facts
