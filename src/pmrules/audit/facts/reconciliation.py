"""Reconciliation facts: a parent's own value of a `sum` input beside the sum of its children's.

One fact per (centre, input) where the centre typed in its own value, the input rolls up as a sum,
and every child has a value (typed in or rolled up); the arithmetic is exact here, so rules only
compare. A workspace without `rollup:` has none of these facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import Location
from pmrules.rollup import EXACT, combine, policies, roll_up
from pmrules.workspace import Workspace

SAMPLE_IDS = 20


def reconciliation_facts(ws: Workspace, catalog: Catalog) -> Iterator[tuple[dict[str, Any], Location]]:
    """Facts in tree order, then by input; each points at the parent's line in the actuals."""
    found = {name: p for name, p in policies(ws, catalog).items() if p.kind == "sum"}
    if not found:
        return
    org = ws.organisation
    raw = ws.actuals
    rolled = roll_up(ws, catalog)
    for center in org.order:
        children = org.children[center]
        if not children:
            continue
        for name, policy in sorted(found.items()):
            own = raw.get(center, name)
            parts = [rolled.get(child, name) for child in children]
            known = [part for part in parts if part is not None]
            if own is None or len(known) < len(parts):
                continue
            total = combine("sum", known)
            share = EXACT.subtract(own, total)
            yield {
                "id": f"{center} / {name}", "center": center, "center_type": org.centers[center].type,
                "input": name, "category": catalog.input_category(name), "signed": policy.signed,
                "reconcile": policy.reconcile, "rollup_source": policy.source, "value": str(own),
                "children_sum": str(total), "own_share": str(share), "children": len(children),
                "child_ids": list(children[:SAMPLE_IDS]),
                "below_children": share < 0, "equals_children": share == 0,
            }, raw.where[(center, name)]
