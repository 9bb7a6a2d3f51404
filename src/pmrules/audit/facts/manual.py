"""Manual-change facts: one per metric adjustment (adjustments.csv) and one per measure override.

What an auditor asks of a manual change is worked out here, so rules only compare: is it justified
(a reason and an approver), did someone approve their own benefit, and does the adjusted centre
control the input it was adjusted on. A workspace without manual changes has none of these facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pmrules.catalog import Catalog
from pmrules.catalog.controllability import uncontrolled
from pmrules.errors import Location
from pmrules.workspace import Workspace


def _home(ws: Workspace, entity: str) -> tuple[str, str | None]:
    """(center | employee, the entity's centre): an employee belongs to the centre of its row."""
    if entity in ws.organisation.centers:
        return "center", entity
    table = ws.employees
    position = table.position(entity)
    return "employee", None if position is None else table.centers[position].as_py()


def _people(ws: Workspace, entity: str, center: str | None) -> set[str]:
    """Ids and names (casefolded) of who benefits directly: the employee itself, or the centre's manager."""
    found: set[str] = set()
    ids = [entity] if entity not in ws.organisation.centers else []
    centers = ws.organisation.centers
    manager = centers[center].manager if center is not None and center in centers else None
    if manager and entity in ws.organisation.centers:
        ids.append(manager)
    table = ws.employees
    for person in ids:
        found.add(person.casefold())
        position = table.position(person)
        if position is not None:
            found.add(str(table[position].name).strip().casefold())
    return found


def _justified(reason: str, approver: str) -> dict[str, Any]:
    return {"reason": reason.strip() or None, "approved_by": approver.strip() or None,
            "has_reason": bool(reason.strip()), "has_approver": bool(approver.strip())}


def adjustment_facts(ws: Workspace, catalog: Catalog) -> Iterator[tuple[dict[str, Any], Location]]:
    """One fact per applied row of adjustments.csv, in file order."""
    for a in ws.adjustments:
        kind, center = _home(ws, a.entity)
        centers = ws.organisation.centers
        center_type = centers[center].type if center is not None and center in centers else None
        category = catalog.input_category(a.input)
        missing = uncontrolled(center_type, [category]) if center_type else []
        approver = a.approved_by.strip().casefold()
        yield {
            "id": f"{a.entity} / {a.input}" + (f" / {a.period}" if a.period else ""), "entity": a.entity,
            "entity_kind": kind, "center": center, "center_type": center_type, "input": a.input,
            "category": category, "uncontrolled_categories": missing, "controlled": not missing,
            "how": "delta" if a.delta is not None else "value",
            "raw": None if a.raw is None else f"{a.raw:f}", "adjusted": f"{a.adjusted:f}", "change": f"{a.change:+f}",
            "period": a.period, **_justified(a.reason, a.approved_by),
            "self_approved": bool(approver) and approver in _people(ws, a.entity, center),
        }, a.where


def override_facts(ws: Workspace, catalog: Catalog) -> Iterator[tuple[dict[str, Any], Location]]:
    """One fact per item of `overrides:`, in manifest order."""
    targets = [p.curve.target for p in ws.manifest.plans]
    for i, o in enumerate(ws.manifest.overrides):
        kind, center = _home(ws, o.owner)
        approver = o.approved_by.strip().casefold()
        yield {
            "id": f"{o.owner} / {o.target}", "owner": o.owner, "owner_kind": kind, "center": center,
            "target": o.target, "overrides": "line" if o.kpi is not None else "component",
            "kpi": o.kpi, "component": o.component, "value": float(o.value), "is_zero": o.value == 0,
            "above_target": bool(targets) and o.value > max(targets),
            **_justified(o.reason, o.approved_by),
            "self_approved": bool(approver) and approver in _people(ws, o.owner, center),
        }, ws.locate("overrides", i)
